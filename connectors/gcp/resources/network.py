"""Networking: VPC networks and subnets, Cloud DNS, Cloud Load Balancing."""

from __future__ import annotations

from inventory.records import ComponentRecord

from ._common import Index, Row

TYPES = {
    "compute.googleapis.com/Network": None,  # the catalog has no VPC service yet
    "compute.googleapis.com/Subnetwork": None,
    "dns.googleapis.com/ManagedZone": "cloud-dns",
    "compute.googleapis.com/ForwardingRule": "cloud-load-balancing",
    "compute.googleapis.com/GlobalForwardingRule": "cloud-load-balancing",
    "compute.googleapis.com/BackendService": "cloud-load-balancing",
    "compute.googleapis.com/UrlMap": "cloud-load-balancing",
}
HOLDS_DATA: frozenset[str] = frozenset()


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    return []
