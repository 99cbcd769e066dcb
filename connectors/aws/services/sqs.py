"""SQS queues (messages are kept up to 14 days: a queue holds data)."""

from __future__ import annotations

from typing import Any

from connectors.aws.services._common import Scope, ServiceSpec, component
from inventory.records import ComponentRecord

CLIENT = "sqs"
CALLS = {"ListQueues": "sqs:ListQueues"}

__all__ = ["CALLS", "CLIENT", "SPEC", "fetch_sqs", "normalize_sqs"]


def fetch_sqs(client: Any, scope: Scope) -> list[dict]:
    items = []
    # Without MaxResults, ListQueues stops at 1,000 queues and gives no token to go on.
    for page in client.get_paginator("list_queues").paginate(PaginationConfig={"PageSize": 1000}):
        for url in page.get("QueueUrls") or ():
            name = url.rstrip("/").rsplit("/", 1)[-1]
            items.append({"Arn": f"arn:{scope.partition}:sqs:{scope.region}:{scope.account}:{name}", "QueueName": name})
    return items


def normalize_sqs(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """Queues (tags come from the tagging API).

    >>> [r] = normalize_sqs([{"Arn": "arn:aws:sqs:eu-west-1:111122223333:intake", "QueueName": "intake"}], "111122223333", "eu-west-1")
    >>> r.name, r.holds_data
    ('intake', True)
    """
    return [
        component(item["Arn"], service="sqs", kind="sqs-queue", account=account, region=region, name=item["QueueName"], holds_data=True)
        for item in raw
    ]


SPEC = ServiceSpec("sqs", CLIENT, "regional", CALLS, fetch_sqs, normalize_sqs, "SQS queues")
