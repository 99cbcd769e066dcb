"""Compute Engine: instances and their disks, images and snapshots (which hold data)."""

from __future__ import annotations

from inventory.records import ComponentRecord

from ._common import Index, Row

TYPES = {
    "compute.googleapis.com/Instance": "compute-engine",
    "compute.googleapis.com/Disk": "compute-engine",
    "compute.googleapis.com/Snapshot": "compute-engine",
    "compute.googleapis.com/Image": "compute-engine",
    "compute.googleapis.com/InstanceGroupManager": "compute-engine",
}
HOLDS_DATA = frozenset({"compute.googleapis.com/Disk", "compute.googleapis.com/Snapshot", "compute.googleapis.com/Image"})


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    return []
