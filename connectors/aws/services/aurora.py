"""Aurora (and Multi-AZ RDS) database clusters, with the source of a cross-region replica."""

from __future__ import annotations

from typing import Any

from connectors.aws.services._common import (
    Scope,
    ServiceSpec,
    component,
    is_aws_managed_alias,
    kms_ref,
    paginate,
    partition_of,
    pick,
    tag_dict,
)
from connectors.aws.services.rds import engine_service
from inventory.records import ComponentRecord

CLIENT = "rds"
CALLS = {"DescribeDBClusters": "rds:DescribeDBClusters"}

__all__ = ["CALLS", "CLIENT", "SPEC", "fetch_aurora", "normalize_aurora"]


def fetch_aurora(client: Any, scope: Scope) -> list[dict]:
    return [
        {
            **pick(
                cluster, "DBClusterArn", "DBClusterIdentifier", "Engine", "StorageEncrypted", "KmsKeyId",
                "ReplicationSourceIdentifier", "GlobalClusterIdentifier",
            ),
            "TagList": cluster.get("TagList") or [],
        }
        for cluster in paginate(client, "describe_db_clusters", "DBClusters")
    ]


def normalize_aurora(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """Database clusters; a cross-region replica cluster depends on its source cluster.

    >>> [r] = normalize_aurora([{"DBClusterArn": "arn:aws:rds:eu-west-1:111122223333:cluster:ledger",
    ...     "DBClusterIdentifier": "ledger", "Engine": "aurora-postgresql", "StorageEncrypted": False}], "111122223333", "eu-west-1")
    >>> r.service, r.kind, r.holds_data
    ('aurora', 'db-cluster (aurora-postgresql)', True)
    """
    records = []
    for item in raw:
        arn = item["DBClusterArn"]
        partition = partition_of(arn)
        key = kms_ref(item.get("KmsKeyId"), partition, region, account) if item.get("StorageEncrypted") else None
        source = item.get("ReplicationSourceIdentifier")
        if source and not source.startswith("arn:"):
            source = f"arn:{partition}:rds:{region}:{account}:cluster:{source}"
        records.append(
            component(
                arn, service=engine_service(item.get("Engine")),
                kind=f"db-cluster ({item['Engine']})" if item.get("Engine") else "db-cluster",
                account=account, region=region, name=item.get("DBClusterIdentifier"), holds_data=True,
                depends_on=[key, source],
                key_custody="provider" if is_aws_managed_alias(key) else None, tags=tag_dict(item.get("TagList")),
            )
        )
    return records


SPEC = ServiceSpec("aurora", CLIENT, "regional", CALLS, fetch_aurora, normalize_aurora, "Aurora and Multi-AZ DB clusters")
