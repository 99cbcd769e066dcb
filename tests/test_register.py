"""Accepting a risk from sovmap: appended to the register file with who and when, never silently."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime

import pytest
from conftest import FIXTURES

from inventory.register import save_acceptance
from sovmap.errors import InputError, InputErrors
from sovmap.scan import run_scan

AS_OF = date(2026, 11, 22)
AT = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
ENTRY = {
    "id": "RA-2026-10", "risk": "foreign-law-access", "scope": {"system": "archive", "jurisdiction": "IN"},
    "owner": "CISO", "rationale": "Support desk abroad accepted until the 2027 contract renewal",
    "decided_on": date(2026, 11, 22), "review_by": date(2027, 11, 22),
}


@pytest.fixture()
def project(tmp_path):
    """A copy of the small fixture whose register file can be written."""
    folder = tmp_path / "small"
    shutil.copytree(FIXTURES / "small", folder)
    shutil.copytree(FIXTURES / "catalog", tmp_path / "catalog")
    return folder


def _scan(project, store):
    return run_scan(project / "sovmap.yaml", store, as_of=AS_OF).snapshot_id


def test_an_acceptance_is_appended_with_who_and_when_and_recorded(project, store):
    sid = _scan(project, store)
    register = project / "register.yaml"
    before = register.read_bytes()

    saved = save_acceptance(store, sid, ENTRY, by="Ada Lovelace", at=AT)

    after = register.read_bytes()
    assert after.startswith(before)  # every byte of the file, comments included, kept
    assert b"recorded_by: Ada Lovelace" in after
    events = store.register_events()
    assert {(e["acceptance_id"], e["action"], e["by"], e["snapshot_id"]) for e in events} == {
        ("RA-2026-10", "accept", "Ada Lovelace", sid)}
    assert saved.file == register and saved.recorded_at == AT


def test_the_next_scan_reads_the_acceptance_and_states_the_finding(project, store):
    sid = _scan(project, store)
    finding = "foreign-law-access:archive:IN"
    assert next(f for f in store.findings(sid) if f["id"] == finding)["status"] == "implicit"

    save_acceptance(store, sid, ENTRY, by="Ada Lovelace", at=AT)
    second = _scan(project, store)

    assert next(f for f in store.findings(second) if f["id"] == finding)["status"] == "stated"
    entry = next(a for a in store.acceptances(second) if a["id"] == "RA-2026-10")
    assert entry["recorded_by"] == "Ada Lovelace"
    assert entry["recorded_at"].replace(tzinfo=UTC) == AT


def test_an_id_already_in_the_register_is_refused_and_nothing_changes(project, store):
    sid = _scan(project, store)
    register = project / "register.yaml"
    before = register.read_bytes()

    with pytest.raises(InputError, match="already in the register; nothing was changed") as exc:
        save_acceptance(store, sid, dict(ENTRY, id="RA-1"), by="Ada Lovelace")

    assert exc.value.field == "id"
    assert register.read_bytes() == before
    assert store.register_events() == []


def test_an_invalid_entry_names_its_fields_and_changes_nothing(project, store):
    sid = _scan(project, store)
    register = project / "register.yaml"
    before = register.read_bytes()
    bad = dict(ENTRY, risk="not-a-risk", owner=None, decided_on=date(2027, 1, 1), review_by=date(2026, 1, 1))

    with pytest.raises(InputErrors) as exc:
        save_acceptance(store, sid, bad, by="Ada Lovelace")

    assert {e.field for e in exc.value.errors} >= {"risk", "owner"}
    assert register.read_bytes() == before


def test_who_records_it_must_be_given(project, store):
    sid = _scan(project, store)

    with pytest.raises(InputError, match="who records"):
        save_acceptance(store, sid, ENTRY, by="  ")


def test_a_config_without_a_register_file_is_named(project, store):
    config = project / "sovmap.yaml"
    config.write_text(config.read_text().replace("risk_register: register.yaml\n", ""))
    sid = _scan(project, store)

    with pytest.raises(InputError) as exc:
        save_acceptance(store, sid, ENTRY, by="Ada Lovelace")

    assert exc.value.field == "risk_register" and exc.value.file.endswith("sovmap.yaml")


@pytest.mark.parametrize(("text", "problem"), [
    ("version: 1\nrisk_register: []\n", "inline list"),
    ("risk_register:\n  - {id: RA-1, risk: foreign-law-access, scope: {system: intake}, owner: CISO}\nversion: 1\n",
     "other keys follow"),
])
def test_a_register_that_cannot_be_appended_to_is_refused_not_rewritten(project, store, text, problem):
    sid = _scan(project, store)
    register = project / "register.yaml"
    register.write_text(text)

    with pytest.raises(InputError, match=problem):
        save_acceptance(store, sid, ENTRY, by="Ada Lovelace")

    assert register.read_text() == text


def test_a_register_without_entries_gets_its_list(project, store):
    sid = _scan(project, store)
    register = project / "register.yaml"
    register.write_text("# the agency's register\nversion: 1\n")

    save_acceptance(store, sid, ENTRY, by="Ada Lovelace", at=AT)

    text = register.read_text()
    assert text.startswith("# the agency's register\nversion: 1\nrisk_register:\n  - id: RA-2026-10\n")


def test_hostile_text_is_kept_as_text(project, store):
    sid = _scan(project, store)
    rationale = "=cmd|' /C calc'!A0\n<script>alert(1)</script>: {not: yaml}\n- not a list"

    save_acceptance(store, sid, dict(ENTRY, rationale=rationale), by="Ada: <b>Lovelace</b>", at=AT)
    second = _scan(project, store)

    entry = next(a for a in store.acceptances(second) if a["id"] == "RA-2026-10")
    assert (entry["rationale"], entry["recorded_by"]) == (rationale, "Ada: <b>Lovelace</b>")
