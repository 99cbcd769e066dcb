"""The AWS connector's pure half: recorded raw data in, records out; and its parameters.

``tests/fixtures/aws/raw-estate.json`` is what ``fetch`` returns, in the same shape, for a
small estate with what a local server cannot produce: a DynamoDB global table read in two
of its three regions, an external key store, an AWS managed key, a key policy that shuts
the reader out, a cross-account backup copy.
"""

from __future__ import annotations

import copy
import json

import pytest
from conftest import FIXTURES

from connectors.aws import Params, normalize
from connectors.aws.discovery import classify
from connectors.aws.services import SERVICES
from connectors.aws.services.rds import engine_service
from connectors.aws.services.tagging import ARN_SERVICES, EC2_TYPES
from sovmap.config import load_config
from sovmap.errors import InputError, InputErrors

RAW = json.loads((FIXTURES / "aws" / "raw-estate.json").read_text())
ME = "111122223333"
OTHER = "444455556666"
TABLE = "table/declarations"


@pytest.fixture
def batch():
    return normalize(copy.deepcopy(RAW), Params(name="aws-prod"))


def _by_id(batch):
    return {c.id: c for c in batch.components}


def test_every_region_of_a_global_table_is_one_data_location(batch):
    tables = [c for c in batch.components if c.service == "dynamodb" and c.name and c.name.startswith("declarations")]

    assert sorted(c.region for c in tables) == ["eu-central-1", "eu-west-1", "us-east-1"]
    [replica] = [c for c in tables if c.region == "eu-central-1"]
    # Read in neither region: one record, depending on both tables that name it.
    assert replica.id.endswith(f"{TABLE}#replica:eu-central-1")
    assert replica.external_id == f"arn:aws:dynamodb:eu-central-1:{ME}:{TABLE}"
    assert set(replica.depends_on) == {f"arn:aws:dynamodb:eu-west-1:{ME}:{TABLE}", f"arn:aws:dynamodb:us-east-1:{ME}:{TABLE}"}
    assert all(c.holds_data and c.data_volume_gb == 41000.0 for c in tables)


def test_key_custody_follows_the_key_each_resource_depends_on(batch):
    kms = f"arn:aws:kms:eu-west-1:{ME}:key/"
    custody = {c.id: (c.kind, c.key_custody) for c in batch.components if c.service in ("kms", "dynamodb", "secretsmanager", "backup")}

    assert custody == {
        f"{kms}1111aaaa-customer": ("kms-key (customer-managed)", "customer-managed"),
        f"{kms}3333cccc-managed": ("kms-key (aws-managed)", "provider"),
        f"{kms}4444dddd-hsm": ("kms-key (cloudhsm)", "customer-managed"),
        f"{kms}5555eeee-locked": ("kms-key", None),  # DescribeKey denied: custody unknown, not guessed
        f"arn:aws:kms:us-east-1:{ME}:key/2222bbbb-xks": ("kms-key (external-key-store)", "customer-held"),
        f"arn:aws:dynamodb:eu-west-1:{ME}:{TABLE}": ("dynamodb-table", "customer-managed"),
        f"arn:aws:dynamodb:us-east-1:{ME}:{TABLE}": ("dynamodb-table", "customer-held"),
        f"arn:aws:dynamodb:eu-west-1:{ME}:{TABLE}#replica:eu-central-1": ("dynamodb-table replica", None),
        f"arn:aws:dynamodb:eu-west-1:{ME}:table/sessions": ("dynamodb-table", None),  # DescribeTable denied
        f"arn:aws:secretsmanager:eu-west-1:{ME}:secret:declarations-db-Ab12Cd": ("secret", "customer-managed"),  # by alias
        f"arn:aws:secretsmanager:eu-west-1:{ME}:secret:smtp-Xy98Zw": ("secret", "provider"),  # the AWS managed default key
        f"arn:aws:backup:eu-west-1:{ME}:backup-vault:declarations": ("backup-vault", "customer-managed"),
        f"arn:aws:backup:eu-west-1:{ME}:backup-vault:declarations#copy:{OTHER}:eu-central-1": ("backup-vault copy", None),
    }


def test_an_alias_reference_becomes_a_dependency_on_the_key(batch):
    secret = _by_id(batch)[f"arn:aws:secretsmanager:eu-west-1:{ME}:secret:declarations-db-Ab12Cd"]

    assert secret.depends_on == (f"arn:aws:kms:eu-west-1:{ME}:key/1111aaaa-customer",)


def test_dependencies_follow_the_apis_and_stay_inside_the_batch(batch):
    comps = _by_id(batch)
    edges = {(c.id, d) for c in batch.components for d in c.depends_on}

    assert (f"arn:aws:cloudfront::{ME}:distribution/E2QWRUHEXAMPLE", "arn:aws:s3:::customs-portal") in edges
    assert (f"arn:aws:iam::{ME}:root", f"arn:aws:iam::{ME}:saml-provider/EntraID") in edges
    assert all(d in comps for _, d in edges)
    volume = comps[f"arn:aws:ec2:eu-west-1:{ME}:volume/vol-0a1b2c3d"]
    assert volume.depends_on == ()  # its key lives in an account that was not read
    [dropped] = [c for c in batch.coverage if c.scope == "dependencies"]
    assert (dropped.status, dropped.count) == ("read", 1)


def test_a_copy_to_another_account_is_a_data_location_there(batch):
    vault = f"arn:aws:backup:eu-west-1:{ME}:backup-vault:declarations"
    [copy_] = [c for c in batch.components if c.kind == "backup-vault copy"]

    assert (copy_.id, copy_.account, copy_.region, copy_.depends_on) == (
        f"{vault}#copy:{OTHER}:eu-central-1", OTHER, "eu-central-1", (vault,))
    assert copy_.external_id == f"arn:aws:backup:eu-central-1:{OTHER}:backup-vault:vault-of-last-resort"


def test_tags_from_the_tagging_api_complete_the_records_and_find_other_services(batch):
    comps = _by_id(batch)

    assert comps["arn:aws:s3:::customs-portal"].tags == {"system": "ecom-declarations"}
    assert comps[f"arn:aws:sqs:eu-west-1:{ME}:declarations-intake"].tags == {"system": "ecom-declarations"}
    # The service's own tags win over the tagging API's.
    assert comps[f"arn:aws:secretsmanager:eu-west-1:{ME}:secret:declarations-db-Ab12Cd"].tags == {"system": "ecom-declarations", "owner": "ops"}
    glue = comps[f"arn:aws:glue:eu-west-1:{ME}:job/nightly-load"]
    ssm = comps[f"arn:aws:ssm:eu-west-1:{ME}:parameter/declarations/url"]
    assert (glue.service, glue.kind, glue.region, glue.holds_data) == ("glue", "glue:job", "eu-west-1", False)
    assert (ssm.service, ssm.kind) == ("ssm", "ssm:parameter")  # not mapped: the catalog will say it does not know it


def test_a_bucket_whose_location_was_denied_has_no_region(batch):
    comps = _by_id(batch)

    assert comps["arn:aws:s3:::customs-legacy"].region is None
    assert comps["arn:aws:s3:::customs-portal"].region == "eu-west-1"


def test_records_carry_provider_source_origin_and_the_arn_twice(batch):
    assert all(c.provider == "aws" and c.source == "aws-prod" for c in batch.components)
    assert all(c.external_id == c.id for c in batch.components if "#" not in c.id)
    assert {c.origin for c in batch.components if c.service == "iam"} == {f"aws:{ME}:global"}
    assert [c.id for c in batch.components] == sorted(c.id for c in batch.components)


def test_coverage_is_carried_with_the_source_name(batch):
    entries = {(c.source, c.scope, c.status) for c in batch.coverage}

    assert ("aws-prod", OTHER, "denied") in entries
    assert ("aws-prod", f"{ME}/eu-west-1/kms", "denied") in entries
    assert ("aws-prod", f"{ME}/eu-west-1/sqs", "read") in entries


def test_normalize_is_pure():
    raw = copy.deepcopy(RAW)

    first = normalize(raw, None)
    second = normalize(raw, None)

    assert raw == RAW
    assert [(c.id, c.depends_on, c.tags, c.key_custody) for c in first.components] == [
        (c.id, c.depends_on, c.tags, c.key_custody) for c in second.components]
    assert first.source == "aws"


def test_every_service_the_connector_names_is_in_the_catalog_as_it_describes_it(bundled_catalog):
    keys = {k for k in SERVICES if k != "tagging"} | {engine_service("postgres"), engine_service("aurora-mysql")}

    missing = {k for k in keys if ("aws", k) not in bundled_catalog.services}
    mapped = {**ARN_SERVICES, **{f"ec2:{t}": v for t, v in EC2_TYPES.items()}}
    disagree = {
        prefix: (key, holds) for prefix, (key, holds) in mapped.items()
        if ("aws", key) not in bundled_catalog.services or bool(bundled_catalog.services[("aws", key)].holds_data) != holds
    }

    assert missing == set()
    assert disagree == {}


# --- errors and parameters --------------------------------------------------------------------------


def _client_error(code: str, operation: str, attempts: int = 0):
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": "no"}, "ResponseMetadata": {"RetryAttempts": attempts}}, operation)


@pytest.mark.parametrize(
    ("code", "operation", "status", "detail"),
    [
        ("AccessDeniedException", "ListKeys", "denied", "kms:ListKeys: AccessDeniedException: no"),
        ("UnauthorizedOperation", "DescribeVolumes", "denied", "ec2:DescribeVolumes: UnauthorizedOperation: no"),
        ("ThrottlingException", "ListKeys", "failed", "kms:ListKeys: still throttled (ThrottlingException) after 8 attempt(s)"),
        ("OptInRequired", "ListKeys", "skipped", "kms:ListKeys: OptInRequired: the service is not enabled for this account or region"),
        ("InternalFailure", "ListKeys", "failed", "kms:ListKeys: InternalFailure: no"),
    ],
)
def test_errors_are_classified_for_the_coverage_report(code, operation, status, detail):
    calls = {**SERVICES["kms"].calls, **SERVICES["ebs"].calls}

    assert classify(_client_error(code, operation, attempts=7), calls) == (status, detail)


def _config(tmp_path, source: str):
    path = tmp_path / "sovmap.yaml"
    path.write_text(f"version: 1\nsources:\n  - {source}\n")
    return path


def test_account_ids_may_be_written_as_numbers(tmp_path):
    config = load_config(_config(tmp_path, "{type: aws, assume_role: SovmapReadOnly, accounts: [111122223333, '012345678901']}"))

    [(type_, params)] = config.sources
    assert (type_, params.accounts) == ("aws", ["111122223333", "012345678901"])


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("{type: aws, accounts: ['111122223333']}", "'accounts' needs 'assume_role'"),
        ("{type: aws, assume_role: R, accounts: ['1234']}", "'1234' is not an AWS account id"),
        ("{type: aws, services: [ec2, ec3]}", "unknown service 'ec3'"),
        ("{type: aws, regions: [Ireland]}", "field 'regions': Value error, 'Ireland' is not an AWS region code"),
        ("{type: aws, assume_role: 'arn:aws:iam::111122223333:role/R'}", "must contain {account}"),
        ("{type: aws, regoins: [eu-west-1]}", "regoins"),
    ],
)
def test_bad_parameters_are_reported_with_the_config_file_and_field(tmp_path, source, words):
    with pytest.raises((InputError, InputErrors)) as info:
        load_config(_config(tmp_path, source))

    assert words in str(info.value)
    assert "sovmap.yaml" in str(info.value)
