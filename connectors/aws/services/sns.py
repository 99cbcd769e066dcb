"""SNS topics."""

from __future__ import annotations

from typing import Any

from connectors.aws.services._common import Scope, ServiceSpec, component, paginate
from inventory.records import ComponentRecord

CLIENT = "sns"
CALLS = {"ListTopics": "sns:ListTopics"}

__all__ = ["CALLS", "CLIENT", "SPEC", "fetch_sns", "normalize_sns"]


def fetch_sns(client: Any, scope: Scope) -> list[dict]:
    return [{"TopicArn": t["TopicArn"]} for t in paginate(client, "list_topics", "Topics")]


def normalize_sns(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """Topics (tags come from the tagging API).

    >>> [r] = normalize_sns([{"TopicArn": "arn:aws:sns:eu-west-1:111122223333:alerts"}], "111122223333", "eu-west-1")
    >>> r.name, r.holds_data
    ('alerts', False)
    """
    return [
        component(item["TopicArn"], service="sns", kind="sns-topic", account=account, region=region, name=item["TopicArn"].rsplit(":", 1)[-1])
        for item in raw
    ]


SPEC = ServiceSpec("sns", CLIENT, "regional", CALLS, fetch_sns, normalize_sns, "SNS topics")
