"""The benchmark runner: every performance target of sovmap, measured and compared.

Each benchmark runs its command as a child process three times (``--runs``) and reports
the median wall time and the largest peak RSS of the child (``os.wait4``). Estates are
generated once with ``sovmap generate`` into ``--work`` and reused.

    .venv/bin/python benchmarks/run.py                 # everything
    .venv/bin/python benchmarks/run.py --only scan-100k risks-100k
    .venv/bin/python benchmarks/run.py --quick         # smaller sizes, one run (a smoke test)

The table is printed and, with ``--write``, replaces the figures in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SOVMAP = [str(BIN / "python"), "-m", "sovmap"]
PG_URL = os.environ.get("SOVMAP_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@dataclass
class Result:
    name: str
    target: str
    seconds: float | None
    peak_mb: float | None
    ok: bool | None
    note: str = ""

    def row(self) -> str:
        secs = f"{self.seconds:.2f}" if self.seconds is not None else "-"
        mem = f"{self.peak_mb:,.0f}" if self.peak_mb is not None else "-"
        verdict = {True: "met", False: "NOT met", None: "-"}[self.ok]
        return f"| {self.name} | {self.target} | {secs} | {mem} | {verdict} | {self.note} |"


def measure(cmd: list[str], *, env: dict | None = None, cwd: Path = ROOT, stdout: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run of ``cmd`` as a child process (its output to ``stdout``)."""
    sink = open(stdout, "wb") if stdout is not None else subprocess.DEVNULL  # noqa: SIM115 - closed below
    start = time.perf_counter()
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdout=sink, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        if stdout is not None:
            sink.close()
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{err[-3000:]}")
    return elapsed, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def median_of(runs: int, cmd: list[str], before=None, **kw) -> tuple[float, float]:  # noqa: ANN001
    times, peaks = [], []
    for _ in range(runs):
        if before:
            before()
        t, m = measure(cmd, **kw)
        times.append(t)
        peaks.append(m)
    return statistics.median(times), max(peaks)


def estate(work: Path, components: int, systems: int) -> Path:
    out = work / f"estate-{components}"
    if not (out / "inventory.yaml").exists():
        subprocess.run([*SOVMAP, "generate", "--out", str(out), "--components", str(components), "--systems", str(systems)],
                       check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return out / "sovmap.yaml"


def _fresh_sqlite(path: Path):
    def clear() -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    return clear


def bench_scan(work: Path, runs: int, components: int, systems: int, limit_s: float, limit_mb: float | None) -> Result:
    config = estate(work, components, systems)
    db = work / f"scan-{components}.db"
    t, m = median_of(runs, [*SOVMAP, "scan", "-c", str(config), "--db", f"sqlite:///{db}", "--as-of", "2026-11-22"],
                     before=_fresh_sqlite(db))
    ok = t <= limit_s and (limit_mb is None or m <= limit_mb)
    target = f"<= {limit_s:.0f} s" + (f", <= {limit_mb / 1024:.0f} GB" if limit_mb else "")
    return Result(f"scan {components:,} components (SQLite)", target, t, m, ok)


def bench_risks(work: Path, runs: int, components: int, systems: int) -> Result:
    config = estate(work, components, systems)
    db = work / f"risks-{components}.db"
    if not db.exists():
        measure([*SOVMAP, "scan", "-c", str(config), "--db", f"sqlite:///{db}", "--as-of", "2026-11-22"])
    t, m = median_of(runs, [*SOVMAP, "risks", "--json", "--db", f"sqlite:///{db}"])
    return Result(f"risks --json on {components:,} components", "<= 3 s", t, m, t <= 3)


def bench_postgres(work: Path, runs: int, components: int, systems: int) -> Result:
    import psycopg

    config = estate(work, components, systems)
    schema = "sovmap_bench"

    def reset() -> None:
        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.execute(f"CREATE SCHEMA {schema}")

    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    t_pg, m_pg = median_of(runs, [*SOVMAP, "scan", "-c", str(config), "--db", url, "--as-of", "2026-11-22"], before=reset)
    db = work / f"pg-ref-{components}.db"
    t_sq, _ = median_of(runs, [*SOVMAP, "scan", "-c", str(config), "--db", f"sqlite:///{db}", "--as-of", "2026-11-22"],
                        before=_fresh_sqlite(db))
    reset()
    ratio = t_pg / t_sq
    return Result(f"scan {components:,} components (PostgreSQL)", "<= 2x SQLite", t_pg, m_pg, ratio <= 2,
                  f"SQLite {t_sq:.2f} s, ratio {ratio:.2f}")


def bench_script(name: str, script: str, target: str, runs: int, work: Path, *args: str) -> Result:
    """A benchmark script of its own: its figures are in its output, kept in ``work`` and echoed."""
    path = ROOT / "benchmarks" / script
    if not path.exists():
        return Result(name, target, None, None, None, f"{script} not present")
    out = work / f"{path.stem}.out"
    t, m = median_of(runs, [str(BIN / "python"), str(path), *args], stdout=out)
    print(out.read_text(errors="replace"), file=sys.stderr)
    return Result(name, target, t, m, None, f"its own figures: {out}")


BENCHMARKS = {
    "scan-100k": lambda w, r, q: bench_scan(w, r, 10_000 if q else 100_000, 200 if q else 2_000, 10, None),
    "scan-1m": lambda w, r, q: bench_scan(w, r, 50_000 if q else 1_000_000, 500 if q else 10_000, 90, 4096),
    "risks-100k": lambda w, r, q: bench_risks(w, r, 10_000 if q else 100_000, 200 if q else 2_000),
    "postgres-100k": lambda w, r, q: bench_postgres(w, r, 10_000 if q else 100_000, 200 if q else 2_000),
    "dashboard-100k": lambda w, r, q: bench_script("dashboard overview, 100,000 components, warm", "dashboard_overview.py",
                                                    "<= 2 s warm", 1, w),
    "aws-pool": lambda w, r, q: bench_script("AWS discovery against moto: pool, sequential, Prowler", "aws_compare.py", ">= 4x faster", 1, w,
                                             *(["--resources", "2000", "--runs", "1", "--no-prowler"] if q else ["--runs", str(r)])),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS), help="run only these")
    parser.add_argument("--runs", type=int, default=3, help="runs per benchmark (median reported)")
    parser.add_argument("--quick", action="store_true", help="small sizes, one run: a smoke test of the runner")
    parser.add_argument("--work", type=Path, default=None, help="folder for generated estates (default: a temp folder)")
    parser.add_argument("--write", action="store_true", help="write the table into benchmarks/README.md")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    work = args.work or Path(tempfile.mkdtemp(prefix="sovmap-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for name in args.only or list(BENCHMARKS):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            results.append(BENCHMARKS[name](work, runs, args.quick))
        except Exception as exc:  # noqa: BLE001 - one failing benchmark must not hide the others' figures
            results.append(Result(name, "-", None, None, False, f"failed: {str(exc).splitlines()[0][:120]}"))
    header = ["| benchmark | target | median s | peak RSS MB | verdict | note |", "|---|---|---|---|---|---|"]
    table = "\n".join(header + [r.row() for r in results])
    print(table)
    if args.write:
        readme = ROOT / "benchmarks" / "README.md"
        text = readme.read_text() if readme.exists() else ""
        start, end = "<!-- figures:start -->", "<!-- figures:end -->"
        stamp = f"{start}\nMeasured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, median of {runs} run(s):\n\n{table}\n{end}"
        if start in text and end in text:
            text = text[: text.index(start)] + stamp + text[text.index(end) + len(end):]
        else:
            text += "\n" + stamp + "\n"
        readme.write_text(text)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(r.ok is not False for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
