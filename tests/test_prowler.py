"""The Prowler OCSF connector: resources out of findings, deduplicated, mapped, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors import ScanContext
from connectors.prowler_ocsf import Params, fetch, normalize
from inventory.records import InventoryBatch
from sovmap.errors import InputError, InputErrors

FINDINGS = Path(__file__).parent / "fixtures" / "prowler" / "prowler-output-customs.ocsf.json"
A = "123456789012"


def load(path: Path) -> InventoryBatch:
    p = Params(path=path.name)
    return normalize(fetch(p, ScanContext(base_dir=path.parent)), p)


def write(tmp_path: Path, data, *, lines: bool = False) -> Path:
    path = tmp_path / "prowler.ocsf.json"
    path.write_text("\n".join(json.dumps(f) for f in data) + "\n" if lines else json.dumps(data, indent=2))
    return path


def test_every_resource_once_with_provider_service_region_account():
    batch = load(FINDINGS)

    got = {(c.id, c.provider, c.service, c.region, c.holds_data, c.account) for c in batch.components}
    assert got == {
        ("arn:aws:s3:::customs-scan-archive-prod", "aws", "s3", "eu-west-1", True, A),  # in two findings, once here
        (f"arn:aws:iam::{A}:role/ecom-intake", "aws", "iam", None, False, A),  # global: us-east-1 is only the endpoint
        (f"arn:aws:dynamodb:eu-west-1:{A}:table/ecom-declarations", "aws", "dynamodb", "eu-west-1", True, A),
        (f"arn:aws:kms:eu-west-1:{A}:key/5c6f2a1e-3b9d-4e8a-9f1c-2d7b8e4a6c10", "aws", "kms", "eu-west-1", True, A),
        (f"arn:aws:ec2:eu-central-1:{A}:instance/i-0be04f5e6d7c8b9a0", "aws", "ec2", "eu-central-1", False, A),
        (f"arn:aws:mq:eu-west-1:{A}:broker:legacy-notify:b-8f1d2c3a-1111-2222-3333-444455556666", "aws", None, "eu-west-1", False, A),
        (f"arn:aws:cloudfront::{A}:distribution/E2QWRUHAPOMQZL", "aws", "cloudfront", None, False, A),
        ("/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-dataplatform-prod/providers/Microsoft.Storage/storageAccounts/customslakeprod",
         "azure", "blob-storage", "westeurope", True, "0b1f6471-1bf0-4dda-aec3-cb9272f09590"),
        ("prowler:gcp:customs-ml-prod:customs-scan-models", "gcp", "cloud-storage", "eu", True, "customs-ml-prod"),
    }


def test_tags_come_from_labels_and_account_level_resources_are_left_out():
    batch = load(FINDINGS)

    bucket = next(c for c in batch.components if c.id == "arn:aws:s3:::customs-scan-archive-prod")
    assert bucket.tags == {"Name": "scan-archive", "system": "scan-images"}
    assert not any(c.id.endswith(":root") or c.id.endswith(":account") or "security-group" in c.id for c in batch.components)
    (entry,) = batch.coverage
    assert entry.count == 9
    assert "AwsAmazonMQBroker (1)" in entry.detail and "4 account-level or network-configuration resources left out" in entry.detail


def test_json_lines_read_like_an_array_and_other_providers_are_counted(tmp_path):
    findings = json.loads(FINDINGS.read_text())
    k8s = {"message": "x", "metadata": {"profiles": ["container", "datetime"]}, "status_code": "PASS",
           "finding_info": {"uid": "prowler-kubernetes-apiserver_audit_log_path_set-cluster", "title": "t"},
           "resources": [{"name": "kube-apiserver", "uid": "kube-apiserver-cp", "namespace": "kube-system", "type": "KubernetesAPIServer"}],
           "unmapped": {"provider": "kubernetes"}, "class_uid": 2004}

    batch = load(write(tmp_path, [*findings, k8s], lines=True))

    assert len(batch.components) == 9
    assert "kubernetes (1)" in batch.coverage[0].detail
    assert batch.components[0].origin.endswith("prowler.ocsf.json:1")


def test_resources_of_type_other_fall_back_to_the_service_name(tmp_path):
    finding = json.loads(FINDINGS.read_text())[0]
    finding["resources"][0].update(type="Other", uid="arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
                                   group={"name": "secretsmanager"}, labels=[])

    (comp,) = load(write(tmp_path, [finding])).components

    assert (comp.service, comp.holds_data) == ("secretsmanager", True)


def test_bad_findings_are_named_by_index_and_field(tmp_path):
    good = json.loads(FINDINGS.read_text())[0]
    no_cloud = {k: v for k, v in good.items() if k not in ("cloud", "unmapped")}
    no_uid = json.loads(json.dumps(good))
    del no_uid["resources"][0]["uid"]
    no_resources = {**good, "resources": []}

    with pytest.raises(InputErrors) as info:
        load(write(tmp_path, [good, no_cloud, no_uid, "finding", no_resources]))

    uid = good["finding_info"]["uid"]
    assert {(e.entry, e.field) for e in info.value.errors} == {
        (f"findings[1] ({uid})", "cloud.provider"),
        (f"findings[2] ({uid})", "resources[0].uid"),
        ("findings[3]", None),
        (f"findings[4] ({uid})", "resources"),
    }


def test_a_broken_json_lines_file_names_its_line(tmp_path):
    path = tmp_path / "prowler.ocsf.json"
    path.write_text('{"cloud": {"provider": "aws"}, "resources": []}\n{"cloud": \n')

    with pytest.raises(InputError) as info:
        load(path)

    assert (info.value.line, "not valid JSON Lines" in str(info.value)) == (2, True)
