"""Backup: Recovery Services vaults and Backup vaults hold copies of the data they protect."""

from __future__ import annotations

from inventory.records import ComponentRecord

from ._common import Index, Row

TYPES = {
    "microsoft.recoveryservices/vaults": "backup",
    "microsoft.dataprotection/backupvaults": "backup",
}
HOLDS_DATA = frozenset(TYPES)
PROPERTY_LISTS: dict[str, str] = {}
PROPERTY_TYPES: frozenset[str] = frozenset()


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    return []
