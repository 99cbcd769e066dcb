"""Cosmos DB: one component per region that holds a replica of the account's data.

The account itself sits in its ARM location; every other entry of ``locations`` is a
replica component (``<id>#replica:<region>``) depending on the account. Cosmos DB names
its replica regions by display name ("West Europe"), folded to the ARM code. Key custody
follows ``keyVaultKeyUri``.
"""

from __future__ import annotations

from dataclasses import replace

from inventory.records import ComponentRecord

from ._common import Index, Row, custody_of_key, props, region_of

TYPES = {
    "microsoft.documentdb/databaseaccounts": "cosmos-db",
    "microsoft.documentdb/mongoclusters": "cosmos-db",
}
HOLDS_DATA = frozenset(TYPES)
PROPERTY_LISTS = {"Microsoft.DocumentDB/databaseAccounts": "2024-11-15"}
PROPERTY_TYPES = frozenset(t.lower() for t in PROPERTY_LISTS)


def _locations(p: dict) -> list[str | None]:
    entries = p.get("locations") or p.get("readLocations") or []
    ordered = sorted(entries, key=lambda e: e.get("failoverPriority", 0) if isinstance(e.get("failoverPriority"), int) else 0)
    return [region_of(e.get("locationName")) for e in ordered]


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    p = props(row)
    uri = p.get("keyVaultKeyUri")
    if uri:
        comp.key_custody = custody_of_key(uri)
        comp.depends_on += (idx.vault_of(uri),)
    elif p:
        comp.key_custody = "provider"
    replicas = []
    for region in dict.fromkeys(_locations(p)):
        if region is None or region == comp.region:
            continue
        replicas.append(
            replace(
                comp,
                id=f"{comp.id}#replica:{region}",
                name=f"{comp.name} ({region} replica)" if comp.name else None,
                region=region,
                depends_on=(comp.id,),
                tags=dict(comp.tags),
                origin=f"azure:{comp.account}:{region}",
            )
        )
    return replicas
