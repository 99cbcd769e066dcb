"""Secrets Manager secrets and the KMS key that encrypts each."""

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

CLIENT = "secretsmanager"
CALLS = {"ListSecrets": "secretsmanager:ListSecrets"}

__all__ = ["CALLS", "CLIENT", "SPEC", "fetch_secretsmanager", "normalize_secretsmanager"]


def fetch_secretsmanager(client: Any, scope: Scope) -> list[dict]:
    return [
        {**pick(s, "ARN", "Name", "KmsKeyId", "PrimaryRegion"), "Tags": s.get("Tags") or []}
        for s in paginate(client, "list_secrets", "SecretList")
    ]


def normalize_secretsmanager(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """Secrets; one without a key of its own is encrypted with the AWS managed key.

    >>> [r] = normalize_secretsmanager([{"ARN": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCd", "Name": "db"}],
    ...     "111122223333", "eu-west-1")
    >>> r.key_custody, r.depends_on
    ('provider', ())
    """
    records = []
    for item in raw:
        arn = item["ARN"]
        key = kms_ref(item.get("KmsKeyId"), partition_of(arn), region, account)
        records.append(
            component(
                arn, service="secretsmanager", kind="secret", account=account, region=region, name=item.get("Name"),
                holds_data=True, depends_on=[key], key_custody="provider" if not key or is_aws_managed_alias(key) else None,
                tags=tag_dict(item.get("Tags")),
            )
        )
    return records


SPEC = ServiceSpec("secretsmanager", CLIENT, "regional", CALLS, fetch_secretsmanager, normalize_secretsmanager, "Secrets Manager secrets")
