"""Identity: the Entra ID tenant and user-assigned managed identities.

The tenant is one component (``/tenants/<id>``, service ``entra-id``, no region: Entra ID
is a global service); which system it serves is for attribution to say. A resource with
a system-assigned identity authenticates through the tenant, one with user-assigned
identities through those identities, and an identity through its tenant: those are the
only dependencies on the tenant, each stated by the resource itself.
"""

from __future__ import annotations

from inventory.records import ComponentRecord

from ._common import Index, Row

TYPES = {"microsoft.managedidentity/userassignedidentities": "entra-id"}
HOLDS_DATA: frozenset[str] = frozenset()
PROPERTY_LISTS: dict[str, str] = {}
PROPERTY_TYPES: frozenset[str] = frozenset()


def tenant_component(tenant_id: str, tenant: dict | None, source: str) -> ComponentRecord:
    """The tenant as a component, named after ``GET /tenants`` when that was read."""
    tenant = tenant or {}
    return ComponentRecord(
        id=f"/tenants/{tenant_id}",
        name=tenant.get("displayName") or tenant.get("defaultDomain"),
        kind="microsoft.entra/tenant",
        provider="azure",
        service="entra-id",
        holds_data=True,
        external_id=tenant.get("id") or f"/tenants/{tenant_id}",
        tags={},
        source=source,
        origin=f"azure:tenant:{tenant_id}",
    )


def identity_refs(row: Row, idx: Index) -> tuple:
    """What a resource authenticates through, as its ``identity`` block says."""
    identity = row.get("identity")
    if not isinstance(identity, dict):
        return ()
    refs: list = list((identity.get("userAssignedIdentities") or {}).keys())
    if "systemassigned" in str(identity.get("type") or "").lower():
        tenant = str(identity.get("tenantId") or "").lower()
        refs.append(idx.tenants.get(tenant) if tenant else idx.tenant_of(row))
    return tuple(refs)


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    comp.depends_on += (idx.tenant_of(row),)
    return []
