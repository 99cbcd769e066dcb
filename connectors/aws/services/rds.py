"""RDS database instances: engine, storage, KMS key, cluster and read-replica source.

Instances of an Aurora cluster carry the service ``aurora`` and depend on their cluster
(read by :mod:`connectors.aws.services.aurora`). The RDS API also lists DocumentDB and
Neptune instances; they keep their engine as service, which the catalog reports as
unknown until it knows them: they are not RDS, and nothing is guessed.
"""

from __future__ import annotations

from typing import Any

from connectors.aws.services._common import (
    Scope,
    ServiceSpec,
    component,
    gib_to_gb,
    is_aws_managed_alias,
    kms_ref,
    paginate,
    partition_of,
    pick,
    tag_dict,
)
from inventory.records import ComponentRecord

CLIENT = "rds"
CALLS = {"DescribeDBInstances": "rds:DescribeDBInstances"}

#: Engines of RDS proper; ``aurora*`` engines are Aurora; anything else keeps its engine name.
RDS_ENGINES = ("mysql", "mariadb", "postgres", "oracle", "sqlserver", "db2", "custom-")

__all__ = ["CALLS", "CLIENT", "RDS_ENGINES", "SPEC", "engine_service", "fetch_rds", "normalize_rds"]


def engine_service(engine: str | None) -> str | None:
    """The catalog service of an RDS API engine.

    >>> engine_service("aurora-postgresql"), engine_service("postgres"), engine_service("docdb")
    ('aurora', 'rds', 'docdb')
    """
    if not engine:
        return None
    if engine.startswith("aurora"):
        return "aurora"
    if engine.startswith(RDS_ENGINES):
        return "rds"
    return engine


def fetch_rds(client: Any, scope: Scope) -> list[dict]:
    return [
        {
            **pick(
                db, "DBInstanceArn", "DBInstanceIdentifier", "Engine", "AllocatedStorage", "StorageEncrypted",
                "KmsKeyId", "DBClusterIdentifier", "ReadReplicaSourceDBInstanceIdentifier",
            ),
            **pick(db.get("DBSubnetGroup") or {}, "VpcId"),
            "TagList": db.get("TagList") or [],
        }
        for db in paginate(client, "describe_db_instances", "DBInstances")
    ]


def _instance_ref(ref: str, partition: str, region: str | None, account: str) -> str:
    # A replica in the source's region names it by identifier, across regions by ARN.
    return ref if ref.startswith("arn:") else f"arn:{partition}:rds:{region}:{account}:db:{ref}"


def normalize_rds(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """Database instances; Aurora members depend on their cluster, replicas on their source.

    >>> [r] = normalize_rds([{"DBInstanceArn": "arn:aws:rds:eu-west-1:111122223333:db:replica", "DBInstanceIdentifier": "replica",
    ...     "Engine": "postgres", "AllocatedStorage": 50, "StorageEncrypted": True,
    ...     "KmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/k1",
    ...     "ReadReplicaSourceDBInstanceIdentifier": "arn:aws:rds:eu-central-1:111122223333:db:main"}], "111122223333", "eu-west-1")
    >>> r.service, r.depends_on
    ('rds', ('arn:aws:kms:eu-west-1:111122223333:key/k1', 'arn:aws:rds:eu-central-1:111122223333:db:main'))
    """
    records = []
    for item in raw:
        arn = item["DBInstanceArn"]
        partition = partition_of(arn)
        service = engine_service(item.get("Engine"))
        key = kms_ref(item.get("KmsKeyId"), partition, region, account) if item.get("StorageEncrypted") else None
        deps = [key]
        if item.get("DBClusterIdentifier"):
            deps.append(f"arn:{partition}:rds:{region}:{account}:cluster:{item['DBClusterIdentifier']}")
        if item.get("ReadReplicaSourceDBInstanceIdentifier"):
            deps.append(_instance_ref(item["ReadReplicaSourceDBInstanceIdentifier"], partition, region, account))
        if item.get("VpcId"):
            deps.append(f"arn:{partition}:ec2:{region}:{account}:vpc/{item['VpcId']}")
        records.append(
            component(
                arn, service=service, kind=f"db-instance ({item['Engine']})" if item.get("Engine") else "db-instance",
                account=account, region=region, name=item.get("DBInstanceIdentifier"), holds_data=True,
                # Aurora storage belongs to the cluster; an instance's AllocatedStorage means nothing there.
                data_volume_gb=None if service == "aurora" else gib_to_gb(item.get("AllocatedStorage")),
                depends_on=deps, key_custody="provider" if is_aws_managed_alias(key) else None,
                tags=tag_dict(item.get("TagList")),
            )
        )
    return records


SPEC = ServiceSpec("rds", CLIENT, "regional", CALLS, fetch_rds, normalize_rds, "RDS database instances")
