"""``sovmap catalog regions|providers|show``: the catalog as the command line shows it, overrides marked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sovmap.cli import app

runner = CliRunner()

OVERRIDE = """
legal_entities:
  - key: example-hosting
    name: Example Hosting B.V.
    country: NL
    parent: example-holding
    source: Chamber of Commerce extract 12345678
    as_of: 2026-09-30
  - key: example-holding
    name: Example Holding Inc.
    country: US
    source: Delaware register extract
    as_of: 2026-09-30
regions:
  - provider: aws
    code: eu-west-1
    name: Europe (Ireland), our contract
    country: IE
    city: Dublin
    source: our contract annex 3
    as_of: 2026-10-01
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "our-catalog.yaml").write_text(OVERRIDE, encoding="utf-8")
    (tmp_path / "inventory.yaml").write_text("version: 1\nsystems: []\n", encoding="utf-8")
    path = tmp_path / "sovmap.yaml"
    path.write_text(
        "version: 1\ncatalog_overrides: [our-catalog.yaml]\nsources:\n  - type: declared\n    path: inventory.yaml\n",
        encoding="utf-8",
    )
    return path


def run_json(*args: str):
    result = runner.invoke(app, ["catalog", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_regions_of_one_provider_as_json() -> None:
    rows = run_json("regions", "--provider", "ovhcloud")

    assert {r["provider"] for r in rows} == {"ovhcloud"}
    assert {"provider", "code", "name", "country", "city", "bloc"} <= set(rows[0])
    assert ("gra", "FR", "EU") in {(r["code"], r["country"], r["bloc"]) for r in rows}
    assert not any(r["override"] for r in rows)


def test_an_unknown_provider_is_an_error_not_an_empty_list() -> None:
    result = runner.invoke(app, ["catalog", "regions", "--provider", "acme", "--json"])

    assert result.exit_code == 2
    assert "unknown provider 'acme'" in result.output


def test_providers_list_entities_ultimate_parent_and_the_laws_that_follow_it() -> None:
    rows = {r["key"]: r for r in run_json("providers")}

    aws = rows["aws"]
    assert {"key", "name", "legal_entities", "ultimate_parent", "hq_country", "laws"} <= set(aws)
    assert (aws["ultimate_parent"], aws["hq_country"]) == ("amazon-com-inc", "US")
    assert ("amazon-web-services-emea-sarl", "contracting") in {(e["key"], e["role"]) for e in aws["legal_entities"]}
    assert "us-cloud-act" in aws["laws"]
    assert ("ovh-hosting-inc", "subsidiary", "CA") in {(e["key"], e["role"], e["country"]) for e in rows["ovhcloud"]["legal_entities"]}
    assert "ca-production-orders" not in rows["ovhcloud"]["laws"]  # a subsidiary's law is not the owner's
    assert rows["bleu"]["technology_licensors"] == ["microsoft-corporation"]
    assert "us-cloud-act" not in rows["bleu"]["laws"]


@pytest.mark.parametrize(
    ("key", "kinds"),
    [
        ("aws", {"provider"}),
        ("s3ns", {"provider", "legal_entity"}),
        ("NL", {"country"}),
        ("us-cloud-act", {"law"}),
        ("yolo", {"model"}),
        ("aws/s3", {"service"}),
        ("azure/westeurope", {"region"}),
    ],
)
def test_show_resolves_every_kind_of_key(key: str, kinds: set[str]) -> None:
    found = run_json("show", key)

    assert {f["kind"] for f in found} == kinds
    assert all(f["source"] and f["as_of"] and f["file"] for f in found)


def test_show_gives_the_ownership_chain_with_sources() -> None:
    region = run_json("show", "aws/eusc-de-east-1")[0]

    chain = [(link["key"], link["country"]) for link in region["ownership_chain"]]
    assert chain == [("aws-european-sovereign-cloud-gmbh", "DE"), ("amazon-com-inc", "US")]
    assert all(link["source"] for link in region["ownership_chain"])
    assert "us-cloud-act" not in region["laws"]  # the region's own country brings only German and EU law


def test_show_a_law_names_the_providers_it_binds() -> None:
    law = run_json("show", "us-cloud-act")[0]

    bound = {b["provider"] for b in law["binds_providers"]}
    assert {"aws", "azure", "gcp", "github", "openai"} <= bound
    assert {"ovhcloud", "scaleway", "mistral-ai", "s3ns"}.isdisjoint(bound)


def test_an_unknown_key_is_unknown_with_suggestions() -> None:
    result = runner.invoke(app, ["catalog", "show", "aws/eu-west-9"])

    assert result.exit_code == 2
    assert "not in the catalog" in result.output and "aws/eu-west-1" in result.output


def test_overrides_from_the_config_are_included_and_marked(config: Path) -> None:
    region = run_json("show", "aws/eu-west-1", "-c", str(config))[0]
    entity = run_json("show", "example-hosting", "-c", str(config))[0]
    rows = run_json("regions", "--provider", "aws", "-c", str(config))

    assert region["override"] is True and region["entry"]["name"] == "Europe (Ireland), our contract"
    assert region["file"].endswith("our-catalog.yaml")
    assert [(link["key"], link["override"]) for link in entity["ownership_chain"]] == [
        ("example-hosting", True), ("example-holding", True)]
    assert "us-cloud-act" in entity["laws"]
    assert {r["code"] for r in rows if r["override"]} == {"eu-west-1"}


def test_show_without_the_config_does_not_know_the_organisations_entities() -> None:
    result = runner.invoke(app, ["catalog", "show", "example-hosting"])

    assert result.exit_code == 2


def test_the_table_output_marks_overrides(config: Path) -> None:
    result = runner.invoke(app, ["catalog", "show", "aws/eu-west-1", "-c", str(config)])

    assert result.exit_code == 0, result.output
    assert "(override)" in result.stdout and "our contract annex 3" in result.stdout
