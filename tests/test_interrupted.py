"""A scan killed with SIGKILL in the middle of writing leaves the last snapshot intact.

A real subprocess runs ``sovmap scan`` on a generated estate; the test waits until the
snapshot is being written (the SQLite write-ahead log grows, or PostgreSQL shows the
COPY of the components), kills it with SIGKILL, and checks that the store holds exactly
what it held before and that the next scan works.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT
from inventory.store import open_store
from sovmap.generate import EstateShape, write_estate


@pytest.fixture(scope="module")
def big_estate(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("estate")
    write_estate(EstateShape(components=40_000, systems=400, seed=7), out)
    return out / "sovmap.yaml"


def _scan(config: Path, db: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sovmap", "scan", "-c", str(config), "--db", db, "--as-of", "2026-11-22"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def _state(store) -> tuple:
    snaps = store.snapshots()
    return tuple((s["id"], s["status"], tuple(sorted(s["counts"].items()))) for s in snaps), [
        len(store.load_inventory(s["id"]).components) for s in snaps
    ]


def _kill_when(proc: subprocess.Popen, writing, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the scan ended before it was killed: {proc.stderr.read().decode(errors='replace')[-2000:]}")
        if writing():
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            proc.stderr.close()
            return
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    proc.stderr.close()
    pytest.fail("the scan never started writing")


def test_sigkill_during_a_sqlite_write(tmp_path, big_estate):
    db_path = tmp_path / "s.db"
    url = f"sqlite:///{db_path}"
    store = open_store(url)
    from datetime import date

    from sovmap.scan import run_scan

    run_scan(FIXTURES / "small" / "sovmap.yaml", store, as_of=date(2026, 11, 22))
    before = _state(store)
    wal = Path(str(db_path) + "-wal")
    base = wal.stat().st_size if wal.exists() else 0

    proc = _scan(big_estate, url)
    _kill_when(proc, lambda: wal.exists() and wal.stat().st_size > base + 4 * 1024 * 1024)

    store.close()
    store = open_store(url)
    assert _state(store) == before
    again = subprocess.run(
        [sys.executable, "-m", "sovmap", "scan", "-c", str(FIXTURES / "small" / "sovmap.yaml"), "--db", url],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert len(store.snapshots()) == len(before[0]) + 1
    store.close()


@pytest.mark.postgres
def test_sigkill_during_a_postgres_write(pg_schema_url, big_estate):
    import psycopg

    url, schema = pg_schema_url
    store = open_store(url)
    from datetime import date

    from sovmap.scan import run_scan

    run_scan(FIXTURES / "small" / "sovmap.yaml", store, as_of=date(2026, 11, 22))
    before = _state(store)

    def writing() -> bool:
        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test") as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE query ILIKE 'COPY components%%' AND pid <> pg_backend_pid()"
            ).fetchone()
        return row[0] > 0

    proc = _scan(big_estate, url)
    _kill_when(proc, writing)

    assert _state(store) == before
    store.close()
    from inventory.store import SQLModel

    s = open_store(url)
    SQLModel.metadata.drop_all(s.engine)
    s.close()
