"""Exit time per system: the steps, the settings that drive them, the EU alternatives from the catalog."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from typer.testing import CliRunner

from analyzer import build_graph
from inventory.merge import Inventory
from inventory.records import ComponentRecord, Organization, SiteRecord, SystemRecord
from scoring import assess
from scoring.exit import ExitSettings, score_exit
from sovmap.cli import app
from sovmap.scan import run_scan

from conftest import FIXTURES

AS_OF = date(2026, 11, 22)
runner = CliRunner()


def estate(*components, criticality="critical", sites=()) -> Inventory:
    return Inventory(
        organization=Organization("Org", "NL", "EU"),
        systems={"s": SystemRecord("s", "S", criticality=criticality)},
        components={c.id: c for c in components},
        sites={s.id: s for s in sites},
    )


def steps(ex) -> dict[str, float]:
    return {b["step"]: b["days"] for b in ex.breakdown}


def test_exit_days_are_the_sum_of_their_steps(mini_catalog):
    inv = estate(
        ComponentRecord("db", system="s", provider="bigco", service="nosql", region="eu-central-1", holds_data=True, data_volume_gb=200_000),
        ComponentRecord("fn", system="s", provider="bigco", service="vm", region="eu-central-1"),
        ComponentRecord("fn2", system="s", provider="bigco", service="vm", region="eu-central-1"),
    )

    ex = score_exit(build_graph(inv, mini_catalog), "system:s")

    # One low (90) and one high (10) service, in 3 workstreams: the longest, 90, sets the pace.
    assert steps(ex) == {"notice": 60.0, "refactoring": 90.0, "overlap": -60.0, "data-transfer": 20.0, "parallel-run": 30.0}
    assert ex.days == sum(steps(ex).values()) == 140.0


def test_settings_drive_every_step(mini_catalog):
    inv = estate(ComponentRecord("db", system="s", provider="bigco", service="nosql", region="eu-central-1", holds_data=True,
                                 data_volume_gb=200_000), criticality="low")
    settings = ExitSettings(throughput_tb_per_day=50, notice_days=0, refactoring_days={"high": 1, "medium": 2, "low": 7, "unknown": 3},
                            parallel_run_days={"critical": 9, "high": 9, "medium": 9, "low": 1}, workstreams=1)

    ex = score_exit(build_graph(inv, mini_catalog), "system:s", settings=settings)

    assert steps(ex) == {"notice": 0.0, "refactoring": 7.0, "overlap": 0.0, "data-transfer": 4.0, "parallel-run": 1.0}


def test_own_sites_need_no_exit(mini_catalog):
    inv = estate(ComponentRecord("srv", system="s", site="dc", holds_data=True, data_volume_gb=5000),
                 sites=[SiteRecord("dc", "DC", country="NL")])

    ex = score_exit(build_graph(inv, mini_catalog), "system:s")

    assert (ex.days, [b["step"] for b in ex.breakdown]) == (0.0, ["none"])


def test_unknown_service_counts_as_unknown_portability(mini_catalog):
    inv = estate(ComponentRecord("x", system="s", provider="nobody", service="vm", region="r1"))

    ex = score_exit(build_graph(inv, mini_catalog), "system:s")

    assert steps(ex)["refactoring"] == 45.0
    assert "1 unknown" in ex.breakdown[1]["detail"]


def test_eu_alternatives_come_from_the_catalog_with_their_source(bundled_catalog):
    inv = estate(
        ComponentRecord("bucket", system="s", provider="aws", service="s3", region="eu-west-1", holds_data=True),
        ComponentRecord("table", system="s", provider="aws", service="dynamodb", region="eu-west-1", holds_data=True),
    )

    ex = score_exit(build_graph(inv, bundled_catalog), "system:s", catalog=bundled_catalog)

    by_service = {a["service"]: a for a in ex.eu_alternatives}
    s3 = bundled_catalog.service("aws", "s3")
    assert by_service["aws/s3"]["alternatives"] == list(s3.eu_alternatives)
    assert (by_service["aws/s3"]["from"], by_service["aws/s3"]["source"]) == ("service", s3.source)
    dynamo = bundled_catalog.service("aws", "dynamodb")
    expected_from = "service" if dynamo.eu_alternatives else "provider"
    assert by_service["aws/dynamodb"]["from"] == expected_from
    assert by_service["aws/dynamodb"]["alternatives"]


def test_the_exit_estimate_is_kept_with_the_feasibility_row(mini_catalog):
    inv = estate(ComponentRecord("db", system="s", provider="bigco", service="vm", region="eu-central-1", holds_data=True))

    rows = {(kind, key): data for kind, key, data in assess(inv, mini_catalog, as_of=AS_OF).score_rows()}

    feas = rows[("feasibility", "s")]
    assert set(feas["exit"]) == {"days", "breakdown", "eu_alternatives"}
    assert all(set(b) == {"step", "days", "detail"} for b in feas["exit"]["breakdown"])


@pytest.fixture
def small(tmp_path):
    shutil.copytree(FIXTURES / "small", tmp_path / "small")
    shutil.copytree(FIXTURES / "catalog", tmp_path / "catalog")
    return tmp_path / "small"


def test_exit_settings_in_sovmap_yaml_reach_the_stored_rows(store, small):
    cfg = small / "sovmap.yaml"
    cfg.write_text(cfg.read_text() + "scoring:\n  exit: {throughput_tb_per_day: 1, notice_days: 30, workstreams: 1}\n"
                   "  feasibility: {weights: {portability: 1, data_gravity: 0, coupling: 0, exit_plan: 0, alternatives: 0, substitutability: 0}}\n")

    sid = run_scan(cfg, store, as_of=AS_OF).snapshot_id
    intake = store.scores(sid, "feasibility", "intake")["intake"]

    got = {b["step"]: b["days"] for b in intake["exit"]["breakdown"]}
    assert (got["notice"], got["data-transfer"]) == (30.0, 4.2)  # 4,200 GB at 1 TB a day
    assert intake["score"] == 60.0  # portability only: the mean of a low (20) and a high (100) service


def test_bad_exit_settings_name_the_field(store, small):
    cfg = small / "sovmap.yaml"
    cfg.write_text(cfg.read_text() + "scoring:\n  exit: {throughput_tb_per_day: 0}\n")

    result = runner.invoke(app, ["scan", "-c", str(cfg), "--db", f"sqlite:///{small / 'x.db'}"])

    assert result.exit_code == 2
    assert "scoring.exit.throughput_tb_per_day" in result.stderr


def test_cli_exit_table_and_json(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner.invoke(app, ["scan", "-c", str(FIXTURES / "small" / "sovmap.yaml"), "--db", db])

    table = runner.invoke(app, ["exit", "--db", db])
    detail = runner.invoke(app, ["exit", "--system", "intake", "--db", db])
    data = json.loads(runner.invoke(app, ["exit", "--db", db, "--json"]).stdout)

    assert table.exit_code == 0 and detail.exit_code == 0 and "refactoring" in detail.stdout
    assert {r["system"] for r in data} == {"intake", "archive", "identity"}
    assert all(r["exit"]["days"] == round(sum(b["days"] for b in r["exit"]["breakdown"]), 1) for r in data)
