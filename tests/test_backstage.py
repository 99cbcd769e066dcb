"""The Backstage connector: catalog-info.yaml files with several documents, references and annotations."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from connectors import ScanContext
from connectors.backstage import Params, fetch, normalize
from inventory.records import InventoryBatch
from sovmap.errors import InputError, InputErrors

from conftest import FIXTURES

HERE = FIXTURES / "backstage"


def load(path: Path = HERE, **params) -> InventoryBatch:
    p = Params(path=path.name, **params)
    return normalize(fetch(p, ScanContext(base_dir=path.parent)), p)


def problems(path: Path, **params) -> list[InputError]:
    with pytest.raises((InputError, InputErrors)) as info:
        load(path, **params)
    return info.value.errors if isinstance(info.value, InputErrors) else [info.value]


def test_systems_components_and_resources_of_every_file():
    batch = load()

    assert {(s.id, s.name, s.criticality, s.classification, s.personal_data, s.rto_hours, s.owner, s.depends_on) for s in batch.systems} == {
        ("ecom-declarations", "E-commerce declaration processing", "critical", "confidential", True, 4.0, "directorate-operations", ()),
        ("shared-identity", "Shared identity and access", "critical", "internal", False, None, "directorate-it", ()),
        ("external/trader-portal", "external/trader-portal", "medium", "internal", False, None, "external/directorate-operations",
         ("shared-identity",)),  # the owner's namespace is the entity's
    }
    assert {(c.id, c.system, c.kind, c.provider, c.service, c.region, c.holds_data, c.depends_on) for c in batch.components} == {
        # dependsOn a resource, and the API another component provides
        ("ecom-intake", "ecom-declarations", "component:service", "aws", "lambda", "eu-west-1", False, ("ecom-db", "entra-tenant")),
        # no system of its own: its parent's
        ("ecom-intake-worker", "ecom-declarations", "component:service", None, None, None, False, ("ecom-db",)),
        ("ecom-db", "ecom-declarations", "resource:database", "aws", "dynamodb", "eu-west-1", True, ()),
        ("entra-tenant", "shared-identity", "component:service", "azure", "entra-id", None, False, ()),
        # another namespace; its dependency on a system is its system's
        ("external/portal-web", "external/trader-portal", "component:website", None, None, None, False, ("ecom-intake",)),
    }
    db = next(c for c in batch.components if c.id == "ecom-db")
    assert (db.data_volume_gb, db.external_id) == (42000.0, "arn:aws:dynamodb:eu-west-1:204815733091:table/ecom-declarations")
    assert db.origin.endswith("ecom/catalog-info.yaml:48")
    assert batch.coverage[0].detail == "entities not mapped: 1 API, 1 Group"


def test_a_single_file_and_a_custom_annotation_prefix(tmp_path):
    text = (HERE / "platform" / "catalog-info.yaml").read_text().replace("sovmap.io/", "example.org/sovereignty-")
    (tmp_path / "catalog-info.yaml").write_text(text)

    batch = load(tmp_path / "catalog-info.yaml", annotation_prefix="example.org/sovereignty-")

    assert ("entra-tenant", "azure", "entra-id") in {(c.id, c.provider, c.service) for c in batch.components}


@pytest.mark.parametrize(
    ("edit", "line", "field", "words"),
    [
        (lambda t: t.replace("  name: ecom-intake-worker\n", ""), 37, "metadata.name", "required field is missing"),
        (lambda t: t.replace('sovmap.io/holds_data: "yes"', 'sovmap.io/holds_data: "lots"'), 56, "metadata.annotations.sovmap.io/holds_data", "not a yes/no value"),
        (lambda t: t.replace("sovmap.io/criticality: critical", "sovmap.io/criticality: vital"), 8, "metadata.annotations.sovmap.io/criticality", "not an allowed criticality"),
        (lambda t: t.replace("  tags: [python, serverless]", "  tags: [python, serverless"), 27, None, "not valid YAML"),
    ],
)
def test_bad_entities_name_file_line_and_field(tmp_path, edit, line, field, words):
    shutil.copytree(HERE, tmp_path / "catalog")
    path = tmp_path / "catalog" / "ecom" / "catalog-info.yaml"
    path.write_text(edit(path.read_text()))

    [error] = problems(tmp_path / "catalog")

    assert (Path(error.file).name, error.line, error.field) == ("catalog-info.yaml", line, field)
    assert words in error.reason


def test_a_folder_without_catalog_files_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()

    [error] = problems(tmp_path / "empty")

    assert error.field == "glob" and "no file matches" in error.reason


def test_an_alias_bomb_is_refused(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(7))
    (tmp_path / "catalog-info.yaml").write_text("apiVersion: backstage.io/v1alpha1\nkind: Component\n" + bomb)

    [error] = problems(tmp_path / "catalog-info.yaml")

    assert "alias bomb" in error.reason
