"""The AWS connector when AWS misbehaves: throttling storms, 5xx, timeouts, resets, credentials expiring mid-scan.

The estate of ``tests/test_aws.py`` runs in moto on 127.0.0.1; a proxy in front of it
answers chosen requests as a misbehaving AWS does (the error in the service's own wire
format, an HTML page from a load balancer, no answer at all, a dropped connection) and
passes the rest through. Whatever happens, the scan ends, reads what it can, records
every gap with its reason, and the snapshot is stored as incomplete, never as complete.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
import urllib.request
import xml.sax.saxutils
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from moto.server import ThreadedMotoServer
from typer.testing import CliRunner

from connectors import ScanContext, aws
from connectors.aws.clients import ClientFactory
from inventory.store import open_store
from test_aws import MANAGEMENT, REGIONS, ROLE, Fault
from test_aws import aws_env, build_estate  # noqa: F401 - aws_env is a fixture, used by name

def _reset_moto(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=30).read()


@pytest.fixture(scope="module")
def estate(aws_env):  # noqa: F811 - the fixture aws_env
    """The estate of ``tests/test_aws.py`` in a moto of this module's own.

    moto keeps its state per process, not per server: it is emptied before the estate is
    built (another module may have built one) and after (another module may build one).
    """
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    _reset_moto(url)
    try:
        yield build_estate(url)
    finally:
        _reset_moto(url)
        server.stop()


_CREDENTIAL = re.compile(r"Credential=(?P<key>[^/]+)/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")


@dataclass
class Request:
    """What the proxy knows of a request: who signed it, for which service, region and operation."""

    number: int
    key: str | None
    service: str | None
    region: str | None
    operation: str | None
    path: str
    text: str


# What a rule tells the proxy to do with a request (None: pass it through).
Error = tuple[str, int, dict[str, str], bytes]  # ("error", status, headers, body)


class AwsWeather:
    """A proxy on 127.0.0.1 in front of moto whose ``rule`` decides, request by request, what AWS does.

    A rule returns None (pass through), ``("error", status, headers, body)``, ``("stall", seconds)``
    (answer only after that long), ``("reset",)`` (drop the connection unanswered), or
    ``("rewrite", function)`` (pass through and change the answer's body).
    """

    def __init__(self, upstream: str, rule: Callable[[Request], tuple | None]) -> None:
        self.upstream = urlsplit(upstream)
        self.rule = rule
        self.lock = threading.Lock()
        self.count = 0
        self.log: list[tuple[Request, str]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                return None

            def handle_one(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = proxy.describe(self.path, self.headers, body)
                action = proxy.rule(request) or ("pass",)
                with proxy.lock:
                    proxy.log.append((request, action[0]))
                if action[0] == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    self.close_connection = True
                    self.connection.close()
                    return
                if action[0] == "stall":
                    time.sleep(action[1])
                if action[0] == "error":
                    _, status, headers, payload = action
                else:
                    status, headers, payload = proxy.forward(self.command, self.path, self.headers, body)
                    if action[0] == "rewrite":
                        payload = action[1](payload)
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting: as it should
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_one

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def describe(self, path: str, headers, body: bytes) -> Request:
        found = _CREDENTIAL.search(headers.get("Authorization") or "")
        target = headers.get("X-Amz-Target")
        text = body.decode("utf-8", "replace")
        operation = target.rsplit(".", 1)[-1] if target else (parse_qs(text).get("Action") or [None])[0]
        with self.lock:
            self.count += 1
            number = self.count
        return Request(number, found and found.group("key"), found and found.group("service"), found and found.group("region"),
                       operation, path, text)

    def forward(self, method: str, path: str, headers, body: bytes) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=60)
        forwarded = {k: v for k, v in headers.items() if k.lower() not in ("connection", "keep-alive")}
        conn.request(method, path, body=body or None, headers=forwarded)
        answer = conn.getresponse()
        payload, status = answer.read(), answer.status
        skip = ("transfer-encoding", "connection", "content-length", "server", "date")
        kept = {k: v for k, v in answer.getheaders() if k.lower() not in skip}
        conn.close()
        return status, kept, payload

    def __enter__(self) -> AwsWeather:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


# Protocol of each signing name the connector calls, for errors in the right wire format.
PROTOCOLS = {
    "sts": "query", "organizations": "json", "ec2": "ec2", "s3": "rest-xml", "rds": "query", "dynamodb": "json",
    "lambda": "rest-json", "ecs": "json", "eks": "rest-json", "elasticache": "query", "sqs": "json", "sns": "query",
    "kinesis": "json", "kms": "json", "secretsmanager": "json", "cloudfront": "rest-xml", "route53": "rest-xml",
    "iam": "query", "sso": "json", "identitystore": "json", "cognito-idp": "json", "sagemaker": "json", "redshift": "query",
    "elasticfilesystem": "rest-json", "backup": "rest-json", "tagging": "json", "sso-admin": "json",
}


def aws_error(service: str, code: str, status: int, message: str = "") -> Error:
    """An AWS error answer for ``service`` in its protocol's wire format."""
    headers, body = Fault(service, code, status, PROTOCOLS.get(service, "json")).response()
    if message:
        body = re.sub(rb"User: [^<\"]*\(" + code.encode() + rb"\)", xml.sax.saxutils.escape(message).encode(), body)
    return ("error", status, headers, body)


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
