"""Key Vault and Managed HSM: where the customer's keys live.

Keys in a Key Vault are managed by the customer but the service runs in Microsoft's
multi-tenant HSMs (``customer-managed``); a Managed HSM is a single-tenant pool whose
security domain the customer holds (``customer-held``). Their URIs index them, so that a
storage account, disk encryption set or Cosmos DB account that names a key depends on the
vault holding it.
"""

from __future__ import annotations

from inventory.records import ComponentRecord

from ._common import Index, Row, key_host, props

TYPES = {
    "microsoft.keyvault/vaults": "key-vault",
    "microsoft.keyvault/managedhsms": "managed-hsm",
}
HOLDS_DATA = frozenset(TYPES)
PROPERTY_LISTS = {
    "Microsoft.KeyVault/vaults": "2023-07-01",
    "Microsoft.KeyVault/managedHSMs": "2023-07-01",
}
PROPERTY_TYPES = frozenset(t.lower() for t in PROPERTY_LISTS)


def index(row: Row, cid: str, idx: Index) -> None:
    p = props(row)
    host = key_host(p.get("vaultUri") or p.get("hsmUri"))
    if host:
        idx.vaults_by_host[host] = cid


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    managed_hsm = row["type"].lower() == "microsoft.keyvault/managedhsms"
    comp.key_custody = "customer-held" if managed_hsm else "customer-managed"
    return []
