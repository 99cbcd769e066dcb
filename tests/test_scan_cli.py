"""End to end: config -> scan -> store -> CLI answers, on a small estate and on bad input."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sovmap.cli import app
from sovmap.errors import InputError, InputErrors
from sovmap.scan import run_scan

from conftest import FIXTURES

SMALL = FIXTURES / "small"
AS_OF = date(2026, 11, 22)
runner = CliRunner()


@pytest.fixture
def estate(tmp_path) -> Path:
    """A writable copy of the small estate, with the mini catalog beside it."""
    shutil.copytree(SMALL, tmp_path / "small")
    shutil.copytree(FIXTURES / "catalog", tmp_path / "catalog")
    return tmp_path / "small"


def test_scan_stores_a_snapshot_with_findings_and_register_status(store):
    result = run_scan(SMALL / "sovmap.yaml", store, as_of=AS_OF)

    findings = {(f["type"], f["system"], f["scope"].get("jurisdiction"), f["status"]) for f in store.findings(result.snapshot_id)}
    assert ("foreign-law-access", "intake", "US", "expired") in findings  # RA-1 review date has passed
    assert ("foreign-law-access", "archive", "US", "implicit") in findings  # archive depends on intake
    assert ("operator-access", "archive", "IN", "implicit") in findings
    assert not any(t == "unattributed-resource" for t, *_ in findings)  # intake-fn attributed by the account rule
    inv = store.load_inventory(result.snapshot_id)
    assert inv.components["intake-fn"].system == "intake"
    assert result.counts["components"] == 5


def test_rescanning_the_same_input_gives_the_same_answers(store):
    a = run_scan(SMALL / "sovmap.yaml", store, as_of=AS_OF).snapshot_id
    b = run_scan(SMALL / "sovmap.yaml", store, as_of=AS_OF).snapshot_id

    strip = lambda rows: [{k: v for k, v in r.items() if k != "snapshot_id"} for r in rows]  # noqa: E731
    assert strip(store.findings(a)) == strip(store.findings(b))
    assert store.snapshot(a)["digest"] == store.snapshot(b)["digest"]


@pytest.mark.parametrize(
    ("mutation", "words"),
    [
        (lambda t: t.replace("depends_on: [intake-db]", "depends_on: [no-such-db]"), "unknown component 'no-such-db'"),
        (lambda t: t.replace("id: archive-srv", "id: archive-store"), "duplicate id"),
        (lambda t: t.replace("system: archive, site: dc1", "system: nowhere, site: dc1"), "unknown system 'nowhere'"),
        (lambda t: "", "empty"),
        (lambda t: t.replace("holds_data: true, data_volume_gb: 4200", "holds_data: true, data_volume_gb: many"), "data_volume_gb"),
    ],
)
def test_bad_input_stores_nothing_and_keeps_the_last_snapshot(store, estate, mutation, words):
    good = run_scan(estate / "sovmap.yaml", store, as_of=AS_OF).snapshot_id
    before = (store.snapshots(), store.findings(good))
    inv_file = estate / "inventory.yaml"
    inv_file.write_text(mutation(inv_file.read_text()))

    with pytest.raises((InputError, InputErrors)) as info:
        run_scan(estate / "sovmap.yaml", store, as_of=AS_OF)

    assert words in str(info.value)
    assert "inventory.yaml" in str(info.value)
    assert (store.snapshots(), store.findings(good)) == before


def test_unknown_provider_and_region_are_findings_not_errors(store, estate):
    inv_file = estate / "inventory.yaml"
    inv_file.write_text(inv_file.read_text().replace("provider: euhost, service: vm, region: fsn1", "provider: acme, service: vm, region: x1"))

    sid = run_scan(estate / "sovmap.yaml", store, as_of=AS_OF).snapshot_id

    assert ("unknown-provider", "archive-store") in {(f["type"], f["scope"].get("component")) for f in store.findings(sid)}


def test_bad_config_names_the_config_line(estate, tmp_path):
    cfg = estate / "sovmap.yaml"
    cfg.write_text(cfg.read_text().replace("type: declared", "type: declard"))

    result = runner.invoke(app, ["scan", "-c", str(cfg), "--db", f"sqlite:///{tmp_path / 'x.db'}"])

    assert result.exit_code == 2
    assert "sovmap.yaml:4: sources[0]: field 'type': unknown source type 'declard'" in result.stderr


def test_cli_scan_and_json_contracts(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"

    scanned = runner.invoke(app, ["scan", "-c", str(SMALL / "sovmap.yaml"), "--db", db, "--as-of", "2026-11-22", "--json"])
    exposure = runner.invoke(app, ["exposure", "--db", db, "--json"])
    concentration = runner.invoke(app, ["concentration", "--by", "provider", "--db", db, "--json"])
    risks = runner.invoke(app, ["risks", "--db", db, "--json"])

    assert scanned.exit_code == 0, scanned.output
    assert json.loads(scanned.stdout)["snapshot"] == 1
    rows = json.loads(exposure.stdout)
    assert {r["system"] for r in rows} == {"intake", "archive", "identity"}
    intake = next(r for r in rows if r["system"] == "intake")
    assert set(intake) >= {"system", "name", "criticality", "data_countries", "jurisdictions"}
    assert intake["data_countries"] == ["DE"]
    us = next(j for j in intake["jurisdictions"] if j["code"] == "US")
    assert set(us) >= {"code", "laws", "via"} and "us-cloud-act" in us["laws"]
    conc = json.loads(concentration.stdout)
    assert set(conc) == {"by", "hhi", "band", "shares"} and conc["by"] == "provider"
    assert 0 <= conc["hhi"] <= 10000
    assert abs(sum(s["share"] for s in conc["shares"]) - 1) < 1e-3
    findings = json.loads(risks.stdout)
    assert all(set(f) >= {"id", "type", "system", "severity", "status", "evidence"} for f in findings)
    assert {f["status"] for f in findings} <= {"stated", "expired", "implicit"}


def test_cli_tables_render(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner.invoke(app, ["scan", "-c", str(SMALL / "sovmap.yaml"), "--db", db])

    for args in (["exposure"], ["concentration", "--by", "parent"], ["risks", "--status", "implicit"], ["snapshots"], ["connectors"]):
        result = runner.invoke(app, [*args, "--db", db] if args != ["connectors"] else args)
        assert result.exit_code == 0, (args, result.output)
    assert "accepted without being stated" in runner.invoke(app, ["risks", "--db", db]).stdout


def test_cli_on_an_empty_store_says_to_scan_first(tmp_path):
    result = runner.invoke(app, ["risks", "--db", f"sqlite:///{tmp_path / 'empty.db'}"])

    assert result.exit_code == 2
    assert "run 'sovmap scan" in result.stderr


def test_database_url_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SOVMAP_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")

    assert runner.invoke(app, ["scan", "-c", str(SMALL / "sovmap.yaml")]).exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_a_tag_naming_an_undeclared_system_leaves_the_resource_unattributed(store, estate):
    inv_file = estate / "inventory.yaml"
    inv_file.write_text(inv_file.read_text().replace(
        "{id: archive-store, system: archive, provider: euhost, service: vm, region: fsn1, holds_data: true, tags: {system: archive}}",
        "{id: archive-store, provider: euhost, service: vm, region: fsn1, holds_data: true, tags: {system: archiv}}"))

    sid = run_scan(estate / "sovmap.yaml", store, as_of=AS_OF).snapshot_id

    found = [f for f in store.findings(sid) if f["type"] == "unattributed-resource"]
    assert [(f["scope"]["component"], f["evidence"]["note"]) for f in found] == [
        ("archive-store", "tag 'system' names system 'archiv', which no source declares")]


def test_an_attribution_rule_naming_an_unknown_system_is_a_config_error(store, estate):
    cfg = estate / "sovmap.yaml"
    cfg.write_text(cfg.read_text().replace("system: intake", "system: intkae"))

    with pytest.raises(InputError, match=r"attribution.rules\[0\]: field 'system': unknown system 'intkae'"):
        run_scan(cfg, store, as_of=AS_OF)


def test_prune_lists_deletes_and_compacts_and_waits_for_no_writer(tmp_path):
    path = tmp_path / "x.db"
    db = f"sqlite:///{path}"
    for _ in range(4):
        assert runner.invoke(app, ["scan", "-c", str(SMALL / "sovmap.yaml"), "--db", db, "--as-of", "2026-11-22"]).exit_code == 0

    planned = runner.invoke(app, ["prune", "--keep", "2", "--dry-run", "--json", "--db", db])
    assert planned.exit_code == 0, planned.output
    assert [r["id"] for r in json.loads(planned.output)["deleted"]] == [1, 2]
    assert len(json.loads(runner.invoke(app, ["snapshots", "--json", "--db", db]).output)) == 4

    # Snapshots made just now are not older than a day: nothing goes.
    assert "nothing to delete" in runner.invoke(app, ["prune", "--keep", "1", "--older-than", "1", "--db", db]).output

    # A scan holding the store's write lock for longer than the wait: nothing is deleted, and the message says so.
    from sqlalchemy import create_engine

    writer = create_engine(db).connect()
    writer.exec_driver_sql("BEGIN IMMEDIATE")
    held = runner.invoke(app, ["prune", "--keep", "1", "--db", db])
    writer.rollback()
    writer.close()
    assert held.exit_code == 2
    assert "could not delete snapshots; nothing was deleted: database is locked" in held.output
    assert len(json.loads(runner.invoke(app, ["snapshots", "--json", "--db", db]).output)) == 4

    def size() -> int:  # the file and its write-ahead log
        return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())

    before = size()
    done = runner.invoke(app, ["prune", "--keep", "1", "--compact", "--db", db])
    assert done.exit_code == 0, done.output
    assert "deleted 3 snapshot(s)" in done.output
    assert [s["id"] for s in json.loads(runner.invoke(app, ["snapshots", "--json", "--db", db]).output)] == [4]
    assert size() < before / 2
    assert runner.invoke(app, ["risks", "--json", "--db", db]).exit_code == 0
    assert runner.invoke(app, ["prune", "--keep", "0", "--db", db]).exit_code == 2  # refused by the option's minimum
