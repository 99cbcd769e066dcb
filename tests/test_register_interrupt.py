"""A risk acceptance killed with SIGKILL half-way leaves the register and the snapshots intact.

A real subprocess records acceptances with :func:`inventory.register.save_acceptance` and
is killed at the two moments that matter: with the new register written to its temporary
file but not yet in place, and with the register in place but the event not yet in the
store; and then, a few times, at whatever moment the clock says. After each kill the
register file reads back with every entry it had (and the new one whole, or not at all),
the stored snapshots are exactly as they were, and the next acceptance and the next scan
work.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT
from connectors.declared import parse_register
from inventory.register import save_acceptance
from inventory.store import open_store
from sovmap.scan import run_scan

AS_OF = date(2026, 11, 22)

WRITER = """
import os, sys, time
from datetime import date
from inventory.register import save_acceptance
from inventory.store import open_store

url, snapshot, mode, first = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
# Pause points: the only seams are the operating system's own calls the writer makes.
if mode == "before-replace":
    fsync = os.fsync
    def paused_fsync(fd):
        fsync(fd)
        print("written", flush=True)
        time.sleep(120)
    os.fsync = paused_fsync
elif mode == "after-replace":
    replace = os.replace
    def paused_replace(src, dst):
        replace(src, dst)
        print("replaced", flush=True)
        time.sleep(120)
    os.replace = paused_replace
store = open_store(url)
print("ready", flush=True)
n = first
while True:
    save_acceptance(store, snapshot, {
        "id": f"RA-K{n}", "risk": "foreign-law-access", "scope": {"system": "intake", "jurisdiction": "US"},
        "owner": "CISO", "rationale": "accepted while being killed", "decided_on": date(2026, 1, 1),
        "review_by": date(2027, 1, 1)}, by="tester")
    print("saved", n, flush=True)
    n += 1
"""


@pytest.fixture
def setup(tmp_path):
    """The small estate with its register in a file of its own, scanned once into SQLite."""
    shutil.copytree(FIXTURES / "small", tmp_path / "small")
    shutil.copytree(FIXTURES / "catalog", tmp_path / "catalog")
    url = f"sqlite:///{tmp_path / 'sovmap.db'}"
    store = open_store(url)
    result = run_scan(tmp_path / "small" / "sovmap.yaml", store, as_of=AS_OF)
    yield tmp_path / "small" / "sovmap.yaml", tmp_path / "small" / "register.yaml", url, store, result.snapshot_id
    store.close()


def _register(path: Path) -> list[tuple]:
    return [(a.id, a.risk, tuple(sorted(a.scope.items())), a.owner, a.rationale, a.decided_on, a.review_by)
            for a in parse_register((str(path), path.read_bytes()))]


def _snapshots(store) -> list[tuple]:
    return [(s["id"], s["status"], tuple(sorted(s["counts"].items()))) for s in store.snapshots()]


def _start(url: str, snapshot: int, mode: str, first: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, url, str(snapshot), mode, str(first)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    return proc


def _kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()


def _check_intact(register: Path, before: list[tuple], store, snapshots: list[tuple]) -> list[tuple]:
    """The register holds every entry it held, unchanged, and at most whole new ones after them; the snapshots are as they were."""
    after = _register(register)
    assert after[: len(before)] == before
    assert all(entry[0].startswith("RA-K") and entry[4] == "accepted while being killed" for entry in after[len(before):])
    assert _snapshots(store) == snapshots
    return after


@pytest.mark.parametrize("mode, marker", [("before-replace", "written"), ("after-replace", "replaced")])
def test_an_acceptance_killed_at_a_critical_moment_leaves_everything_readable(setup, mode, marker):
    config, register, url, store, snapshot = setup
    before, snapshots = _register(register), _snapshots(store)

    proc = _start(url, snapshot, mode, 1)
    assert proc.stdout.readline().strip() == marker
    _kill(proc)

    after = _check_intact(register, before, store, snapshots)
    if mode == "before-replace":
        assert after == before  # the new register never took the old one's place
    else:
        assert [e[0] for e in after] == [*(e[0] for e in before), "RA-K1"]  # in place, whole
        assert store.register_events() == []  # the kill came before the event was recorded
    # The next acceptance and the next scan work, the lock of the killed process notwithstanding.
    saved = save_acceptance(store, snapshot, {"id": "RA-NEXT", "risk": "data-outside-eu", "scope": {"system": "intake"},
                                              "owner": "CISO", "review_by": date(2027, 6, 1)}, by="after the kill")
    assert _register(register)[-1][0] == saved.id == "RA-NEXT"
    rescanned = subprocess.run([sys.executable, "-m", "sovmap", "scan", "-c", str(config), "--db", url, "--as-of", "2026-11-22"],
                               cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert rescanned.returncode == 0, rescanned.stderr[-3000:]
    latest = store.snapshot()
    assert latest["id"] == snapshot + 1
    assert {a["id"] for a in store.acceptances(latest["id"])} == {e[0] for e in _register(register)}


def test_acceptances_killed_at_random_moments_never_damage_the_register(setup):
    config, register, url, store, snapshot = setup
    snapshots = _snapshots(store)
    rng = random.Random(20261122)
    first = 1
    for _ in range(4):
        before = _register(register)
        proc = _start(url, snapshot, "loop", first)
        time.sleep(rng.uniform(0.05, 0.6))
        _kill(proc)
        after = _check_intact(register, before, store, snapshots)
        first += len(after) - len(before) + 1
        events = {e["acceptance_id"] for e in store.register_events()}
        assert events <= {e[0] for e in after}  # an event is recorded only for an entry in the register
    run_scan(config, store, as_of=AS_OF)
    assert {a["id"] for a in store.acceptances(store.snapshot()["id"])} == {e[0] for e in _register(register)}
    assert len(_register(register)) > 1
