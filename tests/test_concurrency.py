"""The dashboard reads while a scan writes: every read sees a whole snapshot, and nothing fails.

A real subprocess scans two estates in turn, again and again, into one store (SQLite in
WAL mode, and PostgreSQL); meanwhile threads in this process read the way the dashboard
does: the latest snapshot, then its findings, scores, records and the dashboard's data
functions. Each read must be of one complete snapshot: the rows it finds agree with the
counts the snapshot recorded, and those are the counts of one of the two estates.
"""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, ROOT
from dashboards import data
from inventory.store import SQLModel, open_store
from sovmap.generate import EstateShape, write_estate
from sovmap.scan import run_scan

SMALL = FIXTURES / "small" / "sovmap.yaml"
SCANS = 4
READERS = 3

WRITER = """
import sys
from datetime import date
from inventory.store import open_store
from sovmap.scan import run_scan
url, configs, rounds = sys.argv[1], sys.argv[2:-1], int(sys.argv[-1])
store = open_store(url)
for i in range(rounds):
    run_scan(configs[i % len(configs)], store, as_of=date(2026, 11, 22))
    print("scanned", i, flush=True)
"""


@pytest.fixture(scope="module")
def estate(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("estate")
    write_estate(EstateShape(components=1500, systems=60, seed=11), out)
    return out / "sovmap.yaml"


def _shapes(url: str, estate: Path) -> dict[tuple, str]:
    """The counts of a snapshot of each estate, from one scan of each, which also leaves the store non-empty."""
    store = open_store(url)
    shapes = {}
    for name, config in (("small", SMALL), ("estate", estate)):
        result = run_scan(config, store, as_of=date(2026, 11, 22))
        shapes[tuple(sorted(result.counts.items()))] = name
    store.close()
    return shapes


def _read_once(store, shapes: dict[tuple, str]) -> str:
    """One round of dashboard reads of the latest snapshot; raises AssertionError on anything half-written."""
    snap = store.snapshot()
    sid, counts = snap["id"], snap["counts"]
    name = shapes.get(tuple(sorted(counts.items())))
    assert name is not None, f"snapshot {sid} has counts of neither estate: {counts}"
    assert snap["status"] in ("complete", "incomplete")
    assert sid in {s["id"] for s in store.snapshots()}
    findings = store.findings(sid)
    assert len(findings) == counts["findings"], f"snapshot {sid}: {len(findings)} findings read, {counts['findings']} written"
    assert sum(store.finding_counts(sid).values()) == counts["findings"]
    exposure = store.scores(sid, "exposure")
    assert len(exposure) == counts["systems"], f"snapshot {sid}: {len(exposure)} exposure rows for {counts['systems']} systems"
    assert set(store.scores(sid, "concentration")) == {"provider", "parent", "jurisdiction"}
    frame = data.findings_frame(store, sid)
    assert len(frame) == counts["findings"]
    assert len(data.exposure_frame(store, sid)) == counts["systems"]
    view = data.overview(store, sid)
    assert (view["systems"], view["components"]) == (counts["systems"], counts["components"])
    assert view["implicit"] + view["expired"] + view["stated"] == counts["findings"]
    data.changes(store, sid)
    if name == "small":  # reading back every record of the large estate each round would starve the writer
        inv = store.load_inventory(sid)
        assert (len(inv.systems), len(inv.components), len(inv.operators)) == (
            counts["systems"], counts["components"], counts["operators"])
    return name


def _run(url: str, estate: Path) -> None:
    shapes = _shapes(url, estate)
    assert len(shapes) == 2
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, url, str(SMALL), str(estate), str(SCANS)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    store = open_store(url)
    failures: list[BaseException] = []
    seen: list[set[str]] = [set() for _ in range(READERS)]
    rounds = [0] * READERS

    def reader(n: int) -> None:
        try:
            while writer.poll() is None and not failures:
                if n == 0:
                    # As every CLI command does: open the store anew, even while a snapshot is being written.
                    fresh = open_store(url)
                    seen[n].add(_read_once(fresh, shapes))
                    fresh.close()
                else:
                    seen[n].add(_read_once(store, shapes))
                rounds[n] += 1
        except BaseException as exc:  # handed to the test thread, which fails with it
            failures.append(exc)

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(READERS)]
    for t in threads:
        t.start()
    try:
        out, err = writer.communicate(timeout=600)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
        for t in threads:
            t.join(timeout=60)
    if failures:
        raise failures[0]
    assert writer.returncode == 0, err[-3000:]
    assert out.count("scanned") == SCANS
    # Every reader read while the writer wrote, and the next read after it is whole too.
    assert all(r > 0 for r in rounds), rounds
    assert set().union(*seen) == {"small", "estate"}, seen
    assert _read_once(store, shapes) == ("small" if (SCANS - 1) % 2 == 0 else "estate")
    assert len(store.snapshots()) == SCANS + 2
    store.close()


def test_the_dashboard_reads_whole_snapshots_while_a_scan_writes_on_sqlite(tmp_path, estate):
    url = f"sqlite:///{tmp_path / 'sovmap.db'}"

    _run(url, estate)

    mode = open_store(url).engine.connect().exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"


@pytest.mark.postgres
def test_the_dashboard_reads_whole_snapshots_while_a_scan_writes_on_postgresql(pg_schema_url, estate):
    url, _schema = pg_schema_url
    try:
        _run(url, estate)
    finally:
        store = open_store(url)
        SQLModel.metadata.drop_all(store.engine)
        store.close()


def test_many_processes_opening_a_new_store_at_once_all_succeed(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    script = "import sys\nfrom inventory.store import open_store\nopen_store(sys.argv[1]).snapshots()\nprint('ok')\n"
    procs = [subprocess.Popen([sys.executable, "-c", script, url], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(6)]

    results = [p.communicate(timeout=120) for p in procs]

    assert [p.returncode for p in procs] == [0] * 6, [err[-1500:] for _, err in results]


def _open_when_released(url: str, barrier: Any, errors: Any) -> None:
    barrier.wait()
    try:
        open_store(url).snapshots()
    except Exception as exc:  # reported to the test, which names it
        errors.put(repr(exc))


def test_processes_released_together_on_a_new_sqlite_store_all_open_it(tmp_path):
    # Imports done, the processes are let go at the same instant, round after round: before
    # the switch to WAL waited for the others, about one round in fifty failed with
    # "database is locked".
    context = multiprocessing.get_context("fork")
    errors = context.Queue()
    for round_ in range(50):
        url = f"sqlite:///{tmp_path / f'fresh-{round_}.db'}"
        barrier = context.Barrier(8)
        procs = [context.Process(target=_open_when_released, args=(url, barrier, errors)) for _ in range(8)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(timeout=120)
        assert [proc.exitcode for proc in procs] == [0] * 8
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert failures == []


@pytest.mark.postgres
def test_many_processes_opening_a_new_postgresql_store_at_once_all_succeed(pg_schema_url):
    url, _schema = pg_schema_url
    script = "import sys\nfrom inventory.store import open_store\nopen_store(sys.argv[1]).snapshots()\nprint('ok')\n"
    try:
        procs = [subprocess.Popen([sys.executable, "-c", script, url], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(6)]
        results = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0] * 6, [err[-1500:] for _, err in results]
    finally:
        store = open_store(url)
        SQLModel.metadata.drop_all(store.engine)
        store.close()
