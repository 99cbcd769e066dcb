"""EFS file systems, with their size (metered by EFS, so cheap to read) and KMS key."""

from __future__ import annotations

from typing import Any

from connectors.aws.services._common import (
    Scope,
    ServiceSpec,
    bytes_to_gb,
    component,
    is_aws_managed_alias,
    kms_ref,
    paginate,
    partition_of,
    pick,
    tag_dict,
)
from inventory.records import ComponentRecord

CLIENT = "efs"
CALLS = {"DescribeFileSystems": "elasticfilesystem:DescribeFileSystems"}

__all__ = ["CALLS", "CLIENT", "SPEC", "fetch_efs", "normalize_efs"]


def fetch_efs(client: Any, scope: Scope) -> list[dict]:
    return [
        {
            **pick(fs, "FileSystemArn", "FileSystemId", "Name", "Encrypted", "KmsKeyId"),
            **({"SizeInBytes": fs["SizeInBytes"]["Value"]} if (fs.get("SizeInBytes") or {}).get("Value") is not None else {}),
            "Tags": fs.get("Tags") or [],
        }
        for fs in paginate(client, "describe_file_systems", "FileSystems")
    ]


def normalize_efs(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """File systems with their metered size.

    >>> [r] = normalize_efs([{"FileSystemArn": "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-1",
    ...     "FileSystemId": "fs-1", "SizeInBytes": 6144, "Encrypted": True,
    ...     "KmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/k1"}], "111122223333", "eu-west-1")
    >>> r.data_volume_gb, r.depends_on
    (0.0, ('arn:aws:kms:eu-west-1:111122223333:key/k1',))
    """
    records = []
    for item in raw:
        arn = item["FileSystemArn"]
        key = kms_ref(item.get("KmsKeyId"), partition_of(arn), region, account) if item.get("Encrypted") else None
        tags = tag_dict(item.get("Tags"))
        records.append(
            component(
                arn, service="efs", kind="efs-file-system", account=account, region=region,
                name=item.get("Name") or tags.get("Name") or item["FileSystemId"], holds_data=True,
                data_volume_gb=bytes_to_gb(item.get("SizeInBytes")), depends_on=[key],
                key_custody="provider" if is_aws_managed_alias(key) else None, tags=tags,
            )
        )
    return records


SPEC = ServiceSpec("efs", CLIENT, "regional", CALLS, fetch_efs, normalize_efs, "EFS file systems")
