"""The Terraform connector: state format 4 and `terraform show -json`, modules, instances, regions, bad input."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from connectors import ScanContext
from connectors.terraform import Params, fetch, normalize
from inventory.records import InventoryBatch
from inventory.store import open_store
from sovmap.config import load_config
from sovmap.errors import InputError, InputErrors
from sovmap.scan import run_scan

FIXTURES = Path(__file__).parent / "fixtures" / "terraform"
STATE = FIXTURES / "customs-prod.tfstate"
AWS = 'provider["registry.terraform.io/hashicorp/aws"]'


def load(path: Path, **params) -> InventoryBatch:
    p = Params(path=str(path), **params)
    return normalize(fetch(p, ScanContext(base_dir=path.parent)), p)


def write_state(tmp_path: Path, resources: list, **top) -> Path:
    doc = {"version": 4, "terraform_version": "1.9.8", "serial": 3, "lineage": "0f0e0d0c-0b0a-0908-0706-050403020100",
           "outputs": {}, "resources": resources, "check_results": None, **top}
    path = tmp_path / "state.json"
    path.write_text(json.dumps(doc, indent=2))
    return path


def resource(type_: str, name: str, instances: list, *, module: str | None = None, provider: str = AWS, mode: str = "managed") -> dict:
    res = {"mode": mode, "type": type_, "name": name, "provider": provider, "instances": instances}
    return {"module": module, **res} if module else res


def problems(path: Path, **params) -> set[tuple]:
    with pytest.raises((InputError, InputErrors)) as info:
        load(path, **params)
    errors = info.value.errors if isinstance(info.value, InputErrors) else [info.value]
    return {(Path(e.file).name, e.entry, e.field) for e in errors}


# --- the realistic state ------------------------------------------------------------------


def test_state_resources_become_components_with_catalog_services_and_regions():
    batch = load(STATE, default_regions={"aws": "eu-west-1"}, openstack_provider="ovhcloud")

    placed = {(c.kind, c.provider, c.service, c.region, c.holds_data) for c in batch.components}
    assert placed == {
        ("aws_kms_key", "aws", "kms", "eu-west-1", True),  # region from the ARN
        ("aws_s3_bucket", "aws", "s3", "eu-west-1", True),
        ("aws_dynamodb_table", "aws", "dynamodb", "eu-west-1", True),
        ("aws_iam_role", "aws", "iam", None, False),  # a global service has no region
        ("aws_lambda_function", "aws", "lambda", "eu-west-1", False),
        ("aws_mq_broker", "aws", None, "eu-west-1", False),  # no mapping: provider kept, no service
        ("aws_instance", "aws", "ec2", "eu-west-1", False),
        ("aws_instance", "aws", "ec2", "eu-central-1", False),
        ("azurerm_storage_account", "azure", "blob-storage", "westeurope", True),
        ("google_storage_bucket", "gcp", "cloud-storage", "eu", True),  # multi-region EU: the catalog decides
        ("google_container_cluster", "gcp", "gke", "europe-west4", False),
        ("hcloud_server", "hetzner", "cloud-servers", "fsn1", False),
        ("ovh_cloud_project_kube", "ovhcloud", "managed-kubernetes", "gra", False),  # GRA7
        ("ovh_cloud_project_database", "ovhcloud", "managed-postgresql", None, True),
        ("openstack_compute_instance_v2", "ovhcloud", "public-cloud-instances", "gra", False),  # GRA11
        ("scaleway_instance_server", "scaleway", "instances", "fr-par", False),  # zone fr-par-1
        ("aws_sqs_queue", "aws", "sqs", "eu-west-1", True),
    }
    assert len(batch.components) == 18  # two scan workers in nl, one in be


def test_ids_are_cloud_ids_where_the_state_has_one_else_the_address():
    batch = load(STATE)

    ids = {c.kind: c.id for c in batch.components if c.kind != "aws_instance"}
    assert ids["aws_s3_bucket"] == "arn:aws:s3:::customs-scan-archive-prod"
    assert ids["azurerm_storage_account"].startswith("/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/")
    assert ids["google_container_cluster"] == "projects/customs-ml-prod/locations/europe-west4/clusters/ml-training"
    assert ids["scaleway_instance_server"] == "fr-par-1/11111111-2222-4333-8444-555555555555"
    assert ids["hcloud_server"] == "tf:hcloud_server.bastion"  # a Hetzner id is only unique within a project
    assert ids["google_storage_bucket"] == "tf:google_storage_bucket.models"
    hcloud = next(c for c in batch.components if c.kind == "hcloud_server")
    assert (hcloud.external_id, hcloud.name) == ("41234567", "bastion-1")


def test_accounts_tags_and_names():
    batch = load(STATE)

    got = {(c.kind, c.account, c.name, c.tags.get("system") or c.tags.get("application")) for c in batch.components
           if c.kind in ("aws_dynamodb_table", "azurerm_storage_account", "google_storage_bucket", "scaleway_instance_server", "aws_lambda_function")}
    assert got == {
        ("aws_dynamodb_table", "123456789012", "ecom-declarations", None),
        ("aws_lambda_function", "123456789012", "ecom-intake", "ecom-declarations"),
        ("azurerm_storage_account", "0b1f6471-1bf0-4dda-aec3-cb9272f09590", "customslakeprod", "data-platform"),
        ("google_storage_bucket", "customs-ml-prod", "customs-scan-models", "scan-images"),  # effective_labels
        ("scaleway_instance_server", "7d6c5b4a-3f2e-4d1c-8b0a-9f8e7d6c5b4a", "edge-1", "partner-portal"),  # "system=..." in a tag list
    }


def test_dependencies_follow_the_state_and_skip_what_is_not_a_component():
    batch = load(STATE)
    by_kind = {c.kind: c for c in batch.components}

    assert set(by_kind["aws_lambda_function"].depends_on) == {by_kind["aws_dynamodb_table"].id, by_kind["aws_iam_role"].id}
    assert by_kind["aws_s3_bucket"].depends_on == (by_kind["aws_kms_key"].id,)
    # the storage account depended on its resource group, which is configuration, not a component
    assert by_kind["azurerm_storage_account"].depends_on == ()


def test_module_systems_map_modules_and_leave_the_rest_to_tags():
    batch = load(STATE, module_systems={"module.declarations": "ecom-declarations", 'module.scan["be"]': "scan-images-be"})

    systems = {(c.kind, c.region, c.system) for c in batch.components if c.kind in ("aws_dynamodb_table", "aws_instance", "aws_s3_bucket")}
    assert systems == {
        ("aws_dynamodb_table", "eu-west-1", "ecom-declarations"),
        ("aws_instance", "eu-west-1", None),
        ("aws_instance", "eu-central-1", "scan-images-be"),
        ("aws_s3_bucket", "eu-west-1", None),  # attributed later by its system tag
    }


def test_coverage_says_what_was_left_out():
    batch = load(STATE)

    (entry,) = batch.coverage
    assert (entry.status, entry.count) == ("read", 18)
    for words in ("aws_mq_broker (1)", "5 configuration resources", "random_* (1)", "1 data sources", "1 deposed objects"):
        assert words in entry.detail


# --- modules, count and for_each, regions -------------------------------------------------------------


def test_count_and_for_each_instances_in_nested_modules_get_address_ids(tmp_path):
    instances = [{"index_key": 0, "schema_version": 1, "attributes": {"id": "i-0aa", "availability_zone": "eu-west-1a"}},
                 {"index_key": 1, "schema_version": 1, "attributes": {"id": "i-0bb", "availability_zone": "eu-west-1b"}}]
    path = write_state(tmp_path, [
        resource("aws_instance", "node", instances, module='module.env["prod"].module.nodes'),
        resource("hcloud_server", "web", [{"index_key": "a\"b", "schema_version": 0, "attributes": {"id": "7", "location": "nbg1"}}],
                 provider='provider["registry.terraform.io/hetznercloud/hcloud"]'),
    ])

    batch = load(path)

    assert {(c.id, c.region) for c in batch.components} == {
        ('tf:module.env["prod"].module.nodes.aws_instance.node[0]', "eu-west-1"),
        ('tf:module.env["prod"].module.nodes.aws_instance.node[1]', "eu-west-1"),
        ('tf:hcloud_server.web["a\\"b"]', "nbg1"),
    }


@pytest.mark.parametrize(
    ("defaults", "expected"),
    [({}, {None}), ({"aws": "eu-west-1"}, {"eu-west-1"}), ({"aws": "eu-west-1", "aws.fra": "eu-central-1"}, {"eu-west-1", "eu-central-1"})],
    ids=["none: unknown", "provider default", "alias default"],
)
def test_default_regions_apply_only_where_the_resource_has_no_region(tmp_path, defaults, expected):
    bare = [{"schema_version": 0, "attributes": {"id": "sg-group", "name": "workers"}}]
    path = write_state(tmp_path, [
        resource("aws_autoscaling_group", "a", bare),
        resource("aws_autoscaling_group", "b", bare, provider=AWS + ".fra"),
        resource("aws_s3_bucket", "c", [{"schema_version": 0, "attributes": {"id": "c", "arn": "arn:aws:s3:::c", "region": "eu-north-1"}}]),
    ])

    batch = load(path, default_regions=defaults)

    assert {c.region for c in batch.components if c.kind == "aws_autoscaling_group"} == expected
    assert {c.region for c in batch.components if c.kind == "aws_s3_bucket"} == {"eu-north-1"}


def test_openstack_without_a_configured_provider_is_not_guessed(tmp_path):
    path = write_state(tmp_path, [resource("openstack_compute_instance_v2", "vm", [
        {"schema_version": 0, "attributes": {"id": "0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5", "region": "eu-de", "name": "vm"}}],
        provider='provider["registry.terraform.io/terraform-provider-openstack/openstack"]')])

    (comp,) = load(path).components

    assert (comp.provider, comp.service, comp.region) == (None, None, "eu-de")


def test_show_json_reads_like_the_state(tmp_path):
    batch = load(FIXTURES / "show.json")

    got = {(c.id, c.kind, c.provider, c.service, c.region, c.depends_on) for c in batch.components}
    assert got == {
        ("arn:aws:s3:::customs-scan-archive-prod", "aws_s3_bucket", "aws", "s3", "eu-west-1",
         ("arn:aws:kms:eu-west-1:123456789012:key/5c6f2a1e-3b9d-4e8a-9f1c-2d7b8e4a6c10",)),
        ("arn:aws:kms:eu-west-1:123456789012:key/5c6f2a1e-3b9d-4e8a-9f1c-2d7b8e4a6c10", "aws_kms_key", "aws", "kms", "eu-west-1", ()),
        ("tf:module.scan[\"nl\"].aws_instance.worker[0]", "aws_instance", "aws", "ec2", "eu-west-1", ()),
        ("/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-dataplatform-prod/providers/Microsoft.Storage/storageAccounts/customslakeprod",
         "azurerm_storage_account", "azure", "blob-storage", "westeurope", ()),
    }


def test_empty_state_gives_no_components(tmp_path):
    batch = load(write_state(tmp_path, []))

    assert batch.components == [] and batch.coverage[0].count == 0


# --- bad input -----------------------------------------------------------------------------------------


def test_bad_resources_are_named_with_their_address_and_field_all_at_once(tmp_path):
    good = {"schema_version": 0, "attributes": {"id": "x", "arn": "arn:aws:s3:::x"}}
    path = write_state(tmp_path, [
        resource("aws_s3_bucket", "ok", [good]),
        {"mode": "managed", "type": "aws_s3_bucket", "name": "archive", "provider": AWS, "instances": {"0": good}},
        resource("aws_instance", "w", [{"index_key": True, "attributes": {}}], module="module.scan"),
        resource("aws_instance", "v", [{"schema_version": 0}]),
        {"mode": "managed", "name": "nameless", "provider": AWS, "instances": []},
        "aws_s3_bucket.loose",
        resource("aws_sqs_queue", "q", [good], module="modules/queue"),
    ])

    assert problems(path) == {
        ("state.json", "resources[1] (aws_s3_bucket.archive)", "instances"),
        ("state.json", "resources[2] (module.scan.aws_instance.w)", "instances[0].index_key"),
        ("state.json", "resources[3] (aws_instance.v)", "instances[0].attributes"),
        ("state.json", "resources[4] (nameless)", "type"),
        ("state.json", "resources[5]", None),
        ("state.json", "resources[6] (modules/queue.aws_sqs_queue.q)", "module"),
    }


def test_error_message_reads_file_entry_field_and_reason(tmp_path):
    path = write_state(tmp_path, [{"mode": "managed", "type": "aws_s3_bucket", "name": "archive", "provider": AWS, "instances": "none"}])

    with pytest.raises(InputError) as info:
        load(path)

    assert str(info.value) == f"{path}: resources[0] (aws_s3_bucket.archive): field 'instances': must be a list, not str"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('{\n  "version": 4,\n  "resources": [\n    {"mode": "managed",}\n  ]\n}\n', 4, "not valid JSON"),
        ('{"version": 3, "modules": []}', None, "version 3 is not supported, only 4 (Terraform 0.11"),
        ('{"serial": 1}', None, "not a Terraform state"),
        ("[1, 2]", None, "a Terraform state is a JSON object, not list"),
        ("", None, "the file is empty"),
        ('{"version": 4, "resources": {}}', None, "must be a list, not dict"),
    ],
    ids=["syntax", "old-version", "no-version", "array", "empty", "resources-not-list"],
)
def test_files_that_are_no_state_are_refused_clearly(tmp_path, text, line, words):
    path = tmp_path / "state.json"
    path.write_text(text)

    with pytest.raises(InputError) as info:
        load(path)

    assert words in str(info.value) and info.value.line == line and info.value.file == str(path)


def test_config_checks_module_addresses_and_providers(tmp_path):
    (tmp_path / "sovmap.yaml").write_text(
        "version: 1\nsources:\n  - type: terraform\n    path: state.json\n"
        "    module_systems: {modules/db: ecom}\n    default_regions: {amazon: eu-west-1}\n"
    )

    with pytest.raises(InputErrors) as info:
        load_config(tmp_path / "sovmap.yaml")

    got = {(e.entry, e.field) for e in info.value.errors}
    assert got == {("sources[0]", "module_systems"), ("sources[0]", "default_regions")}
    assert "not a module address" in str(info.value) and "'amazon': not a provider" in str(info.value)


# --- through a scan ------------------------------------------------------------------------------------


INVENTORY = """\
version: 1
organization: {name: Example Customs Agency, country: NL}
systems:
  - {id: ecom-declarations, name: E-commerce declarations, criticality: critical}
  - {id: scan-images, name: Scan image analysis, criticality: high}
  - {id: data-platform, name: Data platform, criticality: high}
  - {id: shared-platform, name: Shared platform, criticality: medium}
  - {id: partner-portal, name: Partner portal, criticality: medium}
  - {id: partner-exchange, name: Partner data exchange, criticality: high}
"""


def _estate(tmp_path: Path) -> Path:
    (tmp_path / "inventory.yaml").write_text(INVENTORY)
    (tmp_path / "state.json").write_bytes(STATE.read_bytes())
    (tmp_path / "sovmap.yaml").write_text(
        "version: 1\nsources:\n  - type: declared\n    path: inventory.yaml\n"
        "  - type: terraform\n    path: state.json\n    default_regions: {aws: eu-west-1}\n"
        "    module_systems: {module.declarations: ecom-declarations}\n"
        "attribution:\n  tag_keys: [system, application]\n"
    )
    return tmp_path / "sovmap.yaml"


def test_scan_attributes_by_module_and_tags_and_reports_the_unknowns(tmp_path):
    config = _estate(tmp_path)
    store = open_store(f"sqlite:///{tmp_path / 'sovmap.db'}")

    result = run_scan(config, store, as_of=date(2026, 11, 22))

    inv = store.load_inventory(result.snapshot_id)
    assert inv.components["arn:aws:s3:::customs-scan-archive-prod"].system == "scan-images"  # by tag
    assert inv.components["arn:aws:dynamodb:eu-west-1:123456789012:table/ecom-declarations"].system == "ecom-declarations"  # by module
    findings = {(f["type"], f["scope"].get("component")) for f in store.findings(result.snapshot_id)}
    assert ("unknown-location", "tf:google_storage_bucket.models") in findings  # GCS multi-region "EU" is not a catalog region
    assert ("unknown-provider", "tf:openstack_compute_instance_v2.relay") not in findings  # no openstack_* guessed into a provider
    assert ("unattributed-resource", "tf:ovh_cloud_project_kube.partners") in findings
    store.close()


def test_a_broken_state_stores_nothing_and_keeps_the_last_snapshot(tmp_path):
    config = _estate(tmp_path)
    store = open_store(f"sqlite:///{tmp_path / 'sovmap.db'}")
    first = run_scan(config, store, as_of=date(2026, 11, 22))
    doc = json.loads(STATE.read_text())
    doc["resources"][12]["instances"] = None
    (tmp_path / "state.json").write_text(json.dumps(doc))

    with pytest.raises(InputError) as info:
        run_scan(config, store, as_of=date(2026, 11, 23))

    assert "resources[12] (module.dataplatform.module.lake.azurerm_storage_account.lake): field 'instances'" in str(info.value)
    assert [s["id"] for s in store.snapshots()] == [first.snapshot_id]
    assert len(store.load_inventory(first.snapshot_id).components) == 18
    store.close()
