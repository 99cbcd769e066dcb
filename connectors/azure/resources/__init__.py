"""Normalizers of Azure resources, one module per family of resource types.

Each family module declares:

- ``TYPES``: lower-case ARM resource type -> catalog service key of provider ``azure``
  (``None`` where the catalog has no service for it: the resource is still a component);
- ``HOLDS_DATA``: the types that store the organisation's data;
- ``PROPERTY_LISTS``: ARM types (as ARM spells them) whose ``properties`` the family reads,
  with the API version of their subscription-wide list (the ARM fallback asks those), and
  ``PROPERTY_TYPES``, the lower-case types whose properties Resource Graph must return;
- ``enrich(row, comp, index)``: sets what the type's properties say (service by kind, key
  custody, dependencies) and returns extra components (replicas in other regions);
- optionally ``index(row, cid, index)`` (what others look up: vault URIs, encryption-set
  keys) and ``skip(row)`` (resources that are not components of their own).

A type in no family becomes a component with its region and no service; the coverage report
counts them, so that a type worth a catalog service shows up.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from types import ModuleType
from typing import TYPE_CHECKING

from inventory.records import ComponentRecord, CoverageEntry, InventoryBatch

from . import (
    aks,
    analytics,
    backup,
    cognitiveservices,
    compute,
    cosmosdb,
    identity,
    keyvault,
    messaging,
    monitor,
    network,
    sql,
    storage,
    web,
)
from ._common import (
    Index,
    Row,
    component_id,
    region_of,
    resource_group_of,
    subscription_of,
)

if TYPE_CHECKING:
    from connectors.azure import Params

__all__ = ["FAMILIES", "PROPERTY_LISTS", "PROPERTY_TYPES", "family_of", "normalize_estate", "subscription_of"]

#: Order matters only for ``index``: every family indexes before any enriches.
FAMILIES: tuple[ModuleType, ...] = (
    compute, storage, sql, cosmosdb, keyvault, aks, web, cognitiveservices, network, identity, messaging, analytics,
    monitor, backup,
)

_BY_TYPE: dict[str, ModuleType] = {}
for _family in FAMILIES:
    for _type in _family.TYPES:
        if _type in _BY_TYPE:
            raise RuntimeError(f"resource type {_type} is claimed by {_BY_TYPE[_type].__name__} and {_family.__name__}")
        _BY_TYPE[_type] = _family

PROPERTY_LISTS: dict[str, str] = {t: v for f in FAMILIES for t, v in f.PROPERTY_LISTS.items()}
PROPERTY_TYPES: frozenset[str] = frozenset(t for f in FAMILIES for t in f.PROPERTY_TYPES)


def family_of(type_name: str) -> ModuleType | None:
    """The family module that normalizes a resource type (any case), if any.

    >>> family_of("Microsoft.Storage/storageAccounts").__name__
    'connectors.azure.resources.storage'
    >>> family_of("microsoft.automation/automationaccounts") is None
    True
    """
    return _BY_TYPE.get(type_name.lower())


def _base(row: Row, family: ModuleType | None, source: str) -> ComponentRecord:
    resource_id = row["id"]
    type_name = row["type"].lower()
    subscription = subscription_of(row)
    group = resource_group_of(resource_id)
    # Azure tag names are case-insensitive (one resource cannot have both System and system).
    tags = {str(k).lower(): str(v) for k, v in (row.get("tags") or {}).items()}
    if group:
        tags["resource_group"] = group
    region = region_of(row.get("location"))
    return ComponentRecord(
        id=component_id(resource_id),
        name=row.get("name") or None,
        kind=type_name,
        provider="azure",
        service=family.TYPES[type_name] if family else None,
        region=region,
        holds_data=bool(family and type_name in family.HOLDS_DATA),
        external_id=resource_id,
        account=subscription or None,
        tags=tags,
        source=source,
        origin=f"azure:{subscription}:{region or 'global'}",
    )


def _excluded(type_name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(type_name, p) for p in patterns)


def _tenant_ids(raw: dict, read: set[str], params: Params) -> list[str]:
    found = [params.tenant_id] if params.tenant_id else []
    for sub in raw["subscriptions"]:
        tenant = str(sub.get("tenantId") or "").lower()
        if tenant and sub["subscriptionId"].lower() in read:
            found.append(tenant)
    return list(dict.fromkeys(found))


def normalize_estate(raw: dict, params: Params) -> InventoryBatch:
    """Components and coverage from what :func:`connectors.azure.discovery.fetch_estate` read (pure)."""
    source = params.source_name
    batch = InventoryBatch(source=source)
    subscriptions = {s["subscriptionId"].lower(): s for s in raw["subscriptions"]}
    results = raw["results"]
    index = Index()
    index.subscription_tenants = {
        sid: str(s.get("tenantId")).lower() for sid, s in subscriptions.items() if s.get("tenantId")
    }
    if params.tenant_component:
        names = {str(t.get("tenantId", "")).lower(): t for t in raw["tenants"]}
        read = {r["subscription"] for r in results if r["status"] == "read" or r["resources"]}
        for tenant in _tenant_ids(raw, read, params):
            comp = identity.tenant_component(tenant, names.get(tenant), source)
            index.tenants[tenant] = comp.id
            index.ids.add(comp.id)
            batch.components.append(comp)

    rows: list[tuple[Row, ModuleType | None]] = []
    unmodelled: Counter[str] = Counter()
    excluded = 0
    seen: set[str] = set()
    for result in results:
        for row in result["resources"]:
            type_name = row["type"].lower()
            family = family_of(type_name)
            if _excluded(type_name, params.exclude_types):
                excluded += 1
                continue
            skip = getattr(family, "skip", None)
            cid = component_id(row["id"])
            if (skip is not None and skip(row)) or cid in seen:
                continue
            seen.add(cid)
            rows.append((row, family))
            index.ids.add(cid)
            group = resource_group_of(row["id"])
            if group:
                index.by_group.setdefault((subscription_of(row), group), []).append((type_name, cid))
            if family is None:
                unmodelled[type_name] += 1
            elif hasattr(family, "index"):
                family.index(row, cid, index)

    for row, family in rows:
        comp = _base(row, family, source)
        comp.depends_on += identity.identity_refs(row, index)
        extra = family.enrich(row, comp, index) if family else []
        for record in (comp, *extra):
            # Only discovered components: a dangling reference would fail the whole scan's check.
            known = (index.known(ref) for ref in record.depends_on)
            record.depends_on = tuple(dict.fromkeys(k for k in known if k is not None and k != record.id))
            batch.components.append(record)

    for entry in raw["coverage"]:
        batch.coverage.append(CoverageEntry(source=source, **entry))
    for result in results:
        sub = subscriptions.get(result["subscription"], {})
        name = sub.get("displayName")
        detail = result["detail"]
        batch.coverage.append(
            CoverageEntry(
                source=source,
                scope=f"/subscriptions/{result['subscription']}",
                status=result["status"],
                detail=f"{name}: {detail}" if name and detail else detail or name,
                count=len(result["resources"]),
            )
        )
    if unmodelled or excluded:
        listed = ", ".join(f"{t} ({n})" for t, n in sorted(unmodelled.items()))
        parts = [f"{sum(unmodelled.values())} resource(s) of types without a catalog service: {listed}"] if unmodelled else []
        if excluded:
            parts.append(f"{excluded} resource(s) left out by exclude_types")
        batch.coverage.append(
            # count stays 0: these resources are counted in their scope's entry already.
            CoverageEntry(source=source, scope="resource types", status="read", detail="; ".join(parts))
        )
    return batch
