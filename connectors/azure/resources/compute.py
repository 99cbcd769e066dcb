"""Compute: virtual machines, scale sets, managed disks and snapshots, disk encryption sets.

A virtual machine depends on its disks and network interfaces; a disk holds data (its
provisioned size is the data volume) and its key custody follows its encryption: platform
keys are the provider's, a disk encryption set's key is the customer's (held, when it
lives in a Managed HSM).
"""

from __future__ import annotations

from inventory.records import ComponentRecord

from ._common import Index, Row, component_id, custody_of_key, props

TYPES = {
    "microsoft.compute/virtualmachines": "virtual-machines",
    "microsoft.compute/virtualmachinescalesets": "virtual-machines",
    "microsoft.compute/disks": "managed-disks",
    "microsoft.compute/snapshots": "managed-disks",
    "microsoft.compute/diskencryptionsets": None,
}
HOLDS_DATA = frozenset({"microsoft.compute/disks", "microsoft.compute/snapshots"})
PROPERTY_LISTS = {
    "Microsoft.Compute/virtualMachines": "2024-07-01",
    "Microsoft.Compute/virtualMachineScaleSets": "2024-07-01",
    "Microsoft.Compute/disks": "2024-03-02",
    "Microsoft.Compute/snapshots": "2024-03-02",
    "Microsoft.Compute/diskEncryptionSets": "2024-03-02",
}
PROPERTY_TYPES = frozenset(t.lower() for t in PROPERTY_LISTS)

_CUSTOMER_KEY = frozenset({"encryptionatrestwithcustomerkey", "encryptionatrestwithplatformandcustomerkeys"})


def index(row: Row, cid: str, idx: Index) -> None:
    if row["type"].lower() == "microsoft.compute/diskencryptionsets":
        key_url = (props(row).get("activeKey") or {}).get("keyUrl")
        if key_url:
            idx.key_of_encryption_set[cid] = key_url


def _vm(p: dict) -> list:
    storage = p.get("storageProfile") or {}
    disks = [(storage.get("osDisk") or {}).get("managedDisk") or {}]
    disks += [d.get("managedDisk") or {} for d in storage.get("dataDisks") or []]
    nics = (p.get("networkProfile") or {}).get("networkInterfaces") or []
    return [d.get("id") for d in disks] + [n.get("id") for n in nics]


def _scale_set(p: dict) -> list:
    profile = (p.get("virtualMachineProfile") or {}).get("networkProfile") or {}
    refs = []
    for nic in profile.get("networkInterfaceConfigurations") or []:
        for ip in (nic.get("properties") or {}).get("ipConfigurations") or []:
            subnet = ((ip.get("properties") or {}).get("subnet") or {}).get("id")
            if subnet:
                refs.append(subnet.lower().split("/subnets/")[0])
    return refs


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    type_name = row["type"].lower()
    p = props(row)
    if type_name == "microsoft.compute/virtualmachines":
        comp.depends_on += tuple(_vm(p))
    elif type_name == "microsoft.compute/virtualmachinescalesets":
        comp.depends_on += tuple(_scale_set(p))
    elif type_name in HOLDS_DATA:
        size = p.get("diskSizeGB")
        if isinstance(size, (int, float)) and not isinstance(size, bool):
            comp.data_volume_gb = float(size)
        encryption = p.get("encryption") or {}
        kind = str(encryption.get("type") or "").lower()
        if kind == "encryptionatrestwithplatformkey":
            comp.key_custody = "provider"
        elif kind in _CUSTOMER_KEY:
            des = encryption.get("diskEncryptionSetId")
            des_id = component_id(des) if isinstance(des, str) else None
            comp.key_custody = custody_of_key(idx.key_of_encryption_set.get(des_id or "")) or "customer-managed"
            comp.depends_on += (des,)
    elif type_name == "microsoft.compute/diskencryptionsets":
        active = p.get("activeKey") or {}
        comp.depends_on += ((active.get("sourceVault") or {}).get("id"), idx.vault_of(active.get("keyUrl")))
    return []
