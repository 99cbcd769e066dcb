"""Keys and identities: Cloud KMS key rings and keys, IAM service accounts.

A key is ``customer-managed``; one whose protection level is ``EXTERNAL`` or
``EXTERNAL_VPC`` (Cloud External Key Manager: the key material stays outside Google) is
``customer-held``. Resources that name a key depend on it.
"""

from __future__ import annotations

from inventory.records import ComponentRecord

from ._common import Index, Row

TYPES = {
    "cloudkms.googleapis.com/KeyRing": "kms",
    "cloudkms.googleapis.com/CryptoKey": "kms",
    "iam.googleapis.com/ServiceAccount": "cloud-iam",
}
HOLDS_DATA = frozenset({"cloudkms.googleapis.com/CryptoKey"})
_EXTERNAL = frozenset({"EXTERNAL", "EXTERNAL_VPC"})


def index(row: Row, cid: str, idx: Index) -> None:
    if row["assetType"] == "cloudkms.googleapis.com/CryptoKey":
        level = (row.get("additionalAttributes") or {}).get("protectionLevel")
        if isinstance(level, str):
            idx.key_protection[cid] = level.upper()


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    if row["assetType"] == "cloudkms.googleapis.com/CryptoKey":
        comp.key_custody = "customer-held" if idx.key_protection.get(comp.id) in _EXTERNAL else "customer-managed"
    return []
