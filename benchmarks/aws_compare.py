"""Benchmark: AWS discovery of 20,000 resources in 17 regions, served by a local moto server.

    .venv/bin/python benchmarks/aws_compare.py [--resources 20000] [--runs 3] [--workers N]
        [--regions us-east-1,eu-west-1,...] [--latency-ms 25] [--no-prowler] [--require-target]

Side by side, against the same moto server on 127.0.0.1, the same estate and the same regions:

1. sovmap's AWS connector (``fetch``, then ``normalize``) with its default worker pool;
2. the same connector with ``workers=1``: one call at a time;
3. Prowler's quick inventory (``prowler aws --quick-inventory -f <regions>``), from a
   virtual environment of its own (``--prowler-venv``, created with ``python3 -m venv``
   and ``pip install prowler`` on first use, never the project's), pointed at the server
   with ``AWS_ENDPOINT_URL`` and dummy credentials.

The estate (one account; SQS queues, SNS topics, S3 buckets, DynamoDB tables, KMS keys,
Secrets Manager secrets and EBS volumes spread over the regions, a third of them tagged)
is made inside the server's own process through moto's in-process mock before the server
answers: several times faster than over HTTP, and the very state the server then serves.
An untimed sovmap run first warms the server (moto reads each service's model on its
first request).

Every run is a child process. The table gives its wall time (median of ``--runs`` for
sovmap, one run of Prowler), the connector's ``fetch`` time, the CPU seconds of the run
and of the moto server during it, and what each found. CPU seconds say where the time
went: when sovmap and moto together need C CPU seconds, the sequential run takes at
least C and a pool on K cores at least C / K, so on 2 cores no pool can be more than 2x
faster against a local server. ``--latency-ms`` adds a phase in which the server waits
that long before each answer, as a network round trip to AWS does; there the pool's
concurrency, not the CPU, decides.

Exit status: 0 when every run completed and read everything; 1 when a run failed, timed
out or left coverage gaps (or, with ``--require-target``, when the pool is less than
``--target`` times faster than the sequential run).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEYS = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
PROWLER = "prowler==5.46.0"
CONTROL = "/_bench/latency"

#: The 17 regions every AWS account has enabled without opting in.
REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
    "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1",
    "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
)

#: Share of each resource type in the estate.
MIX = {"sqs": 0.25, "sns": 0.20, "s3": 0.10, "dynamodb": 0.10, "kms": 0.10, "secretsmanager": 0.15, "ebs": 0.10}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _loopback_env() -> dict[str, str]:
    """This environment without AWS settings (a profile, an endpoint, a region) and with no proxy for loopback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {**env, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a running process so far (Linux); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- the server (a child process) --------------------------------------------------------


def make_estate(total: int, regions: list[str]) -> dict[str, int]:
    """Make the estate in this process's moto backends: the number made per type."""
    import boto3
    from moto import mock_aws

    mock = mock_aws()
    mock.start()
    clients = {(kind, r): boto3.client("ec2" if kind == "ebs" else kind, region_name=r) for kind in MIX for r in regions}
    table = {"KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
             "BillingMode": "PAY_PER_REQUEST"}
    tag = {"Key": "system", "Value": "intake"}
    made: dict[str, int] = {}
    for kind, share in MIX.items():
        for n in range(int(total * share)):
            region = regions[n % len(regions)]
            c = clients[(kind, region)]
            tagged = n % 3 == 0
            if kind == "sqs":
                c.create_queue(QueueName=f"q-{n}", **({"tags": {"system": "intake"}} if tagged else {}))
            elif kind == "sns":
                c.create_topic(Name=f"t-{n}", **({"Tags": [tag]} if tagged else {}))
            elif kind == "s3":
                where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
                c.create_bucket(Bucket=f"bench-{n}", **where)
                if tagged:
                    c.put_bucket_tagging(Bucket=f"bench-{n}", Tagging={"TagSet": [tag]})
            elif kind == "dynamodb":
                c.create_table(TableName=f"table-{n}", **table, **({"Tags": [tag]} if tagged else {}))
            elif kind == "kms":
                # An elliptic-curve signing key: moto makes an RSA key pair for every symmetric key.
                c.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY",
                             **({"Tags": [{"TagKey": "system", "TagValue": "intake"}]} if tagged else {}))
            elif kind == "secretsmanager":
                c.create_secret(Name=f"secret-{n}", SecretString="x", **({"Tags": [tag]} if tagged else {}))
            elif kind == "ebs":
                spec = [{"ResourceType": "volume", "Tags": [tag]}] if tagged else []
                c.create_volume(AvailabilityZone=f"{region}a", Size=1, TagSpecifications=spec)
            made[kind] = made.get(kind, 0) + 1
    # Keep the backends: the server started next serves them.
    mock.stop(remove_data=False)
    return made


def serve(port: int, total: int, regions: list[str]) -> None:
    """Make the estate, serve it on 127.0.0.1:port, say so on stdout, and stop when stdin closes.

    ``POST /_bench/latency?ms=N`` makes the server wait N ms before each later answer.
    """
    import logging

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    os.environ.update(KEYS, AWS_DEFAULT_REGION="us-east-1")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    started = time.perf_counter()
    made = make_estate(total, regions)
    load_seconds = time.perf_counter() - started

    moto_app = DomainDispatcherApplication(create_backend_app)
    delay = [0.0]

    def app(environ, start_response):
        if environ.get("PATH_INFO") == CONTROL:
            delay[0] = float(environ.get("QUERY_STRING", "ms=0").partition("=")[2] or 0) / 1000
            start_response("204 No Content", [])
            return [b""]
        if delay[0]:
            time.sleep(delay[0])  # releases the GIL: concurrent requests wait side by side, as on a network
        return moto_app(environ, start_response)

    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"made": made, "load_seconds": round(load_seconds, 1)}), flush=True)
    # The parent holds our stdin: when it exits, however it exits, so does the server.
    sys.stdin.read()
    server.shutdown()


# -- one sovmap discovery (a child process) ---------------------------------------------


def discover(url: str, workers: int | None, regions: list[str]) -> dict:
    """Run the connector once against ``url``: times and what it found."""
    os.environ.update(KEYS, AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    sys.path.insert(0, str(ROOT))
    from connectors import ScanContext, aws

    params = aws.Params(endpoint_url=url, regions=regions, workers=workers)
    ctx = ScanContext()
    started = time.perf_counter()
    raw = aws.fetch(params, ctx)
    fetched = time.perf_counter()
    batch = aws.normalize(raw, params)
    normalized = time.perf_counter()
    by_service: dict[str, int] = {}
    for record in batch.components:
        by_service[record.service] = by_service.get(record.service, 0) + 1
    return {
        "workers": workers or ctx.workers,
        "fetch_seconds": fetched - started,
        "normalize_seconds": normalized - fetched,
        "reads": sum(1 for c in batch.coverage if c.scope.count("/") == 2),
        "found": len(batch.components),
        "by_service": by_service,
        "gaps": [f"{c.scope}: {c.status} {c.detail}" for c in batch.coverage if c.status != "read"],
    }


# -- the parent ------------------------------------------------------------------------


@dataclass
class Run:
    """One timed child process."""

    wall: float
    cpu: float
    server_cpu: float | None
    fetch: float | None = None
    found: int | None = None
    by_service: dict[str, int] = field(default_factory=dict)
    note: str = ""


def _timed(cmd: list[str], server_pid: int, timeout: float, log: Path, env: dict | None = None) -> tuple[Run, str]:
    """Run ``cmd`` as a child (stderr to ``log``): its wall and CPU seconds, the server's CPU seconds meanwhile, its stdout."""
    before = _cpu_seconds(server_pid)
    with tempfile.TemporaryFile() as out, open(log, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**_loopback_env(), **(env or {})}, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                raise RuntimeError(f"{Path(cmd[0]).name} {' '.join(cmd[1:4])} ... did not finish within {timeout:.0f} s")
            time.sleep(0.05)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        after = _cpu_seconds(server_pid)
        out.seek(0)
        stdout = out.read().decode(errors="replace")
    if proc.returncode != 0:
        stderr = log.read_text(errors="replace")
        raise RuntimeError(f"{Path(cmd[0]).name} {' '.join(cmd[1:4])} ... exited with {proc.returncode}:\n{stderr[-3000:]}")
    server = after - before if before is not None and after is not None else None
    return Run(wall, usage.ru_utime + usage.ru_stime, server), stdout


def _sovmap(url: str, workers: int | None, regions: list[str], server_pid: int, timeout: float, work: Path) -> Run:
    cmd = [sys.executable, __file__, "--discover", url, "--regions", ",".join(regions)]
    if workers:
        cmd += ["--workers", str(workers)]
    run, stdout = _timed(cmd, server_pid, timeout, work / "sovmap.log")
    report = json.loads(stdout.strip().splitlines()[-1])
    if report["gaps"]:
        raise RuntimeError(f"sovmap left {len(report['gaps'])} coverage gap(s): " + "; ".join(report["gaps"][:5]))
    run.fetch, run.found, run.by_service = report["fetch_seconds"], report["found"], report["by_service"]
    run.note = f"{report['workers']} worker(s), {report['reads']} reads, normalize {report['normalize_seconds']:.2f} s"
    return run


def ensure_prowler(venv: Path, spec: str) -> Path:
    """The ``prowler`` executable of ``venv``, creating the environment and installing ``spec`` if needed."""
    exe = venv / "bin" / "prowler"
    if exe.exists():
        return exe
    print(f"creating {venv} and installing {spec} (once) ...", file=sys.stderr, flush=True)
    subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
    # Never committed: everything in it is ignored.
    (venv / ".gitignore").write_text("*\n")
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", spec], check=True, stdout=subprocess.DEVNULL)
    return exe


_LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) .*Initializing AWS provider", re.MULTILINE)


def _prowler(exe: Path, url: str, regions: list[str], server_pid: int, timeout: float, work: Path) -> Run:
    out = work / "prowler-output"
    log = work / "prowler.log"
    env = {
        **KEYS, "AWS_ENDPOINT_URL": url, "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "NO_COLOR": "1",
    }
    cmd = [str(exe), "aws", "--quick-inventory", "-f", *regions, "-o", str(out), "--no-banner", "--log-level", "INFO"]
    started = datetime.now()
    run, stdout = _timed(cmd, server_pid, timeout, log, env=env)
    text = log.read_text(errors="replace") + stdout
    inventories = sorted(out.glob("prowler-inventory-*.json"))
    if not inventories:
        raise RuntimeError(f"Prowler wrote no inventory; its last output:\n{text[-3000:]}")
    resources = json.loads(inventories[-1].read_text())
    for item in resources:
        run.by_service[item["AWS_Service"]] = run.by_service.get(item["AWS_Service"], 0) + 1
    run.found = len(resources)
    errors = [line for line in text.splitlines() if " ERROR: " in line or " CRITICAL: " in line]
    # Prowler spends its first seconds loading its checks and compliance frameworks, the
    # same for any estate: the time from "Initializing AWS provider" on is the inventory's.
    match = _LOG_TIME.search(text)
    if match:
        provider = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f")
        run.fetch = max(0.0, run.wall - (provider - started).total_seconds())
    run.note = "start-up (checks, compliance frameworks) not in the inventory time" + (
        f"; {len(errors)} error line(s), first: {errors[0][-200:]}" if errors else "")
    return run


def _set_latency(url: str, ms: float) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{url}{CONTROL}?ms={ms:g}", method="POST"), timeout=10).close()


def _median(runs: list[Run]) -> Run:
    """The run of median wall time (the lower one of an even number): its fields stay one observation."""
    return sorted(runs, key=lambda r: r.wall)[(len(runs) - 1) // 2]


def _row(name: str, run: Run | None, runs: int, note: str = "") -> str:
    if run is None:
        return f"| {name} | - | - | - | - | - | {note} |"
    fetch = f"{run.fetch:.1f}" if run.fetch is not None else "-"
    server = f"{run.server_cpu:.1f}" if run.server_cpu is not None else "-"
    found = f"{run.found:,}" if run.found is not None else "-"
    return f"| {name} | {run.wall:.1f} ({runs}) | {fetch} | {run.cpu:.1f} | {server} | {found} | {note or run.note} |"


def _kinds(by_service: dict[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in sorted(by_service.items(), key=lambda kv: (-kv[1], kv[0])))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=20_000)
    parser.add_argument("--regions", default=",".join(REGIONS))
    parser.add_argument("--runs", type=int, default=3, help="runs of each sovmap mode (median reported)")
    parser.add_argument("--workers", type=int, default=None, help="the pooled run's workers (default: the connector's)")
    parser.add_argument("--target", type=float, default=4.0, help="how many times faster the pool should be")
    parser.add_argument("--require-target", action="store_true", help="exit 1 when the pool misses --target")
    parser.add_argument("--latency-ms", type=float, default=0, help="also run both modes with this delay per answer")
    parser.add_argument("--no-prowler", action="store_true")
    parser.add_argument("--prowler-venv", type=Path, default=ROOT / "benchmarks" / ".venv-prowler")
    parser.add_argument("--prowler-spec", default=PROWLER)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds any one run may take")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--discover", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    regions = args.regions.split(",")
    if args.serve:
        serve(args.serve, args.resources, regions)
        return 0
    if args.discover:
        print(json.dumps(discover(args.discover, args.workers, regions)))
        return 0

    work = Path(tempfile.mkdtemp(prefix="sovmap-aws-compare-"))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server_log = open(work / "moto.log", "wb")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), "--resources", str(args.resources), "--regions", args.regions],
                              cwd=ROOT, env=_loopback_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=server_log)
    installer: threading.Thread | None = None
    prowler_exe: list[Path | Exception] = []
    if not args.no_prowler:
        # Installing Prowler (first time only) overlaps with making the estate.
        def install() -> None:
            try:
                prowler_exe.append(ensure_prowler(args.prowler_venv, args.prowler_spec))
            except (OSError, subprocess.CalledProcessError) as exc:
                prowler_exe.append(exc)
        installer = threading.Thread(target=install)
        installer.start()
    failures: list[str] = []
    rows: list[str] = []
    estate: dict = {"made": {}}
    pool = seq = prowler = None
    speedup = 0.0
    try:
        print(f"making {args.resources:,} resources in {len(regions)} regions inside the moto server ...", file=sys.stderr, flush=True)
        ready, _, _ = select.select([server.stdout], [], [], args.timeout)
        if not ready:
            raise RuntimeError(f"the moto server did not make the estate within {args.timeout:.0f} s")
        line = server.stdout.readline()
        if not line:
            raise RuntimeError(f"the moto server stopped: {(work / 'moto.log').read_text(errors='replace')[-3000:]}")
        estate = json.loads(line)
        print(f"made in {estate['load_seconds']} s: {_kinds(estate['made'])}", file=sys.stderr, flush=True)

        print("warm-up run (not timed) ...", file=sys.stderr, flush=True)
        _sovmap(url, args.workers, regions, server.pid, args.timeout, work)
        pooled: list[Run] = []
        sequential: list[Run] = []
        for i in range(args.runs):
            # Alternate the modes so that a change in the machine's load falls on both.
            print(f"run {i + 1}/{args.runs}: pooled, sequential ...", file=sys.stderr, flush=True)
            pooled.append(_sovmap(url, args.workers, regions, server.pid, args.timeout, work))
            sequential.append(_sovmap(url, 1, regions, server.pid, args.timeout, work))
        pool, seq = _median(pooled), _median(sequential)
        speedup = statistics.median(r.fetch for r in sequential) / statistics.median(r.fetch for r in pooled)
        rows.append(_row("sovmap, pooled", pool, args.runs))
        rows.append(_row("sovmap, sequential (workers=1)", seq, args.runs))

        if args.latency_ms:
            _set_latency(url, args.latency_ms)
            print(f"with {args.latency_ms:g} ms per answer: pooled, sequential ...", file=sys.stderr, flush=True)
            slow_pool = _sovmap(url, args.workers, regions, server.pid, args.timeout, work)
            slow_seq = _sovmap(url, 1, regions, server.pid, args.timeout, work)
            _set_latency(url, 0)
            rows.append(_row(f"sovmap, pooled, {args.latency_ms:g} ms per answer", slow_pool, 1))
            rows.append(_row(f"sovmap, sequential, {args.latency_ms:g} ms per answer", slow_seq, 1,
                             f"{slow_seq.fetch / slow_pool.fetch:.1f}x slower than pooled"))

        if installer is not None:
            installer.join()
            if isinstance(prowler_exe[0], Exception):
                failures.append(f"Prowler could not be installed: {prowler_exe[0]}")
                rows.append(_row("Prowler --quick-inventory", None, 1, f"not installed: {prowler_exe[0]}"))
            else:
                print("Prowler quick inventory ...", file=sys.stderr, flush=True)
                try:
                    prowler = _prowler(prowler_exe[0], url, regions, server.pid, args.timeout, work)
                    rows.append(_row("Prowler --quick-inventory", prowler, 1))
                except RuntimeError as exc:
                    failures.append(f"Prowler: {exc}")
                    rows.append(_row("Prowler --quick-inventory", None, 1, f"failed: {str(exc).splitlines()[0][:200]}"))
    except RuntimeError as exc:
        failures.append(str(exc))
    finally:
        if installer is not None:
            installer.join()
        server.stdin.close()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stdout.close()
        server_log.close()

    cores = os.cpu_count() or 1
    if rows:
        print(f"\nAWS discovery: {sum(estate['made'].values()):,} resources in {len(regions)} regions, one account, "
              f"moto {_version('moto')} on 127.0.0.1, {cores} cores\n")
        print("| run | wall s (runs) | fetch / inventory s | CPU s | moto CPU s | found | note |")
        print("|---|---|---|---|---|---|---|")
        print("\n".join(rows))
    met = None
    if pool is not None:
        met = speedup >= args.target
        # Python code holds the GIL: each process runs it on one core at a time, whatever its threads.
        floor = max(pool.cpu, pool.server_cpu or 0, (pool.cpu + (pool.server_cpu or 0)) / cores)
        print(f"\npool vs sequential (median fetch): {speedup:.2f}x; target >= {args.target:g}x: {'met' if met else 'NOT met'}")
        print(f"CPU per pooled run: sovmap {pool.cpu:.1f} s + moto {pool.server_cpu or 0:.1f} s. Each is one Python process "
              f"(one core at a time for Python code) on {cores} cores, so a pooled run takes at least {floor:.1f} s; "
              f"the sequential fetch took {seq.fetch:.1f} s: at most {seq.fetch / floor:.1f}x faster against this server")
        print(f"sovmap found: {_kinds(pool.by_service)}")
        if prowler is not None:
            print(f"Prowler found: {_kinds(prowler.by_service)}")
            print(f"Prowler whole command / sovmap pooled whole run: {prowler.wall / pool.wall:.1f}x; "
                  f"Prowler inventory phase / sovmap fetch: {(prowler.fetch or prowler.wall) / pool.fetch:.1f}x")
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    shutil.rmtree(work, ignore_errors=True)
    if failures or (args.require_target and met is False):
        return 1
    return 0


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    raise SystemExit(main())
