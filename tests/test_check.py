"""``sovmap check`` in a pipeline: fails on a new implicit risk, passes once the register states it."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from sovmap.cli import app

from conftest import FIXTURES

runner = CliRunner()


@pytest.fixture
def small(tmp_path):
    shutil.copytree(FIXTURES / "small", tmp_path / "small")
    shutil.copytree(FIXTURES / "catalog", tmp_path / "catalog")
    return tmp_path / "small"


def scan(small, db):
    result = runner.invoke(app, ["scan", "-c", str(small / "sovmap.yaml"), "--db", db, "--as-of", "2026-11-22", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["snapshot"]


def check(db, *args):
    return runner.invoke(app, ["check", "--db", db, *args])


def test_new_implicit_risk_fails_the_pipeline_until_the_register_states_it(small, tmp_path):
    db = f"sqlite:///{tmp_path / 'ci.db'}"
    scan(small, db)
    scan(small, db)
    assert check(db).exit_code == 0  # nothing new since the previous snapshot

    inv = small / "inventory.yaml"
    inv.write_text(inv.read_text().replace(
        "  - {id: idp,", "  - {id: archive-replica, system: archive, provider: bigco, service: vm, region: us-east-1, holds_data: true}\n"
                        "  - {id: idp,"))
    scan(small, db)
    failed = check(db)

    assert failed.exit_code == 1
    assert "check failed" in failed.stdout and "Archive: data stored in US" in failed.stdout

    register = small / "register.yaml"
    register.write_text(register.read_text() + (
        "  - id: RA-2\n    risk: data-outside-eu\n    scope: {system: archive, jurisdiction: US}\n    owner: CISO\n"
        "    rationale: Replica for the US partner, accepted until the partner exchange moves\n    review_by: 2027-06-30\n"))
    scan(small, db)
    passed = check(db)

    assert passed.exit_code == 0, passed.output
    assert "check passed" in passed.stdout


def test_first_snapshot_counts_every_implicit_risk_as_new(small, tmp_path):
    db = f"sqlite:///{tmp_path / 'ci.db'}"
    sid = scan(small, db)

    result = check(db, "--json")

    data = json.loads(result.stdout)
    assert result.exit_code == 1
    assert (data["snapshot"], data["baseline"], data["passed"]) == (sid, None, False)
    assert len(data["failures"]["new-implicit"]) == data["counts"]["implicit"] > 0


@pytest.mark.parametrize(("rule", "expect"), [("expired", 1), ("stale", 0), ("implicit", 1)])
def test_fail_on_rules(small, tmp_path, rule, expect):
    db = f"sqlite:///{tmp_path / 'ci.db'}"
    scan(small, db)

    result = check(db, "--fail-on", rule, "--json")

    assert result.exit_code == expect
    assert json.loads(result.stdout)["fail_on"] == [rule]


def test_several_rules_and_an_explicit_baseline(small, tmp_path):
    db = f"sqlite:///{tmp_path / 'ci.db'}"
    first = scan(small, db)
    scan(small, db)
    scan(small, db)

    data = json.loads(check(db, "--fail-on", "new-implicit", "--fail-on", "expired", "--baseline", str(first), "--json").stdout)

    assert data["baseline"] == first
    assert (len(data["failures"]["new-implicit"]), len(data["failures"]["expired"])) == (0, 1)
    assert data["failures"]["expired"][0]["acceptance_id"] == "RA-1"


def test_check_can_scan_first(small, tmp_path):
    db = f"sqlite:///{tmp_path / 'ci.db'}"
    scan(small, db)

    result = check(db, "-c", str(small / "sovmap.yaml"), "--as-of", "2026-11-22", "--json")

    data = json.loads(result.stdout)
    assert result.exit_code == 0 and (data["snapshot"], data["baseline"]) == (2, 1)


@pytest.mark.parametrize(("args", "words"), [(["--fail-on", "everything"], "--fail-on must be one of"),
                                             (["--baseline", "99"], "no snapshot 99")])
def test_bad_check_arguments_exit_2(small, tmp_path, args, words):
    db = f"sqlite:///{tmp_path / 'ci.db'}"
    scan(small, db)

    result = check(db, *args)

    assert result.exit_code == 2 and words in result.stderr


def test_stale_register_entries_in_risks(small, tmp_path):
    db = f"sqlite:///{tmp_path / 'ci.db'}"
    register = small / "register.yaml"
    register.write_text(register.read_text() + (
        "  - id: RA-OLD\n    risk: data-outside-eu\n    scope: {system: archive}\n    owner: CIO\n    review_by: 2027-01-01\n"))
    scan(small, db)

    table = runner.invoke(app, ["risks", "--db", db])
    stale = json.loads(runner.invoke(app, ["risks", "--stale", "--db", db, "--json"]).stdout)
    failed = check(db, "--fail-on", "stale")

    assert "stale: RA-OLD" in table.stdout
    assert [(e["id"], e["risk"], e["scope"]) for e in stale] == [("RA-OLD", "data-outside-eu", {"system": "archive"})]
    assert failed.exit_code == 1 and "RA-OLD" in failed.stdout
