"""Databases and caches: Cloud SQL, Spanner, Firestore, Memorystore."""

from __future__ import annotations

from inventory.records import ComponentRecord

from ._common import Index, Row

TYPES = {
    "sqladmin.googleapis.com/Instance": "cloud-sql",
    "spanner.googleapis.com/Instance": "spanner",
    "spanner.googleapis.com/Database": "spanner",
    "firestore.googleapis.com/Database": "firestore",
    "redis.googleapis.com/Instance": "memorystore",
}
HOLDS_DATA = frozenset(
    {"sqladmin.googleapis.com/Instance", "spanner.googleapis.com/Database", "spanner.googleapis.com/Instance",
     "firestore.googleapis.com/Database"}
)


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    return []
