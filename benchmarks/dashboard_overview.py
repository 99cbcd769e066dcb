"""Benchmark: the dashboard and the exports on a generated estate of 100,000 components.

    .venv/bin/python benchmarks/dashboard_overview.py [--components 100000] [--systems 2000]
        [--work DIR] [--skip-exports]

1. ``sovmap generate`` writes the estate (the real catalog's providers, services and
   regions) and ``sovmap scan`` stores it in SQLite, once per ``--work`` folder;
2. the overview's data functions and figure builders are timed on their own;
3. the overview page runs in Streamlit's AppTest twice in one process: the first run fills
   the caches (cold), the second is what a user waits for once the app is warm (target:
   at most 3 s); the graph explorer and the other pages the same way;
4. every export is built once, with its size and time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ["overview", "graph", "jurisdictions", "concentration", "migration", "scenarios", "register", "exports"]


def _timed(label: str, fn, results: list):
    start = time.perf_counter()
    value = fn()
    results.append((label, time.perf_counter() - start))
    return value


def prepare(work: Path, components: int, systems: int) -> str:
    db = work / "sovmap.db"
    url = f"sqlite:///{db}"
    if db.exists():
        return url
    sovmap = [sys.executable, "-m", "sovmap"]
    subprocess.run([*sovmap, "generate", "--out", str(work), "--components", str(components), "--systems", str(systems)],
                   check=True, cwd=ROOT)
    start = time.perf_counter()
    subprocess.run([*sovmap, "scan", "-c", str(work / "sovmap.yaml"), "--db", url, "--as-of", "2026-11-22"], check=True, cwd=ROOT)
    print(f"scan: {time.perf_counter() - start:.1f} s")
    return url


def bench_data(url: str) -> list:
    from dashboards import data, figures
    from inventory.store import open_store

    store = open_store(url)
    sid = store.snapshot()["id"]
    results: list = []
    ov = _timed("data: overview", lambda: data.overview(store, sid), results)
    implicit = _timed("data: implicit findings", lambda: data.findings_frame(store, sid, "implicit"), results)
    exposure = _timed("data: exposure", lambda: data.exposure_frame(store, sid), results)
    sov = _timed("data: sovereignty", lambda: data.sovereignty_frame(store, sid), results)
    _timed("data: changes", lambda: data.changes(store, sid), results)
    _timed("figure: status donut", lambda: figures.status_donut(ov["implicit"], ov["expired"], ov["stated"]), results)
    _timed("figure: exposure bars", lambda: figures.exposure_bars(exposure, top=15), results)
    _timed("figure: SEAL bars", lambda: figures.seal_bars(sov), results)
    sg = _timed("graph: rebuild from the store", lambda: data.load_snapshot_graph(store, sid), results)
    idx = _timed("graph: estate index", lambda: data.build_estate_index(sg.graph), results)
    view = _timed("graph: estate view", lambda: data.build_graph_view(idx), results)
    _timed("figure: network", lambda: figures.network(view), results)
    print(f"implicit findings: {len(implicit):,}; systems: {len(exposure):,}; graph nodes drawn: {len(view.nodes)}")
    store.close()
    return results


def bench_pages(url: str) -> list:
    from streamlit.testing.v1 import AppTest

    os.environ["SOVMAP_DATABASE_URL"] = url
    results = []
    for page in PAGES:
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600)
        if page != "overview":
            at.switch_page(f"dashboards/pages/{page}.py")
        start = time.perf_counter()
        at.run()
        cold = time.perf_counter() - start
        start = time.perf_counter()
        at.run()
        warm = time.perf_counter() - start
        if at.exception:
            raise RuntimeError(f"{page}: {[e.value for e in at.exception]}")
        results.append((f"page {page}: cold", cold))
        results.append((f"page {page}: warm", warm))
    return results


def bench_exports(url: str, out: Path) -> list:
    from inventory.store import open_store
    from sovmap.exports import FORMATS, export_bytes

    store = open_store(url)
    sid = store.snapshot()["id"]
    rows = []
    for fmt in FORMATS:
        start = time.perf_counter()
        result = export_bytes(fmt, store, sid)
        elapsed = time.perf_counter() - start
        (out / result.file_name).write_bytes(result.content)
        rows.append((fmt, elapsed, len(result.content), result.notice))
    store.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--components", type=int, default=100_000)
    parser.add_argument("--systems", type=int, default=2_000)
    parser.add_argument("--work", type=Path, default=None, help="folder for the estate and its store (reused when present)")
    parser.add_argument("--skip-exports", action="store_true")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="sovmap-dash-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    url = prepare(work, args.components, args.systems)

    print("\n| step | seconds |\n|---|---|")
    for label, secs in bench_data(url) + bench_pages(url):
        print(f"| {label} | {secs:.2f} |")
    if not args.skip_exports:
        print("\n| export | seconds | bytes | note |\n|---|---|---|---|")
        for fmt, secs, size, notice in bench_exports(url, work):
            print(f"| {fmt} | {secs:.2f} | {size:,} | {notice or ''} |")


if __name__ == "__main__":
    main()
