"""Benchmark: an AWS scan of about 50,000 resources served by a local moto server.

    .venv/bin/python benchmarks/aws_scan.py [--resources 50000] [--accounts 3]
        [--regions eu-west-1,eu-central-1,eu-north-1] [--workers 8]

1. ``python -m moto.server`` starts on a free port in a child process;
2. a second child process loads the resources with boto3 (an Organization with member
   accounts; SQS queues, SNS topics, S3 buckets, DynamoDB tables and KMS keys spread over
   the accounts and regions, a third of them tagged), on a pool of threads;
3. this process runs the connector's ``fetch`` and ``normalize`` against the server and
   reports the wall time of each and the peak resident memory (``resource.getrusage``).

The server and the loader run in processes of their own, so the memory reported is the
connector's alone (plus the interpreter and the libraries it imports).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROLE = "OrganizationAccountAccessRole"
KEYS = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}

#: Share of each resource type in the estate; every one of them costs one call to make.
MIX = {"sqs": 0.40, "sns": 0.30, "s3": 0.10, "dynamodb": 0.10, "kms": 0.10}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the moto server did not answer on port {port} within {timeout:.0f} s")


def load(url: str, total: int, accounts: int, regions: list[str], threads: int) -> dict:
    """Make the estate (runs in a child process): returns the number made per type."""
    import boto3
    from botocore.config import Config

    config = Config(max_pool_connections=threads * 2, retries={"mode": "standard", "total_max_attempts": 5})

    def client(service: str, region: str, creds: dict | None = None):
        return boto3.client(service, region_name=region, endpoint_url=url, config=config,
                            aws_access_key_id=(creds or {}).get("key", KEYS["AWS_ACCESS_KEY_ID"]),
                            aws_secret_access_key=(creds or {}).get("secret", KEYS["AWS_SECRET_ACCESS_KEY"]),
                            aws_session_token=(creds or {}).get("token"))

    org = client("organizations", "us-east-1")
    org.create_organization(FeatureSet="ALL")
    creds: list[dict | None] = [None]
    sts = client("sts", "us-east-1")
    for i in range(1, accounts):
        account = org.create_account(Email=f"member-{i}@example.org", AccountName=f"member-{i}")["CreateAccountStatus"]["AccountId"]
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="loader")["Credentials"]
        creds.append({"key": c["AccessKeyId"], "secret": c["SecretAccessKey"], "token": c["SessionToken"]})
    clients = {(kind, r, a): client(kind, r, creds[a]) for kind in MIX for r in regions for a in range(accounts)}
    table = {"KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
             "BillingMode": "PAY_PER_REQUEST"}

    def make(job: tuple[str, int]) -> None:
        kind, n = job
        a, r = n % accounts, regions[(n // accounts) % len(regions)]
        c = clients[(kind, r, a)]
        tagged = n % 3 == 0
        if kind == "sqs":
            c.create_queue(QueueName=f"q-{n}", **({"tags": {"system": "intake"}} if tagged else {}))
        elif kind == "sns":
            c.create_topic(Name=f"t-{n}", **({"Tags": [{"Key": "system", "Value": "intake"}]} if tagged else {}))
        elif kind == "s3":
            c.create_bucket(Bucket=f"bench-{n}-a{a}", CreateBucketConfiguration={"LocationConstraint": r})
        elif kind == "dynamodb":
            c.create_table(TableName=f"table-{n}", **table)
        elif kind == "kms":
            # An elliptic-curve signing key: moto makes an RSA key pair for every symmetric key,
            # which would make loading the slow part of the benchmark.
            c.create_key(Description=f"key {n}", KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")

    jobs = [(kind, n) for kind, share in MIX.items() for n in range(int(total * share))]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(make, jobs, chunksize=64))
    made: dict[str, int] = {}
    for kind, _ in jobs:
        made[kind] = made.get(kind, 0) + 1
    return made


def _rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=50_000)
    parser.add_argument("--accounts", type=int, default=3)
    parser.add_argument("--regions", default="eu-west-1,eu-central-1,eu-north-1")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--load-threads", type=int, default=16)
    parser.add_argument("--load", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    regions = args.regions.split(",")
    if args.load:
        print(json.dumps(load(args.load, args.resources, args.accounts, regions, args.load_threads)))
        return

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        started = time.perf_counter()
        loaded = subprocess.run(
            [sys.executable, __file__, "--load", url, "--resources", str(args.resources), "--accounts", str(args.accounts),
             "--regions", args.regions, "--load-threads", str(args.load_threads)],
            check=True, capture_output=True, text=True,
        )
        made = json.loads(loaded.stdout.strip().splitlines()[-1])
        load_seconds = time.perf_counter() - started

        os.environ.update(KEYS, AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        sys.path.insert(0, str(ROOT))
        from connectors import ScanContext, aws

        params = aws.Params(endpoint_url=url, assume_role=ROLE, regions=regions, workers=args.workers,
                            services=["sqs", "sns", "s3", "dynamodb", "kms", "tagging"])
        baseline = _rss_mb()
        started = time.perf_counter()
        raw = aws.fetch(params, ScanContext())
        fetched = time.perf_counter()
        batch = aws.normalize(raw, params)
        normalized = time.perf_counter()
        peak = _rss_mb()
    finally:
        server.terminate()
        server.wait(timeout=30)

    gaps = [c for c in batch.coverage if c.status != "read"]
    report = {
        "resources_loaded": sum(made.values()),
        "loaded_by_type": made,
        "accounts": args.accounts,
        "regions": len(regions),
        "workers": args.workers,
        "components": len(batch.components),
        "reads": sum(1 for c in batch.coverage if c.scope.count("/") == 2),
        "coverage_gaps": len(gaps),
        "load_seconds": round(load_seconds, 1),
        "fetch_seconds": round(fetched - started, 1),
        "normalize_seconds": round(normalized - fetched, 2),
        "rss_before_mb": round(baseline, 1),
        "peak_rss_mb": round(peak, 1),
    }
    print(json.dumps(report, indent=2))
    if gaps:
        print("gaps:", *(f"{c.scope}: {c.status} {c.detail}" for c in gaps[:10]), sep="\n  ", file=sys.stderr)


if __name__ == "__main__":
    main()
