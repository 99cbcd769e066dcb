"""The customs example read from an ArchiMate model, a CMDB export and a Terraform state.

Joined, the three sources must describe the same estate as the declared inventory: the same
systems, the same jurisdictions reaching each system, the same countries holding its data,
and the same findings, plus the places where the sources contradict each other.
"""

from __future__ import annotations

from datetime import date

import pytest

from conftest import EXAMPLE, ROOT
from sovmap.scan import run_scan

JOINED = ROOT / "examples" / "customs-agency-ea"
AS_OF = date(2026, 11, 22)


@pytest.fixture(scope="module")
def scans(tmp_path_factory):
    from inventory.store import open_store

    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('joined') / 'sovmap.db'}")
    joined = run_scan(JOINED / "sovmap.yaml", store, as_of=AS_OF)
    declared = run_scan(EXAMPLE / "sovmap.yaml", store, as_of=AS_OF)
    yield store, joined, declared
    store.close()


def jurisdictions(result) -> set[tuple[str, str]]:
    return {(node.split(":", 1)[1], j["code"]) for node, exp in result.assessment.exposures.items() for j in exp.jurisdictions}


def data_countries(result) -> set[tuple[str, str]]:
    return {(node.split(":", 1)[1], c) for node, exp in result.assessment.exposures.items() for c in exp.data_countries}


def systems(store, snapshot_id) -> set[tuple]:
    inv = store.load_inventory(snapshot_id)
    return {(s.id, s.criticality, s.classification, s.depends_on) for s in inv.systems.values()}


def test_the_joined_sources_show_the_same_systems_and_jurisdictions(scans):
    store, joined, declared = scans

    assert systems(store, joined.snapshot_id) == systems(store, declared.snapshot_id)
    assert jurisdictions(joined) == jurisdictions(declared)
    assert data_countries(joined) == data_countries(declared)
    assert joined.counts["components"] == declared.counts["components"] == 334
    assert ("ecom-declarations", "US") in jurisdictions(joined)


def test_the_conflicts_are_listed_and_the_authoritative_value_is_used(scans):
    store, joined, _ = scans
    report = store.snapshot(joined.snapshot_id)["meta"]["matching"]
    inv = store.load_inventory(joined.snapshot_id)

    conflicts = {(c["id"], c["field"], c["chosen"]["source"], tuple(sorted((v["source"], v["value"]) for v in c["values"])))
                 for c in report["conflicts"]}
    assert conflicts == {
        ("ecom-db-replica-use1", "region", "terraform", (("archimate", "eu-central-1"), ("terraform", "us-east-1"))),
        ("dp-lake-dr-neu", "region", "terraform", (("archimate", "westeurope"), ("terraform", "northeurope"))),
        ("apd-dms-ora-rac", "site", "cmdb", (("archimate", "dc-groningen"), ("cmdb", "dc-apeldoorn"))),
    }
    assert (inv.components["ecom-db-replica-use1"].region, inv.components["apd-dms-ora-rac"].site) == ("us-east-1", "dc-apeldoorn")


def test_the_conflicts_that_matter_are_findings(scans):
    store, joined, declared = scans

    found = {(f["id"], f["severity"], f["status"]) for f in store.findings(joined.snapshot_id) if f["type"] == "source-conflict"}
    others = lambda sid: {(f["id"], f["status"]) for f in store.findings(sid) if f["type"] != "source-conflict"}  # noqa: E731

    assert found == {
        ("source-conflict:ecom-declarations:component:ecom-db-replica-use1:region", "critical", "implicit"),  # DE vs US
        ("source-conflict:data-platform:component:dp-lake-dr-neu:region", "critical", "implicit"),  # NL vs IE
        ("source-conflict:import-export-declarations:component:apd-dms-ora-rac:site", "low", "implicit"),  # both NL
    }
    assert others(joined.snapshot_id) == others(declared.snapshot_id)


def test_state_resources_join_the_model_by_arn_resource_id_or_rule(scans):
    store, joined, _ = scans
    report = store.snapshot(joined.snapshot_id)["meta"]["matching"]

    by = {m["id"]: tuple(m["by"]) for m in report["matches"]}
    assert by["ecom-db"] == ("external_id",)
    assert by["dp-lake-raw"] == ("external_id",)  # an Azure resource id
    assert by["ecom-archive-bucket"] == ("rule 1: terraform.tags.Name = archimate.id (exact)",)
    assert by["apd-dms-ora-rac"] == ("id",)  # the model and the CMDB use the CMDB's id
    assert report["counts"]["ambiguous"] == 0
    assert all({r["source"] for r in m["records"]} <= {"archimate", "cmdb", "terraform"} for m in report["matches"])
