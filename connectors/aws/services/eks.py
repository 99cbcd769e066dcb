"""EKS clusters, with their VPC and the KMS key that encrypts Kubernetes secrets."""

from __future__ import annotations

from typing import Any

from connectors.aws.services._common import (
    Scope,
    ServiceSpec,
    component,
    paginate,
    partition_of,
    per_item,
    pick,
)
from inventory.records import ComponentRecord

CLIENT = "eks"
CALLS = {"ListClusters": "eks:ListClusters", "DescribeCluster": "eks:DescribeCluster"}

__all__ = ["CALLS", "CLIENT", "SPEC", "fetch_eks", "normalize_eks"]


def fetch_eks(client: Any, scope: Scope) -> list[dict]:
    items = []
    for name in paginate(client, "list_clusters", "clusters"):
        response, problem = per_item(client, "describe_cluster", CALLS["DescribeCluster"], name=name)
        if problem == "gone":
            continue
        if problem == "denied":
            items.append({"arn": f"arn:{scope.partition}:eks:{scope.region}:{scope.account}:cluster/{name}", "name": name,
                          "_denied": CALLS["DescribeCluster"]})
            continue
        cluster = response["cluster"]
        keys = [
            (c.get("provider") or {}).get("keyArn") for c in cluster.get("encryptionConfig") or () if (c.get("provider") or {}).get("keyArn")
        ]
        items.append(
            {
                **pick(cluster, "arn", "name", "version"),
                **pick(cluster.get("resourcesVpcConfig") or {}, "vpcId"),
                "keyArns": keys,
                "tags": cluster.get("tags") or {},
            }
        )
    return items


def normalize_eks(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """Clusters depending on their VPC and secrets-encryption key.

    >>> [r] = normalize_eks([{"arn": "arn:aws:eks:eu-west-1:111122223333:cluster/k8s", "name": "k8s", "vpcId": "vpc-9",
    ...     "keyArns": [], "tags": {"system": "platform"}}], "111122223333", "eu-west-1")
    >>> r.depends_on, r.tags
    (('arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-9',), {'system': 'platform'})
    """
    records = []
    for item in raw:
        arn = item["arn"]
        vpc = f"arn:{partition_of(arn)}:ec2:{region}:{account}:vpc/{item['vpcId']}" if item.get("vpcId") else None
        records.append(
            component(
                arn, service="eks", kind="eks-cluster", account=account, region=region, name=item.get("name"),
                depends_on=[vpc, *(item.get("keyArns") or ())], tags=item.get("tags") or {},
            )
        )
    return records


SPEC = ServiceSpec("eks", CLIENT, "regional", CALLS, fetch_eks, normalize_eks, "EKS clusters")
