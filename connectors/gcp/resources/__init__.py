"""Normalizers of Google Cloud resources, one module per family of asset types.

Each family declares ``TYPES`` (asset type -> catalog service key of provider ``gcp``, or
``None``), ``HOLDS_DATA``, ``enrich(row, comp, index)`` and optionally ``index(row, cid,
index)``, as the Azure families do. Rows are Cloud Asset ``ResourceSearchResult`` objects
as the REST API returns them. An asset type in no family is a component without a service,
counted in the coverage report.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from types import ModuleType
from typing import TYPE_CHECKING

from inventory.records import ComponentRecord, CoverageEntry, InventoryBatch

from . import ai, analytics, compute, containers, databases, network, security, storage
from ._common import Index, Row, key_component, region_of

if TYPE_CHECKING:
    from connectors.gcp import Params

__all__ = ["CONTAINER_TYPES", "FAMILIES", "family_of", "normalize_estate"]

FAMILIES: tuple[ModuleType, ...] = (compute, storage, databases, analytics, containers, ai, security, network)

#: Organizations, folders, projects and enabled APIs: the containers of resources, not resources.
CONTAINER_TYPES = frozenset(
    {
        "cloudresourcemanager.googleapis.com/Organization",
        "cloudresourcemanager.googleapis.com/Folder",
        "cloudresourcemanager.googleapis.com/Project",
        "cloudresourcemanager.googleapis.com/TagKey",
        "cloudresourcemanager.googleapis.com/TagValue",
        "serviceusage.googleapis.com/Service",
    }
)

_BY_TYPE: dict[str, ModuleType] = {}
for _family in FAMILIES:
    for _type in _family.TYPES:
        if _type in _BY_TYPE:
            raise RuntimeError(f"asset type {_type} is claimed by {_BY_TYPE[_type].__name__} and {_family.__name__}")
        _BY_TYPE[_type] = _family

_EXTERNAL = frozenset({"EXTERNAL", "EXTERNAL_VPC"})


def family_of(asset_type: str) -> ModuleType | None:
    """The family module of an asset type, if any.

    >>> family_of("storage.googleapis.com/Bucket").__name__
    'connectors.gcp.resources.storage'
    """
    return _BY_TYPE.get(asset_type)


def _project(row: Row) -> str | None:
    project = row.get("project")
    return project.split("/", 1)[1] if isinstance(project, str) and "/" in project else None


def _base(row: Row, family: ModuleType | None, source: str) -> ComponentRecord:
    name = row["name"]
    asset_type = row["assetType"]
    project = _project(row)
    region = region_of(row.get("location"))
    tags = {str(k): str(v) for k, v in (row.get("labels") or {}).items()}
    if project:
        tags["project"] = project
    return ComponentRecord(
        id=name,
        name=row.get("displayName") or name.rsplit("/", 1)[-1] or None,
        kind=asset_type,
        provider="gcp",
        service=family.TYPES[asset_type] if family else None,
        region=region,
        holds_data=bool(family and asset_type in family.HOLDS_DATA),
        external_id=name,
        account=project,
        tags=tags,
        source=source,
        origin=f"gcp:{project or '-'}:{region or 'global'}",
    )


def _keys(row: Row) -> list[str]:
    keys = row.get("kmsKeys") or []
    single = row.get("kmsKey")
    return [k for k in (*keys, single) if isinstance(k, str) and k]


def normalize_estate(raw: dict, params: Params) -> InventoryBatch:
    """Components and coverage from what :func:`connectors.gcp.discovery.fetch_estate` read (pure)."""
    source = params.source_name
    batch = InventoryBatch(source=source)
    excluded_patterns = [p.casefold() for p in params.exclude_types]
    index = Index()
    rows: list[tuple[Row, ModuleType | None]] = []
    unmodelled: Counter[str] = Counter()
    excluded = 0
    for result in raw["results"]:
        for row in result["resources"]:
            asset_type = row["assetType"]
            if asset_type in CONTAINER_TYPES:
                continue
            if any(fnmatch.fnmatchcase(asset_type.casefold(), p) for p in excluded_patterns):
                excluded += 1
                continue
            if row["name"] in index.ids:
                continue  # overlapping scopes (an organization and one of its projects)
            family = family_of(asset_type)
            index.ids.add(row["name"])
            rows.append((row, family))
            if family is None:
                unmodelled[asset_type] += 1
            elif hasattr(family, "index"):
                family.index(row, row["name"], index)

    for row, family in rows:
        comp = _base(row, family, source)
        keys = [k for k in (key_component(k) for k in _keys(row)) if k]
        if keys:
            external = any(index.key_protection.get(k) in _EXTERNAL for k in keys)
            comp.key_custody = "customer-held" if external else "customer-managed"
            comp.depends_on += tuple(keys)
        comp.depends_on += (row.get("parentFullResourceName"),)
        extra = family.enrich(row, comp, index) if family else []
        for record in (comp, *extra):
            # Only discovered components: a dangling reference would fail the whole scan's check.
            known = (index.known(ref) for ref in record.depends_on)
            record.depends_on = tuple(dict.fromkeys(k for k in known if k is not None and k != record.id))
            batch.components.append(record)

    for result in raw["results"]:
        batch.coverage.append(
            CoverageEntry(source=source, scope=result["scope"], status=result["status"], detail=result["detail"],
                          count=len(result["resources"]))
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
