"""SEAL and sovereignty score (EU Cloud Sovereignty Framework) on small named estates."""

from __future__ import annotations

import json
import shutil
import textwrap
from datetime import date

import pytest
from typer.testing import CliRunner

from analyzer import build_graph
from inventory.merge import Inventory
from inventory.records import ComponentRecord, OperatorRecord, Organization, SiteRecord, SystemRecord
from scoring import assess
from scoring.settings import ScoringSection, scoring_settings
from scoring.sovereignty import (
    FRAMEWORK_FILE,
    check_override_scopes,
    load_framework,
    load_overrides,
    score_sovereignty,
)
from sovmap.cli import app
from sovmap.errors import InputError, InputErrors
from sovmap.scan import run_scan

from conftest import FIXTURES

AS_OF = date(2026, 11, 22)
runner = CliRunner()


def estate(*components, systems=None, operators=(), sites=()) -> Inventory:
    systems = systems or [SystemRecord("s", "System S", criticality="critical", classification="confidential")]
    return Inventory(
        organization=Organization("Org", "NL", "EU"),
        systems={s.id: s for s in systems},
        components={c.id: c for c in components},
        operators={o.id: o for o in operators},
        sites={s.id: s for s in sites},
    )


def answers(inv, catalog, system="s", **kw) -> dict[str, tuple]:
    sov = assess(inv, catalog, as_of=AS_OF, **kw).sovereignty[f"system:{system}"]
    return {c["id"]: (c["answer"], c["seal"], c["source"]) for c in sov.criteria}


def test_us_parent_caps_legal_criteria_at_seal_1_in_an_eu_region(mini_catalog):
    inv = estate(ComponentRecord("db", system="s", provider="bigco", service="vm", region="eu-central-1", holds_data=True))

    got = answers(inv, mini_catalog)

    assert {k: got[k][:2] for k in ("SOV-1.1", "SOV-2.1", "SOV-2.2", "SOV-3.2")} == {
        "SOV-1.1": ("non-eu-control", 1), "SOV-2.1": ("compelled-access", 1),
        "SOV-2.2": ("suspension-control", 1), "SOV-3.2": ("eu", 4),
    }
    assert all(source == "catalog" for *_, source in (got[k] for k in ("SOV-1.1", "SOV-2.1", "SOV-3.2")))


def test_eu_provider_reaches_seal_3_and_scores_above_the_us_one(mini_catalog):
    eu = assess(estate(ComponentRecord("db", system="s", provider="euhost", service="vm", region="fsn1", holds_data=True)),
                mini_catalog, as_of=AS_OF).sovereignty["system:s"]
    us = assess(estate(ComponentRecord("db", system="s", provider="bigco", service="vm", region="eu-central-1", holds_data=True)),
                mini_catalog, as_of=AS_OF).sovereignty["system:s"]

    # Hardware origin is not in the catalog: SOV-5.1 stops at 3 unless an override says more.
    assert (eu.seal, us.seal) == (3, 1)
    assert [c["id"] for c in eu.criteria if c["seal"] == 3] == ["SOV-3.1", "SOV-5.1"]
    assert eu.score > us.score


def test_chinese_parent_caps_the_legal_criteria_too(bundled_catalog):
    inv = estate(ComponentRecord("oss", system="s", provider="alibaba-cloud", service="oss", region="eu-central-1", holds_data=True))

    got = answers(inv, bundled_catalog)

    assert got["SOV-1.1"][:2] == ("non-eu-entity", 0)  # contracted through a Singapore entity
    assert got["SOV-2.1"][:2] == ("compelled-access", 1)
    assert got["SOV-3.2"][:2] == ("eu", 4)


def test_sovereign_region_entity_is_indirect_control_but_the_us_law_still_caps(mini_catalog):
    inv = estate(ComponentRecord("db", system="s", provider="bigco", service="vm", region="eusc-de-east-1", holds_data=True))

    got = answers(inv, mini_catalog)

    assert got["SOV-1.1"][:2] == ("non-eu-indirect", 2)
    assert got["SOV-2.1"][:2] == ("compelled-access", 1)


def test_data_in_a_us_region_is_seal_0(mini_catalog):
    inv = estate(ComponentRecord("db", system="s", provider="bigco", service="vm", region="us-east-1", holds_data=True))

    sov = assess(inv, mini_catalog, as_of=AS_OF).sovereignty["system:s"]

    assert sov.seal == 0
    assert {(c["id"], c["answer"]) for c in sov.criteria if c["seal"] == 0} == {("SOV-2.1", "non-eu-territory")}
    assert next(c for c in sov.criteria if c["id"] == "SOV-3.2")["answer"] == "adequacy"


def test_customer_held_keys_raise_key_control_only(mini_catalog):
    plain = estate(ComponentRecord("db", system="s", provider="bigco", service="vm", region="eu-central-1", holds_data=True))
    held = estate(ComponentRecord("db", system="s", provider="bigco", service="vm", region="eu-central-1", holds_data=True,
                                  key_custody="customer-held"))

    a, b = answers(plain, mini_catalog), answers(held, mini_catalog)

    assert (a["SOV-3.1"][:2], b["SOV-3.1"][:2]) == (("provider-foreign", 1), ("customer-held", 4))
    assert a["SOV-2.1"] == b["SOV-2.1"]


def test_undeclared_key_custody_is_stated_as_an_assumption(mini_catalog):
    inv = estate(ComponentRecord("db", system="s", provider="bigco", service="vm", region="eu-central-1", holds_data=True))

    sov = assess(inv, mini_catalog, as_of=AS_OF).sovereignty["system:s"]

    keys = next(c for c in sov.criteria if c["id"] == "SOV-3.1")
    assert "provider-held keys assumed" in keys["evidence"]["assumed"]


def test_what_the_catalog_does_not_know_is_seal_0_with_unknown_evidence(mini_catalog):
    inv = estate(ComponentRecord("x", system="s", provider="nobody", service="vm", region="r1", holds_data=True))

    sov = assess(inv, mini_catalog, as_of=AS_OF).sovereignty["system:s"]

    unknown = {c["id"] for c in sov.criteria if c["answer"] == "unknown"}
    assert {"SOV-1.1", "SOV-2.1", "SOV-2.2", "SOV-5.1"} <= unknown
    assert sov.seal == 0
    assert "UNKNOWN" in next(c for c in sov.criteria if c["id"] == "SOV-1.1")["evidence"]["detail"]


def test_foreign_operator_of_an_own_site_caps_operations(mini_catalog):
    inv = estate(
        ComponentRecord("srv", system="s", site="dc"),
        sites=[SiteRecord("dc", "DC", country="NL")],
        operators=[OperatorRecord("desk", "Offshore desk", country="IN", operates=("srv",), access="support")],
    )

    got = answers(inv, mini_catalog)

    assert got["SOV-1.1"][:2] == ("own", 4)
    assert got["SOV-4.1"][:2] == ("non-eu-support", 2)
    assert got["SOV-2.1"][:2] == ("reached-no-law", 3)  # the mini catalog gives India no law


def test_system_seal_is_its_weakest_component_with_the_path_to_it(mini_catalog):
    inv = estate(
        ComponentRecord("app", system="s", provider="euhost", service="vm", region="fsn1", depends_on=("idp",)),
        ComponentRecord("idp", system="id", provider="bigco", service="iam"),
        systems=[SystemRecord("s", "S", criticality="high"), SystemRecord("id", "Identity", criticality="critical")],
    )

    result = assess(inv, mini_catalog, as_of=AS_OF)
    sov = result.sovereignty["system:s"]

    assert sov.seal == min(c["seal"] for c in sov.components) == 1
    control_plane = next(c for c in sov.criteria if c["id"] == "SOV-3.2")
    assert (control_plane["answer"], control_plane["evidence"]["component"]) == ("non-eu-control-plane", "idp")
    assert control_plane["evidence"]["path"] == ["system:s", "component:app", "component:idp", "service:bigco/iam", "country:US"]
    assert {(f["catalog"], f["key"]) for f in control_plane["evidence"]["catalog"]} >= {("services", "bigco/iam"), ("countries", "US")}
    # The score ranks the system's own stack: its one component is at an EU provider.
    assert sov.score > result.sovereignty["system:id"].score


def test_weight_presets_and_custom_weights_change_the_score_not_the_seal(mini_catalog):
    inv = estate(ComponentRecord("db", system="s", provider="bigco", service="vm", region="eu-central-1", holds_data=True))
    fw = load_framework()

    runs = {name: assess(inv, mini_catalog, as_of=AS_OF, settings=scoring_settings(ScoringSection(weights=spec)))
            .sovereignty["system:s"] for name, spec in (
                ("2025", "csf-2025"), ("2026", "csf-2026"), ("custom", {o: (1 if o == "SOV-3" else 0) for o in fw.objectives}))}

    assert {r.seal for r in runs.values()} == {1}
    assert runs["2025"].weights == "csf-2025" and runs["custom"].weights == "custom"
    sov3 = next(o for o in runs["custom"].objectives if o["id"] == "SOV-3")
    assert runs["custom"].score == sov3["score"]
    assert runs["2025"].score != runs["2026"].score


def test_framework_file_errors_name_file_line_and_field(tmp_path):
    broken = tmp_path / "csf.yaml"
    broken.write_text(FRAMEWORK_FILE.read_text().replace("default: provider-foreign", "default: provider-forein"))

    with pytest.raises(InputError) as info:
        load_framework(broken)

    assert "csf.yaml:" in str(info.value) and "field 'default'" in str(info.value) and "provider-forein" in str(info.value)


def test_framework_must_keep_the_answers_the_prefill_gives(tmp_path):
    broken = tmp_path / "csf.yaml"
    broken.write_text(FRAMEWORK_FILE.read_text().replace("      - {key: metadata-only, seal: 2,", "      - {key: meta-only, seal: 2,"))

    with pytest.raises(InputError) as info:
        load_framework(broken)

    assert "answer 'metadata-only' is missing" in str(info.value)


def write_overrides(tmp_path, body: str):
    path = tmp_path / "sovereignty.yaml"
    path.write_text(textwrap.dedent(body))
    return path


def test_overrides_with_evidence_replace_the_prefill_most_specific_first(mini_catalog, tmp_path):
    path = write_overrides(tmp_path, """\
        version: 1
        sovereignty_overrides:
          - criterion: SOV-5.1
            scope: {provider: euhost}
            answer: eu-verified
            evidence: Supply-chain audit 2026 of the hardware and firmware
            source: https://example.org/audit-2026
            as_of: 2026-06-01
          - criterion: SOV-5.1
            scope: {component: db2}
            answer: non-eu-licence
            evidence: db2 runs a licensed database engine
        """)
    fw = load_framework()
    overrides = load_overrides(path, fw)
    settings = scoring_settings(ScoringSection())
    settings = type(settings)(fw, settings.weights_name, settings.weights, overrides)
    inv = estate(ComponentRecord("db1", system="s", provider="euhost", service="vm", region="fsn1"),
                 ComponentRecord("db2", system="t", provider="euhost", service="vm", region="fsn1"),
                 systems=[SystemRecord("s", "S"), SystemRecord("t", "T")])

    result = assess(inv, mini_catalog, as_of=AS_OF, settings=settings)

    s51 = next(c for c in result.sovereignty["system:s"].criteria if c["id"] == "SOV-5.1")
    t51 = next(c for c in result.sovereignty["system:t"].criteria if c["id"] == "SOV-5.1")
    assert (s51["answer"], s51["seal"], s51["source"]) == ("eu-verified", 4, "override")
    assert s51["evidence"]["evidence"].startswith("Supply-chain audit") and s51["evidence"]["origin"].endswith("sovereignty.yaml:3")
    assert (t51["answer"], t51["source"]) == ("non-eu-licence", "override")
    assert result.sovereignty["system:s"].seal == 4


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("{criterion: SOV-9.9, scope: {provider: euhost}, answer: x, evidence: e}", "unknown criterion 'SOV-9.9'"),
        ("{criterion: SOV-5.1, scope: {provider: euhost}, answer: great, evidence: e}", "'great' is not an answer of SOV-5.1"),
        ("{criterion: SOV-5.1, scope: {provider: euhost}, answer: own}", "field 'evidence': required field is missing"),
        ("{criterion: SOV-5.1, scope: {service: vm}, answer: own, evidence: e}", "a service or region scope needs its provider"),
        ("{criterion: SOV-5.1, scope: {provder: euhost}, answer: own, evidence: e}", "field 'scope.provder': unknown field"),
    ],
)
def test_bad_overrides_are_errors_naming_file_line_and_field(tmp_path, entry, words):
    path = write_overrides(tmp_path, f"version: 1\nsovereignty_overrides:\n  - {entry}\n")

    with pytest.raises((InputError, InputErrors)) as info:
        load_overrides(path, load_framework())

    assert words in str(info.value)
    assert "sovereignty.yaml:3" in str(info.value)


def test_override_scopes_must_exist(mini_catalog, tmp_path):
    path = write_overrides(tmp_path, """\
        version: 1
        sovereignty_overrides:
          - {criterion: SOV-7.1, scope: {provider: eurohost}, answer: none, evidence: e}
          - {criterion: SOV-7.1, scope: {component: ghost}, answer: none, evidence: e}
        """)
    overrides = load_overrides(path, load_framework())

    with pytest.raises(InputErrors) as info:
        check_override_scopes(overrides, catalog=mini_catalog, components={"db": None}, sites={})

    assert {(e.line, e.reason) for e in info.value.errors} == {
        (3, "unknown provider 'eurohost'"), (4, "unknown component 'ghost'")}


def test_system_without_components_has_no_level(mini_catalog):
    inv = estate(systems=[SystemRecord("empty", "Empty")])
    G = build_graph(inv, mini_catalog)

    sov = score_sovereignty(G, "system:empty", load_framework(), catalog=mini_catalog)

    assert (sov.seal, sov.score, sov.components) == (None, None, [])


@pytest.fixture
def small(tmp_path):
    shutil.copytree(FIXTURES / "small", tmp_path / "small")
    shutil.copytree(FIXTURES / "catalog", tmp_path / "catalog")
    return tmp_path / "small"


def test_scan_reads_the_scoring_section_and_stores_sovereignty_rows(store, small):
    (small / "sovereignty.yaml").write_text(
        "version: 1\nsovereignty_overrides:\n"
        "  - {criterion: SOV-7.1, scope: {provider: euhost}, answer: eu-substantial, evidence: BSI C5 attestation 2026}\n")
    cfg = small / "sovmap.yaml"
    cfg.write_text(cfg.read_text() + "scoring:\n  weights: csf-2026\n  sovereignty_overrides: sovereignty.yaml\n")

    sid = run_scan(cfg, store, as_of=AS_OF).snapshot_id
    rows = store.scores(sid, "sovereignty")

    assert set(rows) == {"intake", "archive", "identity"}
    archive = rows["archive"]
    assert set(archive) >= {"system", "seal", "score", "objectives", "criteria", "components"}
    assert archive["weights"] == "csf-2026"
    assert all(set(o) >= {"id", "name", "weight", "score"} for o in archive["objectives"])
    assert all(set(c) >= {"id", "objective", "seal", "answer", "source", "evidence"} for c in archive["criteria"])
    assert all(set(c) >= {"component", "seal", "capped_by"} for c in archive["components"])
    assert next(c for c in archive["criteria"] if c["id"] == "SOV-7.1")["source"] == "override"
    assert store.snapshot(sid)["meta"]["scoring"]["weights"] == "csf-2026"


def test_scan_with_an_unknown_weight_preset_names_the_config_field(store, small):
    cfg = small / "sovmap.yaml"
    cfg.write_text(cfg.read_text() + "scoring:\n  weights: csf-2099\n")

    with pytest.raises(InputError) as info:
        run_scan(cfg, store, as_of=AS_OF)

    assert "sovmap.yaml" in str(info.value) and "scoring.weights" in str(info.value) and "csf-2099" in str(info.value)


def test_cli_sovereignty_table_and_json(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner.invoke(app, ["scan", "-c", str(FIXTURES / "small" / "sovmap.yaml"), "--db", db, "--as-of", "2026-11-22"])

    table = runner.invoke(app, ["sovereignty", "--db", db])
    detail = runner.invoke(app, ["sovereignty", "--system", "intake", "--db", db])
    data = json.loads(runner.invoke(app, ["sovereignty", "--db", db, "--json"]).stdout)

    assert table.exit_code == 0 and "SEAL distribution" in table.stdout
    assert detail.exit_code == 0 and "SOV-2.1" in detail.stdout
    assert {(r["system"], r["seal"]) for r in data} == {("intake", 1), ("archive", 1), ("identity", 1)}
    assert runner.invoke(app, ["sovereignty", "--system", "nope", "--db", db]).exit_code == 2
