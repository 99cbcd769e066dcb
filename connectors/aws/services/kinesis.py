"""Kinesis data streams (records are retained: a stream holds data)."""

from __future__ import annotations

from typing import Any

from connectors.aws.services._common import Scope, ServiceSpec, component
from inventory.records import ComponentRecord

CLIENT = "kinesis"
CALLS = {"ListStreams": "kinesis:ListStreams"}

__all__ = ["CALLS", "CLIENT", "SPEC", "fetch_kinesis", "normalize_kinesis"]


def fetch_kinesis(client: Any, scope: Scope) -> list[dict]:
    streams: dict[str, dict] = {}
    for page in client.get_paginator("list_streams").paginate():
        # StreamSummaries carry the ARN; older endpoints give only StreamNames.
        for summary in page.get("StreamSummaries") or ():
            streams[summary["StreamName"]] = {"StreamARN": summary["StreamARN"], "StreamName": summary["StreamName"]}
        for name in page.get("StreamNames") or ():
            streams.setdefault(name, {"StreamARN": f"arn:{scope.partition}:kinesis:{scope.region}:{scope.account}:stream/{name}", "StreamName": name})
    return list(streams.values())


def normalize_kinesis(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """Streams (tags come from the tagging API).

    >>> [r] = normalize_kinesis([{"StreamARN": "arn:aws:kinesis:eu-west-1:111122223333:stream/events", "StreamName": "events"}],
    ...     "111122223333", "eu-west-1")
    >>> r.kind, r.holds_data
    ('kinesis-stream', True)
    """
    return [
        component(item["StreamARN"], service="kinesis", kind="kinesis-stream", account=account, region=region,
                  name=item["StreamName"], holds_data=True)
        for item in raw
    ]


SPEC = ServiceSpec("kinesis", CLIENT, "regional", CALLS, fetch_kinesis, normalize_kinesis, "Kinesis data streams")
