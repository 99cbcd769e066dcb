"""The Resource Groups Tagging API: tags of every resource, and the resources no module reads.

Many listings (S3, SQS, SNS, Lambda, KMS, DynamoDB...) give no tags; one paginated call per
region gives them all. A tagged resource of a service no module reads becomes a component
of its own, its service taken from the ARN (:data:`ARN_SERVICES`). A service prefix the
table does not know is kept as it is: the catalog then reports it as an unknown service
rather than the connector guessing one.
"""

from __future__ import annotations

from typing import Any

from connectors.aws.services._common import (
    Scope,
    ServiceSpec,
    arn_parts,
    component,
    paginate,
    tag_dict,
)
from inventory.records import ComponentRecord

CLIENT = "resourcegroupstaggingapi"
CALLS = {"GetResources": "tag:GetResources"}

#: ARN service prefix -> (catalog service key, holds data), as the catalog describes the service.
ARN_SERVICES: dict[str, tuple[str, bool]] = {
    "s3": ("s3", True),
    "rds": ("rds", True),
    "dynamodb": ("dynamodb", True),
    "lambda": ("lambda", False),
    "ecs": ("ecs", False),
    "eks": ("eks", False),
    "elasticache": ("elasticache", False),
    "sqs": ("sqs", True),
    "sns": ("sns", False),
    "kinesis": ("kinesis", True),
    "kms": ("kms", True),
    "secretsmanager": ("secretsmanager", True),
    "cloudfront": ("cloudfront", False),
    "route53": ("route53", False),
    "iam": ("iam", False),
    "sso": ("identity-center", True),
    "cognito-idp": ("cognito", True),
    "sagemaker": ("sagemaker", True),
    "redshift": ("redshift", True),
    "elasticfilesystem": ("efs", True),
    "backup": ("backup", True),
    "bedrock": ("bedrock", False),
    "apigateway": ("api-gateway", False),
    "execute-api": ("api-gateway", False),
    "glue": ("glue", False),
    "athena": ("athena", False),
    "elasticmapreduce": ("emr", True),
    "es": ("opensearch", True),
    "aoss": ("opensearch", True),
    "organizations": ("organizations", False),
    "cloudtrail": ("cloudtrail", True),
    "logs": ("cloudwatch", True),
    "cloudwatch": ("cloudwatch", True),
    "elasticloadbalancing": ("elb", False),
    "kafka": ("msk", True),
    "states": ("step-functions", False),
    "ecr": ("ecr", True),
    "wafv2": ("waf", False),
    "directconnect": ("directconnect", False),
}

#: EC2 resource type -> (catalog service key, holds data); other EC2 types are networking.
EC2_TYPES: dict[str, tuple[str, bool]] = {
    "instance": ("ec2", True),
    "image": ("ec2", True),
    "volume": ("ebs", True),
    "snapshot": ("ebs", True),
}

#: Services whose ARNs name no region because they have none.
GLOBAL_PREFIXES = frozenset({"cloudfront", "route53", "iam", "organizations", "waf"})

__all__ = ["ARN_SERVICES", "CALLS", "CLIENT", "EC2_TYPES", "SPEC", "fetch_tagging", "normalize_tagging", "service_of_arn"]


def fetch_tagging(client: Any, scope: Scope) -> list[dict]:
    return [
        {"ResourceARN": r["ResourceARN"], "Tags": r.get("Tags") or []}
        for r in paginate(client, "get_resources", "ResourceTagMappingList", ResourcesPerPage=100)
    ]


def _resource_type(resource: str) -> str:
    for separator in ("/", ":"):
        if separator in resource:
            return resource.split(separator, 1)[0]
    return resource


def service_of_arn(arn: str) -> tuple[str, str, bool]:
    """(catalog service key or the ARN's own prefix, kind, holds data) of a resource.

    >>> service_of_arn("arn:aws:ec2:eu-west-1:111122223333:snapshot/snap-1")
    ('ebs', 'ec2:snapshot', True)
    >>> service_of_arn("arn:aws:states:eu-west-1:111122223333:stateMachine:intake")
    ('step-functions', 'states:stateMachine', False)
    >>> service_of_arn("arn:aws:ssm:eu-west-1:111122223333:parameter/db/url")
    ('ssm', 'ssm:parameter', False)
    """
    _, prefix, _, _, resource = arn_parts(arn)
    kind = f"{prefix}:{_resource_type(resource)}"
    if prefix == "ec2":
        service, holds = EC2_TYPES.get(_resource_type(resource), ("vpc", False))
        return service, kind, holds
    service, holds = ARN_SERVICES.get(prefix, (prefix, False))
    return service, kind, holds


def normalize_tagging(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """A component for each tagged resource; :func:`connectors.aws.normalize` keeps it only
    for resources no service module read, and gives its tags to those that were read.

    >>> [r] = normalize_tagging([{"ResourceARN": "arn:aws:glue:eu-west-1:111122223333:job/nightly",
    ...     "Tags": [{"Key": "system", "Value": "data-platform"}]}], "111122223333", "eu-west-1")
    >>> r.service, r.region, r.tags
    ('glue', 'eu-west-1', {'system': 'data-platform'})
    """
    records = []
    for item in raw:
        arn = item["ResourceARN"]
        _, prefix, arn_region, arn_account, resource = arn_parts(arn)
        service, kind, holds = service_of_arn(arn)
        # An S3 bucket's ARN names no region, but this region's listing returned it: it lives here.
        where = arn_region or (None if prefix in GLOBAL_PREFIXES else region)
        records.append(
            component(
                arn, service=service, kind=kind, account=arn_account or account, region=where,
                name=resource.rsplit("/", 1)[-1].rsplit(":", 1)[-1], holds_data=holds, tags=tag_dict(item.get("Tags")),
            )
        )
    return records


SPEC = ServiceSpec("tagging", CLIENT, "regional", CALLS, fetch_tagging, normalize_tagging, "tags of every resource, and tagged resources of other services")
