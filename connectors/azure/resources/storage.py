"""Storage accounts: Blob (and Data Lake), or Files for FileStorage accounts.

A geo-redundant account (GRS, RA-GRS, GZRS, RA-GZRS) keeps a copy of its data in its
secondary region, so it is two components: the account in its primary region and a
geo-replica in the ``secondaryLocation`` ARM reports. Where ARM reports none (the
properties were not read), the replica's region is left empty and shows up as an unknown
location rather than being guessed. Key custody follows ``encryption.keySource``.
"""

from __future__ import annotations

from dataclasses import replace

from inventory.records import ComponentRecord

from ._common import Index, Row, custody_of_key, props, region_of

TYPES = {"microsoft.storage/storageaccounts": "blob-storage"}
HOLDS_DATA = frozenset(TYPES)
PROPERTY_LISTS = {"Microsoft.Storage/storageAccounts": "2023-05-01"}
PROPERTY_TYPES = frozenset(t.lower() for t in PROPERTY_LISTS)

#: SKUs whose data is copied to the secondary (paired) region.
GEO_REDUNDANT = frozenset({"standard_grs", "standard_ragrs", "standard_gzrs", "standard_ragzrs"})


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    p = props(row)
    if str(row.get("kind") or "").lower() == "filestorage":
        comp.service = "files"
    encryption = p.get("encryption") or {}
    source = str(encryption.get("keySource") or "").lower()
    if source == "microsoft.storage":
        comp.key_custody = "provider"
    elif source == "microsoft.keyvault":
        uri = (encryption.get("keyvaultproperties") or {}).get("keyvaulturi")
        comp.key_custody = custody_of_key(uri) or "customer-managed"
        comp.depends_on += (idx.vault_of(uri),)
    sku = str((row.get("sku") or {}).get("name") or "").lower()
    if sku not in GEO_REDUNDANT:
        return []
    secondary = region_of(p.get("secondaryLocation"))
    replica = replace(
        comp,
        id=f"{comp.id}#secondary",
        name=f"{comp.name} (geo-replica)" if comp.name else None,
        region=secondary,
        depends_on=(comp.id,),
        tags=dict(comp.tags),
        origin=f"azure:{comp.account}:{secondary or 'secondary'}",
    )
    return [replica]
