"""The AWS connector's pool against a moto server on 127.0.0.1: per-resource calls and shared clients.

A region with many keys and tables is read with a pool and with one worker: the records are
the same; with the pool the per-resource calls (DescribeKey, DescribeTable) run on the
per-resource threads, and each session makes one EC2 client per region for EC2, EBS and VPC.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import boto3
import pytest

from connectors import ScanContext, aws
from connectors.aws.clients import ClientFactory
from localaws import BASE_KEYS, moto_server
from localaws import aws_env  # noqa: F401 - a fixture, used by name

REGIONS = ["eu-west-1", "eu-central-1"]


@pytest.fixture(scope="module")
def estate(aws_env) -> Iterator[tuple[str, set[tuple[str, str, str]]]]:  # noqa: F811 - the fixture aws_env
    """The server's URL, and (ARN, region, service) of every key and table made."""
    with moto_server() as endpoint:
        made: set[tuple[str, str, str]] = set()
        for region in REGIONS:
            kms = boto3.client("kms", region_name=region, endpoint_url=endpoint, **BASE_KEYS)
            dynamodb = boto3.client("dynamodb", region_name=region, endpoint_url=endpoint, **BASE_KEYS)
            for n in range(12):
                key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY", Description=f"key {n}")["KeyMetadata"]
                table = dynamodb.create_table(
                    TableName=f"pool-table-{n}", BillingMode="PAY_PER_REQUEST",
                    KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                )["TableDescription"]
                made |= {(key["Arn"], region, "kms"), (table["TableArn"], region, "dynamodb")}
        yield endpoint, made


def _scan(url: str, workers: int) -> tuple[set[tuple], list[tuple[str, str]], list[str]]:
    """(records, (thread name, operation) of each call, the service of each client made)."""
    calls: list[tuple[str, str]] = []
    made: list[str] = []

    def record_call(model, **_):
        calls.append((threading.current_thread().name, model.name))

    def record_client(event_name, **_):
        made.append(event_name.rsplit(".", 1)[1])

    params = aws.Params(endpoint_url=url, regions=REGIONS, workers=workers, services=["ec2", "ebs", "vpc", "kms", "dynamodb"])
    clients = ClientFactory(aws.client_settings(params), hooks=[("before-call", record_call), ("creating-client-class", record_client)])
    batch = aws.normalize(aws.fetch(params, ScanContext(), clients=clients), params)
    records = {(c.id, c.region, c.service, c.key_custody) for c in batch.components}
    return records, calls, made


def test_the_pool_reads_what_one_worker_reads(estate):
    url, made = estate
    pooled, _, _ = _scan(url, 4)
    sequential, _, _ = _scan(url, 1)
    assert pooled == sequential
    assert made <= {(r[0], r[1], r[2]) for r in pooled}


def test_per_resource_calls_run_on_their_own_pool(estate):
    url, _ = estate
    records, pooled, _ = _scan(url, 4)
    _, sequential, _ = _scan(url, 1)
    per_resource = {"DescribeKey", "DescribeTable"}
    assert {t.rsplit("_", 1)[0] for t, op in pooled if op in per_resource} == {"sovmap-aws-item"}
    assert {t.rsplit("_", 1)[0] for t, op in sequential if op in per_resource} == {"sovmap-aws"}
    assert sum(1 for _, op in pooled if op == "DescribeKey") == sum(1 for r in records if r[2] == "kms")


def test_one_client_per_service_and_region(estate):
    url, _ = estate
    _, _, made = _scan(url, 4)
    assert made.count("ec2") == len(REGIONS)
