"""The Steampipe/CloudQuery CSV connector: default and mapped columns, table mapping, row errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from connectors import ScanContext
from connectors.query_csv import Params, fetch, normalize
from inventory.records import InventoryBatch
from sovmap.errors import InputError, InputErrors

FIXTURES = Path(__file__).parent / "fixtures" / "query_csv"
SUB = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"


def load(path: Path, **params) -> InventoryBatch:
    p = Params(path=path.name, **params)
    return normalize(fetch(p, ScanContext(base_dir=path.parent)), p)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(text)
    return path


def test_steampipe_s3_export():
    batch = load(FIXTURES / "steampipe-aws_s3_bucket.csv", provider="aws", table="aws_s3_bucket")

    got = {(c.id, c.name, c.service, c.region, c.holds_data, c.account, c.tags.get("system") or c.tags.get("application")) for c in batch.components}
    assert got == {
        ("arn:aws:s3:::customs-scan-archive-prod", "customs-scan-archive-prod", "s3", "eu-west-1", True, "123456789012", "scan-images"),
        ("arn:aws:s3:::customs-ecom-exports", "customs-ecom-exports", "s3", "eu-central-1", True, "123456789012", "ecom-declarations"),
        ("arn:aws:s3:::customs-tf-state", "customs-tf-state", "s3", "eu-west-1", True, "210987654321", None),
        ("arn:aws:s3:::customs-partner-drop", "customs-partner-drop", "s3", "us-east-1", True, "123456789012", None),
    }
    assert batch.coverage[0].detail == "columns not used: 'versioning_enabled'"
    assert {c.origin.rsplit(":", 1)[1] for c in batch.components} == {"2", "3", "4", "5"}


def test_cloudquery_azure_export_with_its_own_columns():
    batch = load(FIXTURES / "cloudquery-azure_storage_accounts.csv", provider="azure", table="azure_storage_accounts")

    got = {(c.name, c.service, c.region, c.account, c.id.startswith(f"/subscriptions/{SUB}/")) for c in batch.components}
    assert got == {("customslakeprod", "blob-storage", "westeurope", SUB, True), ("customsbackupne", "blob-storage", "northeurope", SUB, True)}


def test_mapped_columns_and_a_named_service_for_an_unmapped_table(tmp_path):
    path = write(tmp_path, "bucket,where,project,labels\ncustoms-scan-models,EUROPE-WEST4,customs-ml-prod,\"{\"\"system\"\": \"\"scan-images\"\"}\"\n")

    (comp,) = load(path, provider="gcp", table="gcp_storage_bucket_custom", service="cloud-storage", holds_data=True,
                   columns={"id": "bucket", "region": "where", "account": "project", "tags": "labels"}).components

    assert (comp.id, comp.service, comp.region, comp.holds_data, comp.tags) == (
        "gcp_storage_bucket_custom:customs-ml-prod:customs-scan-models", "cloud-storage", "europe-west4", True, {"system": "scan-images"})


def test_a_table_the_mapping_does_not_know_keeps_the_provider_only(tmp_path):
    path = write(tmp_path, "arn,region\narn:aws:mq:eu-west-1:123456789012:broker:legacy:b-1,eu-west-1\n")

    batch = load(path, provider="aws", table="aws_mq_broker")

    assert [(c.provider, c.service, c.region) for c in batch.components] == [("aws", None, "eu-west-1")]
    assert "no catalog service for table 'aws_mq_broker'" in batch.coverage[0].detail


def test_row_problems_name_line_row_and_column_all_at_once(tmp_path):
    path = write(tmp_path, (
        "arn,name,region,tags\n"
        "arn:aws:s3:::a,a,eu-west-1,{}\n"
        ",b,eu-west-1,{}\n"
        "arn:aws:s3:::c,c,eu-west-1,{not json}\n"
        "arn:aws:s3:::a,a2,eu-west-1,\n"
        "arn:aws:s3:::d,d,eu-west-1,\"[\"\"x\"\"]\"\n"
    ))

    with pytest.raises(InputErrors) as info:
        load(path, provider="aws", table="aws_s3_bucket")

    assert {(e.line, e.entry, e.field) for e in info.value.errors} == {
        (3, "row 3", "arn"),
        (4, "row 4 (arn:aws:s3:::c)", "tags"),
        (5, "row 5 (arn:aws:s3:::a)", "arn"),
    }
    assert "duplicate id (first at line 2)" in str(info.value)


@pytest.mark.parametrize(
    ("text", "params", "words"),
    [
        ("name,region\nx,eu-west-1\n", {}, "no id column (looked for arn, id, self_link, resource_id"),
        ("arn,region\n", {"columns": {"region": "aws_region"}}, "mapped column 'aws_region' is not in the header"),
        ("", {}, "the file is empty"),
        ('arn,region\n"arn:aws:s3:::x,eu-west-1\n', {}, "not valid CSV"),
    ],
)
def test_files_that_cannot_be_read_are_refused(tmp_path, text, params, words):
    with pytest.raises(InputError) as info:
        load(write(tmp_path, text), provider="aws", table="aws_s3_bucket", **params)

    assert words in str(info.value)


def test_params_check_fields_and_the_provider_of_the_table():
    with pytest.raises(ValidationError, match="unknown field 'arn'"):
        Params(path="x.csv", provider="aws", columns={"arn": "ARN"})
    with pytest.raises(ValidationError, match="table 'azure_storage_account' is not a aws table"):
        Params(path="x.csv", provider="aws", table="azure_storage_account")
