"""The AWS services the connector reads, one module each, in a fixed order.

The order is the order of the coverage report; ``tagging`` comes last because it adds
tags to what the other modules found and reads whatever they do not cover.
"""

from __future__ import annotations

from connectors.aws.services import (
    aurora,
    backup,
    cloudfront,
    cognito,
    dynamodb,
    ebs,
    ec2,
    ecs,
    efs,
    eks,
    elasticache,
    iam,
    identity_center,
    kinesis,
    kms,
    lambda_,
    rds,
    redshift,
    route53,
    s3,
    sagemaker,
    secretsmanager,
    sns,
    sqs,
    tagging,
    vpc,
)
from connectors.aws.services._common import ServiceSpec

__all__ = ["SERVICES", "ServiceSpec"]

SERVICES: dict[str, ServiceSpec] = {
    module.SPEC.key: module.SPEC
    for module in (
        ec2, ebs, vpc, s3, rds, aurora, dynamodb, lambda_, ecs, eks, elasticache, sqs, sns, kinesis, kms,
        secretsmanager, cloudfront, route53, iam, identity_center, cognito, sagemaker, redshift, efs, backup,
        tagging,
    )
}
