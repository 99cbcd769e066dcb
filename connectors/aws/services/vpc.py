"""VPCs: the networks that instances, functions and clusters run in."""

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

CLIENT = "ec2"
CALLS = {"DescribeVpcs": "ec2:DescribeVpcs"}

__all__ = ["CALLS", "CLIENT", "SPEC", "fetch_vpc", "normalize_vpc"]


def fetch_vpc(client: Any, scope: Scope) -> list[dict]:
    return [
        {
            "Arn": f"arn:{scope.partition}:ec2:{scope.region}:{scope.account}:vpc/{vpc['VpcId']}",
            "VpcId": vpc["VpcId"],
            **pick(vpc, "CidrBlock", "IsDefault"),
            "Tags": vpc.get("Tags") or [],
        }
        for vpc in paginate(client, "describe_vpcs", "Vpcs")
    ]


def normalize_vpc(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """VPCs; the default VPC of a region is a component like any other.

    >>> [r] = normalize_vpc([{"Arn": "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-9", "VpcId": "vpc-9", "IsDefault": True}],
    ...     "111122223333", "eu-west-1")
    >>> r.kind, r.name, r.holds_data
    ('vpc (default)', 'vpc-9', False)
    """
    records = []
    for item in raw:
        tags = tag_dict(item.get("Tags"))
        records.append(
            component(
                item["Arn"], service="vpc", kind="vpc (default)" if item.get("IsDefault") else "vpc",
                account=account, region=region, name=tags.get("Name") or item["VpcId"], tags=tags,
            )
        )
    return records


SPEC = ServiceSpec("vpc", CLIENT, "regional", CALLS, fetch_vpc, normalize_vpc, "VPCs")
