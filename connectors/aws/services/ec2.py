"""EC2 instances: where compute runs, with the volumes and the VPC each one uses."""

from __future__ import annotations

from typing import Any

from connectors.aws.services._common import (
    Scope,
    ServiceSpec,
    component,
    paginate,
    partition_of,
    pick,
    tag_dict,
)
from inventory.records import ComponentRecord

CLIENT = "ec2"
CALLS = {"DescribeInstances": "ec2:DescribeInstances"}

__all__ = ["CALLS", "CLIENT", "SPEC", "fetch_ec2", "normalize_ec2"]


def fetch_ec2(client: Any, scope: Scope) -> list[dict]:
    items = []
    for reservation in paginate(client, "describe_instances", "Reservations"):
        for inst in reservation.get("Instances") or ():
            state = (inst.get("State") or {}).get("Name")
            # A terminated instance lingers in the listing for about an hour and holds nothing.
            if state == "terminated":
                continue
            volumes = [m["Ebs"]["VolumeId"] for m in inst.get("BlockDeviceMappings") or () if (m.get("Ebs") or {}).get("VolumeId")]
            items.append(
                {
                    "Arn": f"arn:{scope.partition}:ec2:{scope.region}:{scope.account}:instance/{inst['InstanceId']}",
                    "InstanceId": inst["InstanceId"],
                    **pick(inst, "InstanceType", "VpcId"),
                    "State": state,
                    "VolumeIds": volumes,
                    "Tags": inst.get("Tags") or [],
                }
            )
    return items


def normalize_ec2(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """EC2 instances as components depending on their EBS volumes and VPC.

    >>> [r] = normalize_ec2([{"Arn": "arn:aws:ec2:eu-west-1:111122223333:instance/i-1", "InstanceId": "i-1",
    ...     "VpcId": "vpc-9", "VolumeIds": ["vol-1"], "Tags": [{"Key": "Name", "Value": "intake"}]}],
    ...     "111122223333", "eu-west-1")
    >>> r.name, r.service, r.depends_on
    ('intake', 'ec2', ('arn:aws:ec2:eu-west-1:111122223333:volume/vol-1', 'arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-9'))
    """
    records = []
    for item in raw:
        arn = item["Arn"]
        partition = partition_of(arn)
        tags = tag_dict(item.get("Tags"))
        deps = [f"arn:{partition}:ec2:{region}:{account}:volume/{v}" for v in item.get("VolumeIds") or ()]
        if item.get("VpcId"):
            deps.append(f"arn:{partition}:ec2:{region}:{account}:vpc/{item['VpcId']}")
        records.append(
            component(
                arn, service="ec2", kind="ec2-instance", account=account, region=region,
                name=tags.get("Name") or item["InstanceId"], holds_data=True, depends_on=deps, tags=tags,
            )
        )
    return records


SPEC = ServiceSpec("ec2", CLIENT, "regional", CALLS, fetch_ec2, normalize_ec2, "EC2 instances")
