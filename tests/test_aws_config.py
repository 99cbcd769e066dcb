"""The AWS Config connector: snapshot items, relationships as dependencies, gzip, and bad input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from connectors import ScanContext
from connectors.aws_config import Params, fetch, normalize
from inventory.records import InventoryBatch
from sovmap.errors import InputError, InputErrors

SNAPSHOT = Path(__file__).parent / "fixtures" / "aws_config" / "123456789012_Config_eu-west-1_ConfigSnapshot_20261120T101500Z.json"
A, R = "123456789012", "eu-west-1"


def load(path: Path, **params) -> InventoryBatch:
    p = Params(path=path.name, **params)
    return normalize(fetch(p, ScanContext(base_dir=path.parent)), p)


def write(tmp_path: Path, doc) -> Path:
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(doc))
    return path


def test_items_become_components_with_services_regions_and_accounts():
    batch = load(SNAPSHOT)

    got = {(c.id, c.service, c.region, c.holds_data, c.account) for c in batch.components}
    assert got == {
        (f"arn:aws:ec2:{R}:{A}:instance/i-0nl04f5e6d7c8b9a0", "ec2", R, False, A),
        (f"arn:aws:ec2:{R}:{A}:volume/vol-0a1b2c3d4e5f60718", "ebs", R, True, A),
        (f"arn:aws:ec2:{R}:{A}:vpc/vpc-0f1e2d3c4b5a69788", "vpc", R, False, A),
        ("arn:aws:s3:::customs-scan-archive-prod", "s3", R, True, A),
        (f"arn:aws:dynamodb:{R}:{A}:table/ecom-declarations", "dynamodb", R, True, A),
        (f"arn:aws:lambda:{R}:{A}:function:ecom-intake", "lambda", R, False, A),
        (f"arn:aws:iam::{A}:role/ecom-intake", "iam", None, False, A),  # awsRegion "global"
        (f"arn:aws:rds:{R}:{A}:cluster:risk-engine", "aurora", R, True, A),  # engine aurora-postgresql
        (f"arn:aws:mq:{R}:{A}:broker:legacy-notify:b-8f1d2c3a-1111-2222-3333-444455556666", None, R, False, A),
    }


def test_relationships_that_are_dependencies_become_depends_on():
    batch = load(SNAPSHOT)
    by_kind = {c.kind: c for c in batch.components}

    instance = by_kind["AWS::EC2::Instance"]
    # the security group and subnet are not components; "Contains NetworkInterface" is the other side's
    assert set(instance.depends_on) == {by_kind["AWS::EC2::Volume"].id, by_kind["AWS::EC2::VPC"].id}
    assert by_kind["AWS::Lambda::Function"].depends_on == (by_kind["AWS::IAM::Role"].id,)
    assert by_kind["AWS::EC2::VPC"].depends_on == ()  # "Contains Instance" is no dependency


def test_names_tags_and_coverage():
    batch = load(SNAPSHOT)

    assert {(c.kind, c.name, c.tags.get("system") or c.tags.get("application")) for c in batch.components
            if c.kind in ("AWS::EC2::Instance", "AWS::DynamoDB::Table")} == {
        ("AWS::EC2::Instance", "scan-worker-nl-0", "scan-images"), ("AWS::DynamoDB::Table", "ecom-declarations", "ecom-declarations")}
    detail = batch.coverage[0].detail
    assert "AWS::AmazonMQ::Broker (1)" in detail and "1 network-configuration" in detail and "1 items of deleted" in detail


def test_gzipped_snapshot_as_delivered_reads_the_same(tmp_path):
    packed = tmp_path / (SNAPSHOT.name + ".gz")
    packed.write_bytes(gzip.compress(SNAPSHOT.read_bytes()))

    assert {c.id for c in load(packed).components} == {c.id for c in load(SNAPSHOT).components}


def test_a_gzip_that_unpacks_beyond_the_limit_is_refused(tmp_path):
    packed = tmp_path / "bomb.json.gz"
    packed.write_bytes(gzip.compress(b" " * 200_000 + b"{}"))

    with pytest.raises(InputError) as info:
        load(packed, max_bytes=100_000)

    assert "unpacks to more than the limit of 100000 bytes" in str(info.value)


def test_batch_get_resource_config_output_with_string_configuration(tmp_path):
    doc = {"baseConfigurationItems": [{
        "version": "1.3", "accountId": A, "configurationItemCaptureTime": 1763633700.1, "configurationItemStatus": "OK",
        "configurationStateId": "1763633700123", "arn": f"arn:aws:rds:{R}:{A}:db:ledger", "resourceType": "AWS::RDS::DBInstance",
        "resourceId": "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ", "resourceName": "ledger", "awsRegion": R, "availabilityZone": "eu-west-1b",
        "configuration": json.dumps({"dBInstanceIdentifier": "ledger", "engine": "postgres", "engineVersion": "16.4"}),
        "supplementaryConfiguration": {}}], "unprocessedResourceKeys": []}

    (comp,) = load(write(tmp_path, doc)).components

    assert (comp.id, comp.service, comp.region, comp.account) == (f"arn:aws:rds:{R}:{A}:db:ledger", "rds", R, A)


def test_bad_items_are_named_by_index_type_and_field(tmp_path):
    doc = json.loads(SNAPSHOT.read_text())
    items = doc["configurationItems"]
    del items[4]["resourceType"]
    items[5]["relationships"] = "none"
    items[6]["tags"] = "system=ecom"
    items.append(42)

    with pytest.raises(InputErrors) as info:
        load(write(tmp_path, doc))

    assert {(e.entry, e.field) for e in info.value.errors} == {
        ("configurationItems[4]", "resourceType"),
        ("configurationItems[5] (AWS::DynamoDB::Table ecom-declarations)", "relationships"),
        ("configurationItems[6] (AWS::Lambda::Function ecom-intake)", "tags"),
        ("configurationItems[11]", None),
    }


@pytest.mark.parametrize(
    ("content", "words"),
    [(b'{"fileVersion": "1.0"}', "no 'configurationItems'"), (b"[]", "is a JSON object, not list"),
     (b'{"configurationItems": {}}', "must be a list"), (b"\x1f\x8b\x08\x00broken", "not a readable gzip file")],
)
def test_files_that_are_no_snapshot_are_refused(tmp_path, content, words):
    path = tmp_path / "snapshot.json"
    path.write_bytes(content)

    with pytest.raises(InputError) as info:
        load(path)

    assert words in str(info.value) and info.value.file == str(path)
