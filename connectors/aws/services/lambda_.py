"""Lambda functions, with the KMS key of their environment and the VPC they attach to."""

from __future__ import annotations

from typing import Any

from connectors.aws.services._common import (
    Scope,
    ServiceSpec,
    component,
    is_aws_managed_alias,
    paginate,
    partition_of,
    pick,
)
from inventory.records import ComponentRecord

CLIENT = "lambda"
CALLS = {"ListFunctions": "lambda:ListFunctions"}

__all__ = ["CALLS", "CLIENT", "SPEC", "fetch_lambda", "normalize_lambda"]


def fetch_lambda(client: Any, scope: Scope) -> list[dict]:
    return [
        {
            **pick(fn, "FunctionArn", "FunctionName", "Runtime", "KMSKeyArn", "PackageType"),
            **pick(fn.get("VpcConfig") or {}, "VpcId"),
        }
        for fn in paginate(client, "list_functions", "Functions")
    ]


def normalize_lambda(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """Functions depending on their KMS key and VPC (tags come from the tagging API).

    >>> [r] = normalize_lambda([{"FunctionArn": "arn:aws:lambda:eu-west-1:111122223333:function:intake",
    ...     "FunctionName": "intake", "KMSKeyArn": "arn:aws:kms:eu-west-1:111122223333:key/k1", "VpcId": "vpc-9"}],
    ...     "111122223333", "eu-west-1")
    >>> r.depends_on
    ('arn:aws:kms:eu-west-1:111122223333:key/k1', 'arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-9')
    """
    records = []
    for item in raw:
        arn = item["FunctionArn"]
        vpc = f"arn:{partition_of(arn)}:ec2:{region}:{account}:vpc/{item['VpcId']}" if item.get("VpcId") else None
        key = item.get("KMSKeyArn")
        records.append(
            component(
                arn, service="lambda", kind="lambda-function", account=account, region=region,
                name=item["FunctionName"], depends_on=[key, vpc],
                # Without a key of its own, a function's environment is encrypted with an AWS managed key.
                key_custody="provider" if not key or is_aws_managed_alias(key) else None,
            )
        )
    return records


SPEC = ServiceSpec("lambda", CLIENT, "regional", CALLS, fetch_lambda, normalize_lambda, "Lambda functions")
