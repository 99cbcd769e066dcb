"""Cloud Storage buckets: object data, in a region, a dual-region or a multi-region."""

from __future__ import annotations

from inventory.records import ComponentRecord

from ._common import Index, Row

TYPES = {"storage.googleapis.com/Bucket": "cloud-storage"}
HOLDS_DATA = frozenset(TYPES)


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    return []
