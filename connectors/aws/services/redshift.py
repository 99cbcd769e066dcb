"""Redshift clusters, their storage and KMS key."""

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
from inventory.records import ComponentRecord

CLIENT = "redshift"
CALLS = {"DescribeClusters": "redshift:DescribeClusters"}

__all__ = ["CALLS", "CLIENT", "SPEC", "fetch_redshift", "normalize_redshift"]


def fetch_redshift(client: Any, scope: Scope) -> list[dict]:
    return [
        {
            "Arn": f"arn:{scope.partition}:redshift:{scope.region}:{scope.account}:cluster:{c['ClusterIdentifier']}",
            **pick(c, "ClusterIdentifier", "NodeType", "Encrypted", "KmsKeyId", "VpcId", "TotalStorageCapacityInMegaBytes"),
            "Tags": c.get("Tags") or [],
        }
        for c in paginate(client, "describe_clusters", "Clusters")
    ]


def normalize_redshift(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """Clusters with their storage capacity, KMS key and VPC.

    >>> [r] = normalize_redshift([{"Arn": "arn:aws:redshift:eu-west-1:111122223333:cluster:dwh", "ClusterIdentifier": "dwh",
    ...     "TotalStorageCapacityInMegaBytes": 2_000_000, "Encrypted": False}], "111122223333", "eu-west-1")
    >>> r.data_volume_gb, r.holds_data
    (2000.0, True)
    """
    records = []
    for item in raw:
        arn = item["Arn"]
        partition = partition_of(arn)
        key = kms_ref(item.get("KmsKeyId"), partition, region, account) if item.get("Encrypted") else None
        capacity = item.get("TotalStorageCapacityInMegaBytes")
        vpc = f"arn:{partition}:ec2:{region}:{account}:vpc/{item['VpcId']}" if item.get("VpcId") else None
        records.append(
            component(
                arn, service="redshift", kind="redshift-cluster", account=account, region=region, name=item["ClusterIdentifier"],
                holds_data=True, data_volume_gb=round(capacity / 1000, 3) if capacity is not None else None,
                depends_on=[key, vpc], key_custody="provider" if is_aws_managed_alias(key) else None,
                tags=tag_dict(item.get("Tags")),
            )
        )
    return records


SPEC = ServiceSpec("redshift", CLIENT, "regional", CALLS, fetch_redshift, normalize_redshift, "Redshift clusters")
