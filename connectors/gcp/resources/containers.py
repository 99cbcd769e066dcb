"""Containers and serverless: GKE, Cloud Run, Cloud Functions, Artifact Registry."""

from __future__ import annotations

from inventory.records import ComponentRecord

from ._common import Index, Row

TYPES = {
    "container.googleapis.com/Cluster": "gke",
    "container.googleapis.com/NodePool": "gke",
    "run.googleapis.com/Service": "cloud-run",
    "run.googleapis.com/Job": "cloud-run",
    "cloudfunctions.googleapis.com/CloudFunction": "cloud-functions",
    "cloudfunctions.googleapis.com/Function": "cloud-functions",
    "artifactregistry.googleapis.com/Repository": "artifact-registry",
}
HOLDS_DATA = frozenset({"artifactregistry.googleapis.com/Repository"})


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    return []
