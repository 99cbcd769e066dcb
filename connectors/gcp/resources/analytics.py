"""Analytics and messaging: BigQuery, Dataflow, Dataproc, Pub/Sub, Cloud Logging buckets."""

from __future__ import annotations

from inventory.records import ComponentRecord

from ._common import Index, Row

TYPES = {
    "bigquery.googleapis.com/Dataset": "bigquery",
    "bigquery.googleapis.com/Table": "bigquery",
    "dataflow.googleapis.com/Job": "dataflow",
    "dataproc.googleapis.com/Cluster": "dataproc",
    "pubsub.googleapis.com/Topic": "pubsub",
    "pubsub.googleapis.com/Subscription": "pubsub",
    "logging.googleapis.com/LogBucket": "cloud-logging",
}
HOLDS_DATA = frozenset(
    {"bigquery.googleapis.com/Dataset", "bigquery.googleapis.com/Table", "dataproc.googleapis.com/Cluster",
     "pubsub.googleapis.com/Topic", "pubsub.googleapis.com/Subscription", "logging.googleapis.com/LogBucket"}
)


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    return []
