"""ElastiCache cache clusters and replication groups (a cluster depends on its group)."""

from __future__ import annotations

from typing import Any

from connectors.aws.services._common import (
    Scope,
    ServiceSpec,
    component,
    kms_ref,
    paginate,
    partition_of,
    pick,
)
from inventory.records import ComponentRecord

CLIENT = "elasticache"
CALLS = {
    "DescribeCacheClusters": "elasticache:DescribeCacheClusters",
    "DescribeReplicationGroups": "elasticache:DescribeReplicationGroups",
}

__all__ = ["CALLS", "CLIENT", "SPEC", "fetch_elasticache", "normalize_elasticache"]


def fetch_elasticache(client: Any, scope: Scope) -> list[dict]:
    groups = [
        {"Type": "replication-group", **pick(g, "ARN", "ReplicationGroupId", "KmsKeyId", "AtRestEncryptionEnabled"),
         **pick(g.get("GlobalReplicationGroupInfo") or {}, "GlobalReplicationGroupId")}
        for g in paginate(client, "describe_replication_groups", "ReplicationGroups")
    ]
    clusters = [
        {"Type": "cache-cluster", **pick(c, "ARN", "CacheClusterId", "Engine", "ReplicationGroupId", "AtRestEncryptionEnabled")}
        for c in paginate(client, "describe_cache_clusters", "CacheClusters")
    ]
    return groups + clusters


def normalize_elasticache(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """Replication groups and cache clusters.

    >>> records = normalize_elasticache([
    ...     {"Type": "replication-group", "ARN": "arn:aws:elasticache:eu-west-1:111122223333:replicationgroup:sessions",
    ...      "ReplicationGroupId": "sessions"},
    ...     {"Type": "cache-cluster", "ARN": "arn:aws:elasticache:eu-west-1:111122223333:cluster:sessions-001",
    ...      "CacheClusterId": "sessions-001", "Engine": "redis", "ReplicationGroupId": "sessions"}], "111122223333", "eu-west-1")
    >>> [(r.kind, r.depends_on) for r in records]
    [('elasticache-replication-group', ()), ('elasticache-cluster (redis)', ('arn:aws:elasticache:eu-west-1:111122223333:replicationgroup:sessions',))]
    """
    records = []
    for item in raw:
        arn = item["ARN"]
        partition = partition_of(arn)
        if item["Type"] == "replication-group":
            key = kms_ref(item.get("KmsKeyId"), partition, region, account)
            records.append(
                component(arn, service="elasticache", kind="elasticache-replication-group", account=account, region=region,
                          name=item.get("ReplicationGroupId"), depends_on=[key],
                          # Encrypted at rest without a key of its own: an AWS managed key.
                          key_custody="provider" if item.get("AtRestEncryptionEnabled") and not key else None)
            )
            continue
        group = item.get("ReplicationGroupId")
        records.append(
            component(
                arn, service="elasticache", kind=f"elasticache-cluster ({item['Engine']})" if item.get("Engine") else "elasticache-cluster",
                account=account, region=region, name=item.get("CacheClusterId"),
                depends_on=[f"arn:{partition}:elasticache:{region}:{account}:replicationgroup:{group}" if group else None],
            )
        )
    return records


SPEC = ServiceSpec("elasticache", CLIENT, "regional", CALLS, fetch_elasticache, normalize_elasticache, "ElastiCache clusters and replication groups")
