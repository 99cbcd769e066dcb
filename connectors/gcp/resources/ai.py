"""Vertex AI: datasets, models, endpoints, notebooks and the rest of ``aiplatform.googleapis.com``."""

from __future__ import annotations

from inventory.records import ComponentRecord

from ._common import Index, Row

TYPES = {
    "aiplatform.googleapis.com/Dataset": "vertex-ai",
    "aiplatform.googleapis.com/Model": "vertex-ai",
    "aiplatform.googleapis.com/Endpoint": "vertex-ai",
    "aiplatform.googleapis.com/Featurestore": "vertex-ai",
    "aiplatform.googleapis.com/CustomJob": "vertex-ai",
    "aiplatform.googleapis.com/PipelineJob": "vertex-ai",
    "notebooks.googleapis.com/Instance": "vertex-ai",
}
HOLDS_DATA = frozenset({"aiplatform.googleapis.com/Dataset", "aiplatform.googleapis.com/Model", "aiplatform.googleapis.com/Featurestore"})


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    return []
