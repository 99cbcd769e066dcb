"""EBS volumes: block storage, its size and the KMS key that encrypts it."""

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

CLIENT = "ec2"
CALLS = {"DescribeVolumes": "ec2:DescribeVolumes"}

__all__ = ["CALLS", "CLIENT", "SPEC", "fetch_ebs", "normalize_ebs"]


def fetch_ebs(client: Any, scope: Scope) -> list[dict]:
    return [
        {
            "Arn": f"arn:{scope.partition}:ec2:{scope.region}:{scope.account}:volume/{vol['VolumeId']}",
            "VolumeId": vol["VolumeId"],
            **pick(vol, "Size", "VolumeType", "Encrypted", "KmsKeyId", "State"),
            "Tags": vol.get("Tags") or [],
        }
        for vol in paginate(client, "describe_volumes", "Volumes")
    ]


def normalize_ebs(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """EBS volumes with their size; an encrypted volume depends on its KMS key.

    >>> [r] = normalize_ebs([{"Arn": "arn:aws:ec2:eu-west-1:111122223333:volume/vol-1", "VolumeId": "vol-1",
    ...     "Size": 100, "Encrypted": True, "KmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/k1"}],
    ...     "111122223333", "eu-west-1")
    >>> r.data_volume_gb, r.depends_on
    (107.374, ('arn:aws:kms:eu-west-1:111122223333:key/k1',))
    """
    records = []
    for item in raw:
        arn = item["Arn"]
        tags = tag_dict(item.get("Tags"))
        key = kms_ref(item.get("KmsKeyId"), partition_of(arn), region, account) if item.get("Encrypted") else None
        records.append(
            component(
                arn, service="ebs", kind="ebs-volume", account=account, region=region,
                name=tags.get("Name") or item["VolumeId"], holds_data=True, data_volume_gb=gib_to_gb(item.get("Size")),
                depends_on=[key], key_custody="provider" if is_aws_managed_alias(key) else None, tags=tags,
            )
        )
    return records


SPEC = ServiceSpec("ebs", CLIENT, "regional", CALLS, fetch_ebs, normalize_ebs, "EBS volumes")
