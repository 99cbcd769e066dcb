"""ECS clusters."""

from __future__ import annotations

from typing import Any

from connectors.aws.services._common import (
    Scope,
    ServiceSpec,
    component,
    paginate,
    pick,
    tag_dict,
)
from inventory.records import ComponentRecord

CLIENT = "ecs"
CALLS = {"ListClusters": "ecs:ListClusters", "DescribeClusters": "ecs:DescribeClusters"}

#: DescribeClusters takes at most 100 clusters per call.
BATCH = 100

__all__ = ["CALLS", "CLIENT", "SPEC", "fetch_ecs", "normalize_ecs"]


def fetch_ecs(client: Any, scope: Scope) -> list[dict]:
    arns = list(paginate(client, "list_clusters", "clusterArns"))
    items = []
    for start in range(0, len(arns), BATCH):
        response = client.describe_clusters(clusters=arns[start : start + BATCH], include=["TAGS"])
        for cluster in response.get("clusters") or ():
            items.append({**pick(cluster, "clusterArn", "clusterName", "status"), "tags": cluster.get("tags") or []})
    return items


def normalize_ecs(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """ECS clusters with their tags.

    >>> [r] = normalize_ecs([{"clusterArn": "arn:aws:ecs:eu-west-1:111122223333:cluster/apps", "clusterName": "apps",
    ...     "tags": [{"key": "system", "value": "intake"}]}], "111122223333", "eu-west-1")
    >>> r.kind, r.tags
    ('ecs-cluster', {'system': 'intake'})
    """
    return [
        component(
            item["clusterArn"], service="ecs", kind="ecs-cluster", account=account, region=region,
            name=item.get("clusterName"), tags=tag_dict(item.get("tags"), key="key", value="value"),
        )
        for item in raw
    ]


SPEC = ServiceSpec("ecs", CLIENT, "regional", CALLS, fetch_ecs, normalize_ecs, "ECS clusters")
