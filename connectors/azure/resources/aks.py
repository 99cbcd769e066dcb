"""Containers: AKS clusters and container registries.

A cluster depends on the scale sets of its node resource group (its nodes) and on its disk
encryption set; a registry holds images, with a customer key when it says so.
"""

from __future__ import annotations

from inventory.records import ComponentRecord

from ._common import Index, Row, custody_of_key, props, subscription_of

TYPES = {
    "microsoft.containerservice/managedclusters": "aks",
    "microsoft.containerregistry/registries": "container-registry",
}
HOLDS_DATA = frozenset({"microsoft.containerregistry/registries"})
PROPERTY_LISTS = {
    "Microsoft.ContainerService/managedClusters": "2024-09-01",
    "Microsoft.ContainerRegistry/registries": "2023-07-01",
}
PROPERTY_TYPES = frozenset(t.lower() for t in PROPERTY_LISTS)


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    p = props(row)
    if row["type"].lower() == "microsoft.containerservice/managedclusters":
        node_group = p.get("nodeResourceGroup")
        comp.depends_on += tuple(idx.in_group(subscription_of(row), node_group, "microsoft.compute/virtualmachinescalesets"))
        comp.depends_on += (p.get("diskEncryptionSetID"),)
        return []
    encryption = p.get("encryption") or {}
    if str(encryption.get("status") or "").lower() == "enabled":
        uri = (encryption.get("keyVaultProperties") or {}).get("keyIdentifier")
        comp.key_custody = custody_of_key(uri) or "customer-managed"
        comp.depends_on += (idx.vault_of(uri),)
    elif p:
        comp.key_custody = "provider"
    return []
