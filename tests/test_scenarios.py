"""Scenarios: systems hit, RTO breaches and data classes exposed, on small named estates and the example."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from analyzer import build_graph
from analyzer.scenarios import SCENARIOS, load_graph, run_scenario
from inventory.merge import Inventory
from inventory.records import ComponentRecord, OperatorRecord, Organization, SiteRecord, SystemRecord
from sovmap.cli import app
from sovmap.errors import InputError
from sovmap.scan import run_scan

from conftest import EXAMPLE

runner = CliRunner()


def estate(*components, systems, operators=(), sites=()):
    return Inventory(
        organization=Organization("Org", "NL", "EU"),
        systems={s.id: s for s in systems},
        components={c.id: c for c in components},
        operators={o.id: o for o in operators},
        sites={s.id: s for s in sites},
    )


@pytest.fixture
def three(mini_catalog):
    """intake (critical, RTO 4) on bigco; archive (medium, RTO 48) on euhost, depending on intake; site-only lab."""
    inv = estate(
        ComponentRecord("db", system="intake", provider="bigco", service="nosql", region="eu-central-1", holds_data=True),
        ComponentRecord("store", system="archive", provider="euhost", service="vm", region="fsn1", holds_data=True),
        ComponentRecord("lims", system="lab", site="dc"),
        systems=[SystemRecord("intake", "Intake", criticality="critical", classification="confidential", personal_data=True, rto_hours=4),
                 SystemRecord("archive", "Archive", criticality="medium", rto_hours=48, depends_on=("intake",)),
                 SystemRecord("lab", "Lab", criticality="low", classification="internal")],
        sites=[SiteRecord("dc", "DC", country="NL")],
    )
    return build_graph(inv, mini_catalog)


def hit(result) -> set[tuple]:
    return {(s["system"], s["rto_breach"]) for s in result.as_dict()["systems_hit"]}


def test_provider_loss_hits_the_systems_on_it_and_those_depending_on_them(three, mini_catalog):
    result = run_scenario(three, "provider-loss", "bigco", catalog=mini_catalog)

    assert hit(result) == {("intake", True), ("archive", True)}
    archive = next(s for s in result.as_dict()["systems_hit"] if s["system"] == "archive")
    assert archive["path"] == ["system:archive", "system:intake", "component:db", "service:bigco/nosql", "provider:bigco"]
    assert archive["outage_hours"] is None
    assert result.as_dict()["exposed_data_classes"] == ["confidential", "internal", "personal"]


def test_region_loss_breaches_only_shorter_rtos(three, mini_catalog):
    default = run_scenario(three, "region-loss", "bigco:eu-central-1", catalog=mini_catalog).as_dict()
    week = run_scenario(three, "region-loss", "bigco/eu-central-1", catalog=mini_catalog, hours=72).as_dict()

    assert {(s["system"], s["outage_hours"], s["rto_breach"]) for s in default["systems_hit"]} == {
        ("intake", 14.5, True), ("archive", 14.5, False)}
    assert (default["rto_breaches"], week["rto_breaches"]) == (1, 2)
    assert "October 2025" in default["assumption"]


def test_site_loss(three, mini_catalog):
    result = run_scenario(three, "region-loss", "site:dc", catalog=mini_catalog)

    assert hit(result) == {("lab", False)}  # no RTO stated: no breach to report


def test_sanctions_suspend_what_the_suspension_law_reaches(three, mini_catalog):
    result = run_scenario(three, "sanctions", "us", catalog=mini_catalog).as_dict()

    assert (result["target"], {s["system"] for s in result["systems_hit"]}) == ("US", {"intake", "archive"})
    assert result["components"] == ["db"]
    intake = next(s for s in result["systems_hit"] if s["system"] == "intake")
    assert intake["path"][-1] == "country:US" and intake["rto_breach"] is True


def test_sanctions_of_a_country_without_a_suspension_law_hit_nothing(mini_catalog):
    G = build_graph(estate(ComponentRecord("vm", system="s", provider="euhost", service="vm", region="fsn1"),
                           systems=[SystemRecord("s", "S")],
                           operators=[OperatorRecord("desk", "Desk", country="IN", operates=("vm",))]), mini_catalog)

    result = run_scenario(G, "sanctions", "IN", catalog=mini_catalog).as_dict()

    assert result["systems_hit"] == [] and result["notes"] == ["no suspension law of IN is catalogued"]


def test_compelled_access_spares_data_stores_with_customer_held_keys_only(mini_catalog):
    vault = ComponentRecord("vault", system="s", provider="bigco", service="vm", region="eu-central-1", holds_data=True,
                            key_custody="customer-held")
    compute = ComponentRecord("fn", system="t", provider="bigco", service="vm", region="eu-central-1", depends_on=("vault2",))
    vault2 = ComponentRecord("vault2", system="t", provider="bigco", service="vm", region="eu-central-1", holds_data=True,
                             key_custody="customer-held")
    G = build_graph(estate(vault, compute, vault2, systems=[SystemRecord("s", "S", classification="secret"),
                                                            SystemRecord("t", "T")]), mini_catalog)

    result = run_scenario(G, "compelled-access", "US", catalog=mini_catalog).as_dict()

    assert [(s["system"], s["outage_hours"], s["rto_breach"]) for s in result["systems_hit"]] == [("t", 0.0, False)]
    assert [p["system"] for p in result["systems_protected"]] == ["s"]
    assert result["exposed_data_classes"] == ["internal"]


def test_change_of_control_shows_the_new_path_to_the_acquirer(three, mini_catalog):
    result = run_scenario(three, "change-of-control", "euhost", to="US", catalog=mini_catalog).as_dict()

    assert [s["system"] for s in result["systems_hit"]] == ["archive"]
    path = result["systems_hit"][0]["path"]
    assert path[-3:] == ["entity:euhost", "entity:acquirer-us", "country:US"]
    assert result["rto_breaches"] == 0
    assert "entity:acquirer-us" not in three  # the graph itself is left as it was


def test_change_of_control_of_a_provider_already_controlled_from_there(three, mini_catalog):
    result = run_scenario(three, "change-of-control", "bigco", to="US", catalog=mini_catalog).as_dict()

    assert result["systems_hit"] == []
    assert any("already controlled from US" in n for n in result["notes"])


@pytest.mark.parametrize(
    ("kind", "target", "to", "field", "words"),
    [
        ("meteor", "aws", None, "scenario", "unknown scenario 'meteor'"),
        ("provider-loss", "acme", None, "target", "unknown provider 'acme'"),
        ("region-loss", "bigco", None, "target", "is not PROVIDER:REGION"),
        ("region-loss", "bigco:mars-1", None, "target", "unknown region"),
        ("sanctions", "USA", None, "target", "not a country code"),
        ("sanctions", "ZZ", None, "target", "unknown country 'ZZ'"),
        ("change-of-control", "euhost", None, "to", "needs --to"),
        ("change-of-control", "nobody", "US", "target", "unknown provider or legal entity"),
    ],
)
def test_bad_scenarios_are_input_errors(three, mini_catalog, kind, target, to, field, words):
    with pytest.raises(InputError) as info:
        run_scenario(three, kind, target, to=to, catalog=mini_catalog)

    assert info.value.field == field and words in str(info.value)


def test_a_known_provider_nothing_runs_on_is_no_error(three, bundled_catalog, mini_catalog):
    result = run_scenario(three, "provider-loss", "euhost", catalog=mini_catalog)
    empty = run_scenario(build_graph(Inventory(), mini_catalog), "provider-loss", "euhost", catalog=mini_catalog)

    assert hit(result) == {("archive", True)}
    assert empty.systems_hit == [] and empty.notes == ["nothing in the inventory runs on euhost"]


def test_every_scenario_kind_is_described():
    assert [s["kind"] for s in SCENARIOS] == ["provider-loss", "region-loss", "sanctions", "compelled-access", "change-of-control"]
    assert all(set(s) >= {"kind", "target", "example", "summary"} for s in SCENARIOS)


@pytest.fixture(scope="module")
def example_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("example") / "sovmap.db"
    from inventory.store import open_store

    store = open_store(f"sqlite:///{path}")
    run_scan(EXAMPLE / "sovmap.yaml", store, as_of=date(2026, 11, 22))
    yield f"sqlite:///{path}", store
    store.close()


def test_example_aws_region_loss_and_us_sanctions(example_db):
    _, store = example_db
    G = load_graph(store)

    region = run_scenario(G, "region-loss", "aws:eu-west-1").as_dict()
    sanctions = run_scenario(G, "sanctions", "US").as_dict()

    ecom = next(s for s in region["systems_hit"] if s["system"] == "ecom-declarations")
    assert (ecom["rto_hours"], ecom["outage_hours"], ecom["rto_breach"]) == (4, 14.5, True)
    assert ecom["path"][0] == "system:ecom-declarations" and ecom["path"][-1] == "region:aws/eu-west-1"
    hit_by_sanctions = {s["system"] for s in sanctions["systems_hit"]}
    assert {"ecom-declarations", "data-platform", "collaboration"} <= hit_by_sanctions
    assert "intelligence-investigations" not in hit_by_sanctions  # own staff, own hardware, no cloud


def test_cli_scenario_contract(example_db):
    db, _ = example_db

    listed = runner.invoke(app, ["scenario", "--db", db, "--json"])
    result = runner.invoke(app, ["scenario", "provider-loss", "aws", "--db", db, "--json"])
    table = runner.invoke(app, ["scenario", "change-of-control", "stackit", "--to", "US", "--db", db])
    bad = runner.invoke(app, ["scenario", "provider-loss", "acme", "--db", db])

    assert [s["kind"] for s in json.loads(listed.stdout)] == [s["kind"] for s in SCENARIOS]
    data = json.loads(result.stdout)
    assert set(data) >= {"scenario", "target", "systems_hit", "rto_breaches", "exposed_data_classes"}
    assert all(set(s) >= {"system", "name", "criticality", "rto_hours", "outage_hours", "rto_breach", "data_classes", "path"}
               for s in data["systems_hit"])
    assert data["rto_breaches"] == sum(s["rto_breach"] for s in data["systems_hit"]) > 0
    assert table.exit_code == 0 and "2 system(s) hit" in table.stdout
    assert bad.exit_code == 2 and "unknown provider 'acme'" in bad.stderr
