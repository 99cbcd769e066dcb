"""Drift between snapshots: components added, removed or moved, jurisdictions gained, findings new and resolved."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from typer.testing import CliRunner

from analyzer.drift import diff_snapshots
from sovmap.cli import app
from sovmap.errors import StoreError
from sovmap.scan import run_scan

from conftest import FIXTURES

AS_OF = date(2026, 11, 22)
runner = CliRunner()


@pytest.fixture
def small(tmp_path):
    shutil.copytree(FIXTURES / "small", tmp_path / "small")
    shutil.copytree(FIXTURES / "catalog", tmp_path / "catalog")
    return tmp_path / "small"


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_moving_a_store_to_a_us_region_is_drift_with_new_findings(store, small):
    a = run_scan(small / "sovmap.yaml", store, as_of=AS_OF).snapshot_id
    inv = small / "inventory.yaml"
    edit(inv, "provider: euhost, service: vm, region: fsn1", "provider: bigco, service: vm, region: us-east-1")
    edit(inv, "  - {id: idp,", "  - {id: idp-backup, system: identity, site: dc1}\n  - {id: idp,")
    b = run_scan(small / "sovmap.yaml", store, as_of=AS_OF).snapshot_id

    d = diff_snapshots(store, a, b)

    assert (d["from"]["snapshot"], d["to"]["snapshot"]) == (a, b)
    assert [c["component"] for c in d["components"]["added"]] == ["idp-backup"]
    assert d["components"]["removed"] == []
    assert {(m["component"], m["from"]["region"], m["to"]["region"], tuple(m["changed"])) for m in d["components"]["moved"]} == {
        ("archive-store", "fsn1", "us-east-1", ("provider", "region"))}
    gained = {(g["system"], g["jurisdiction"], tuple(v["kind"] for v in g["via"])) for g in d["jurisdictions"]["gained"]}
    assert ("archive", "US", ("location",)) in gained  # the US reached archive before, through intake; now it holds its data
    assert "data-outside-eu:archive:US" in {f["id"] for f in d["findings"]["new"]}
    assert d["jurisdictions"]["lost"] == [] or all(not j["foreign"] for j in d["jurisdictions"]["lost"])


def test_resolved_and_changed_findings(store, small):
    a = run_scan(small / "sovmap.yaml", store, as_of=AS_OF).snapshot_id
    edit(small / "inventory.yaml", "operates: [archive-srv], access: support", "operates: [], access: support")
    edit(small / "register.yaml", "review_by: 2026-03-01", "review_by: 2027-03-01")
    b = run_scan(small / "sovmap.yaml", store, as_of=AS_OF).snapshot_id

    d = diff_snapshots(store, a, b)

    assert "operator-access:archive:IN" in {f["id"] for f in d["findings"]["resolved"]}
    changed = {f["id"]: f["changes"] for f in d["findings"]["changed"]}
    assert changed["foreign-law-access:intake:US"]["status"] == {"from": "expired", "to": "stated"}


def test_defaults_compare_the_latest_with_the_one_before(store, small):
    run_scan(small / "sovmap.yaml", store, as_of=AS_OF)
    run_scan(small / "sovmap.yaml", store, as_of=AS_OF)
    last = run_scan(small / "sovmap.yaml", store, as_of=AS_OF).snapshot_id

    d = diff_snapshots(store)

    assert (d["from"]["snapshot"], d["to"]["snapshot"]) == (last - 1, last)
    assert d["components"] == {"added": [], "removed": [], "moved": []}
    assert d["findings"] == {"new": [], "resolved": [], "changed": []}


def test_a_single_snapshot_has_nothing_to_compare_with(store, small):
    run_scan(small / "sovmap.yaml", store, as_of=AS_OF)

    with pytest.raises(StoreError, match="nothing to compare"):
        diff_snapshots(store)


def test_cli_diff(small, tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner.invoke(app, ["scan", "-c", str(small / "sovmap.yaml"), "--db", db, "--as-of", "2026-11-22"])
    lonely = runner.invoke(app, ["diff", "--db", db])
    edit(small / "inventory.yaml", "provider: euhost, service: vm, region: fsn1", "provider: bigco, service: vm, region: us-east-1")
    runner.invoke(app, ["scan", "-c", str(small / "sovmap.yaml"), "--db", db, "--as-of", "2026-11-22"])

    table = runner.invoke(app, ["diff", "--db", db])
    data = json.loads(runner.invoke(app, ["diff", "1", "2", "--db", db, "--json"]).stdout)

    assert lonely.exit_code == 2 and "nothing to compare" in lonely.stderr
    assert table.exit_code == 0 and "1 moved" in table.stdout
    assert set(data) == {"from", "to", "components", "systems", "jurisdictions", "findings"}
