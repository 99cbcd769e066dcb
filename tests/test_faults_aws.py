"""The AWS connector when AWS misbehaves: throttling storms, 5xx, timeouts, resets, credentials expiring mid-scan.

The estate of ``tests/test_aws.py`` runs in moto on 127.0.0.1; a proxy in front of it
answers chosen requests as a misbehaving AWS does (the error in the service's own wire
format, an HTML page from a load balancer, no answer at all, a dropped connection) and
passes the rest through. Whatever happens, the scan ends, reads what it can, records
every gap with its reason, and the snapshot is stored as incomplete, never as complete.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from connectors import ScanContext, aws
from connectors.aws.clients import ClientFactory
from inventory.store import open_store
from localaws import MANAGEMENT, PROTOCOLS, ROLE, AwsWeather, Request, aws_error
from localaws import aws_env  # noqa: F401 - a fixture, used by name
from test_aws import REGIONS
from test_aws import estate  # noqa: F401 - a fixture: the estate of tests/test_aws.py, in a moto of this module's own


def _scan(params: aws.Params) -> tuple[dict, object, float]:
    started = time.perf_counter()
    clients = ClientFactory(aws.client_settings(params))
    raw = aws.fetch(params, ScanContext(workers=8), clients=clients)
    return raw, aws.normalize(raw, params), time.perf_counter() - started


def _gaps(batch) -> dict[str, tuple[str, str]]:
    return {c.scope: (c.status, c.detail or "") for c in batch.coverage if c.status != "read"}


def _is_read(request: Request) -> bool:
    """A request of the estate's reads, not of discovery itself (identity, accounts, regions, roles)."""
    return request.service not in (None, "sts", "organizations") and not (request.service == "ec2" and request.operation == "DescribeRegions")


# --- throttling and server errors -----------------------------------------------------------------


def test_a_throttling_storm_ends_with_every_throttled_read_recorded_and_the_rest_read(estate):
    storm = {"dynamodb": "ThrottlingException", "sqs": "RequestThrottled", "kms": "ThrottlingException", "sns": "Throttling",
             "s3": "SlowDown", "ec2": "RequestLimitExceeded"}

    def rule(r: Request):
        if r.service in storm and _is_read(r):
            return aws_error(r.service, storm[r.service], 503 if r.service == "s3" else 400)
        return None

    with AwsWeather(estate.url, rule) as proxy:
        params = aws.Params(endpoint_url=proxy.url, regions=REGIONS, max_attempts=3,
                            services=["dynamodb", "sqs", "kms", "sns", "s3", "ebs", "rds", "iam"])
        raw, batch, took = _scan(params)

    gaps = _gaps(batch)
    throttled = {f"{MANAGEMENT}/{r}/{s}" for r in REGIONS for s in ("dynamodb", "sqs", "kms", "sns", "ebs")} | {f"{MANAGEMENT}/global/s3"}
    assert set(gaps) == throttled
    assert all(status == "failed" and "still throttled" in detail and "after 3 attempt(s)" in detail for status, detail in gaps.values())
    assert {c.service for c in batch.components} >= {"rds", "iam"}  # what was not throttled is read
    assert not any(c.service in ("dynamodb", "sqs", "kms", "sns", "s3", "ebs") for c in batch.components)
    assert took < 120


@pytest.mark.parametrize("status, code, body", [
    (500, "InternalError", None),
    (503, "ServiceUnavailable", None),
    (502, None, b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
    (504, None, b""),
])
def test_server_errors_and_error_pages_become_failed_reads_with_the_status(estate, status, code, body):
    def rule(r: Request):
        if r.service in ("sqs", "dynamodb") and r.region == REGIONS[1]:
            if code is not None:
                return aws_error(r.service, code, status)
            return ("error", status, {"Content-Type": "text/html"}, body)
        return None

    with AwsWeather(estate.url, rule) as proxy:
        params = aws.Params(endpoint_url=proxy.url, regions=REGIONS, max_attempts=2, services=["sqs", "dynamodb"])
        _, batch, _ = _scan(params)

    gaps = _gaps(batch)
    assert set(gaps) == {f"{MANAGEMENT}/{REGIONS[1]}/sqs", f"{MANAGEMENT}/{REGIONS[1]}/dynamodb"}
    for status_, detail in gaps.values():
        assert status_ == "failed"
        assert (code or str(status)) in detail
    assert {c.region for c in batch.components if c.service == "sqs"} == {REGIONS[0]}


# --- timeouts and dropped connections ------------------------------------------------------------------


def test_an_endpoint_that_stops_answering_times_out_and_the_scan_goes_on(estate):
    def rule(r: Request):
        return ("stall", 3) if r.service == "sqs" and r.region == REGIONS[0] else None

    with AwsWeather(estate.url, rule) as proxy:
        params = aws.Params(endpoint_url=proxy.url, regions=REGIONS, max_attempts=2, read_timeout=1, connect_timeout=1,
                            services=["sqs", "kms"])
        _, batch, took = _scan(params)

    gaps = _gaps(batch)
    assert set(gaps) == {f"{MANAGEMENT}/{REGIONS[0]}/sqs"}
    assert gaps[f"{MANAGEMENT}/{REGIONS[0]}/sqs"][0] == "failed"
    assert "timeout" in gaps[f"{MANAGEMENT}/{REGIONS[0]}/sqs"][1].lower()
    assert {c.region for c in batch.components if c.service == "kms"} >= {REGIONS[0]}
    assert took < 30


def test_connections_dropped_without_an_answer_become_failed_reads(estate):
    def rule(r: Request):
        return ("reset",) if r.service == "kms" else None

    with AwsWeather(estate.url, rule) as proxy:
        params = aws.Params(endpoint_url=proxy.url, regions=REGIONS[:2], max_attempts=2, services=["kms", "sqs"])
        _, batch, _ = _scan(params)

    gaps = _gaps(batch)
    assert set(gaps) == {f"{MANAGEMENT}/{r}/kms" for r in REGIONS[:2]}
    assert all(s == "failed" and ("Connection" in d or "connection" in d) for s, d in gaps.values()), gaps


# --- credentials expiring in the middle of a scan -------------------------------------------------------


def test_credentials_that_expire_mid_scan_leave_the_reads_after_it_failed_with_the_reason(estate):
    member = estate.member_a
    uses: dict[str, int] = {}

    def rule(r: Request):
        # The caller's own account is read with its own keys (AKIA...); member A through the role, whose
        # temporary keys (ASIA...) work for four calls and then, every time, say the token expired.
        if r.service == "sts" or not (r.key or "").startswith("ASIA"):
            return None
        uses[r.key] = uses.get(r.key, 0) + 1
        if uses[r.key] <= 4:
            return None
        code = "ExpiredToken" if PROTOCOLS.get(r.service) in ("query", "ec2", "rest-xml") else "ExpiredTokenException"
        return aws_error(r.service, code, 400, "The security token included in the request is expired")

    with AwsWeather(estate.url, rule) as proxy:
        params = aws.Params(endpoint_url=proxy.url, assume_role=ROLE, accounts=[MANAGEMENT, member], regions=REGIONS,
                            max_attempts=2, workers=1, services=["sqs", "kms", "dynamodb", "iam", "s3"])
        _, batch, _ = _scan(params)

    gaps = _gaps(batch)
    assert gaps, "nothing failed: the expiry never happened"
    assert all(scope.startswith(member) for scope in gaps), gaps
    assert all(status == "failed" and "ExpiredToken" in detail and "expired" in detail for status, detail in gaps.values()), gaps
    read = {c.scope for c in batch.coverage if c.status == "read"}
    assert any(scope.startswith(member) for scope in read)  # what was read before the expiry is kept
    assert all(f"{MANAGEMENT}/{r}/{s}" in read for r in REGIONS for s in ("sqs", "kms", "dynamodb"))
    assert {c.account for c in batch.components} == {MANAGEMENT, member}


def test_a_role_whose_credentials_come_back_already_expired_is_a_gap_not_a_crash(estate):
    member = estate.member_b
    past = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def rule(r: Request):
        # STS answers the role for member B with credentials that expired two hours ago (or a clock far ahead).
        if r.service == "sts" and r.operation == "AssumeRole" and member in r.text:
            return ("rewrite", lambda body: re.sub(rb"<Expiration>[^<]+</Expiration>", f"<Expiration>{past}</Expiration>".encode(), body))
        return None

    with AwsWeather(estate.url, rule) as proxy:
        params = aws.Params(endpoint_url=proxy.url, assume_role=ROLE, accounts=[MANAGEMENT, member], regions=REGIONS[:1],
                            max_attempts=2, services=["sqs", "iam"])
        _, batch, _ = _scan(params)

    gaps = _gaps(batch)
    assert set(gaps) == {member}
    assert gaps[member][0] == "failed" and "expired" in gaps[member][1]
    assert {c.account for c in batch.components} == {MANAGEMENT}


# --- the stored snapshot --------------------------------------------------------------------------------

INVENTORY = "version: 1\norganization: {name: Example Customs Agency, country: NL}\nsystems:\n  - {id: intake, name: Intake}\n"


def test_a_scan_through_a_storm_is_stored_as_incomplete_and_shown_so(estate, tmp_path):
    from dashboards import data
    from sovmap.cli import app

    def rule(r: Request):
        if r.service == "dynamodb":
            return aws_error(r.service, "ThrottlingException", 400)
        if r.service == "sqs" and r.region == REGIONS[1]:
            return ("error", 503, {"Content-Type": "text/html"}, b"<html>Service Unavailable</html>")
        return None

    (tmp_path / "inventory.yaml").write_text(INVENTORY)
    db = f"sqlite:///{tmp_path / 'sovmap.db'}"
    runner = CliRunner()
    with AwsWeather(estate.url, rule) as proxy:
        (tmp_path / "sovmap.yaml").write_text(
            "version: 1\nsources:\n  - {type: declared, path: inventory.yaml}\n"
            f"  - {{type: aws, regions: [{', '.join(REGIONS)}], endpoint_url: '{proxy.url}', max_attempts: 2, "
            "services: [dynamodb, sqs, kms]}\n"
        )
        scanned = runner.invoke(app, ["scan", "-c", str(tmp_path / "sovmap.yaml"), "--db", db, "--json"])

    assert scanned.exit_code == 0, scanned.output
    summary = json.loads(scanned.stdout)
    store = open_store(db)
    snap = store.snapshot(summary["snapshot"])
    assert (summary["status"], snap["status"]) == ("incomplete", "incomplete")
    gaps = {(c["scope"], c["status"]) for c in snap["coverage"] if c["status"] != "read"}
    assert gaps == {*((f"{MANAGEMENT}/{r}/dynamodb", "failed") for r in REGIONS), (f"{MANAGEMENT}/{REGIONS[1]}/sqs", "failed")}
    assert {(g["scope"], g["status"]) for g in data.overview(store, snap["id"])["coverage_gaps"]} == gaps
    shown = runner.invoke(app, ["coverage", "--db", db, "--json"])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["status"] == "incomplete"
    listed = runner.invoke(app, ["snapshots", "--db", db, "--json"])
    assert [s["status"] for s in json.loads(listed.stdout)] == ["incomplete"]
    store.close()
