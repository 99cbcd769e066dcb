"""The Azure connector when Azure misbehaves: throttling storms, 5xx, timeouts, resets, tokens lost mid-scan.

The local HTTPS server of ``tests/test_azure.py`` (Entra ID, ARM and Resource Graph replaying
recorded answers) is given weather: chosen requests are answered with 429s that do not end,
server errors in ARM's format or a gateway's HTML page, no answer in time, a dropped
connection, or a token endpoint that stops issuing tokens half-way. Whatever happens, the
scan ends, keeps what it read, records every gap with its reason, and the snapshot is
stored as incomplete, never as complete.
"""

from __future__ import annotations

import datetime
import json
import socket
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from connectors import ScanContext, azure
from sovmap.errors import SovmapError
from test_azure import CLIENT_ID, DATA, GRAPH, LEGACY, PROD, SECRET, TENANT, TOKEN, FakeAzure

ARM_ERROR = {"error": {"code": "InternalServerError", "message": "Encountered internal server error. Diagnostic information: x."}}


class StormyAzure(FakeAzure):
    """The replaying server, with a ``weather`` that may answer a request otherwise.

    ``weather(method, path, body)`` returns None (the recorded answer), ``("status", code, body, headers)``,
    ``("stall", seconds)`` (the recorded answer, late) or ``("reset",)`` (no answer, connection dropped).
    ``tokens`` bounds how many tokens the token endpoint issues (then it refuses the client secret,
    as Entra ID does once a secret has expired), ``token_lifetime`` how long each is valid.
    """

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.weather: Callable[[str, str, bytes], tuple | None] = lambda method, path, body: None
        self.tokens: int | None = None
        self.token_lifetime: int | None = None
        self.issued = 0

    def handle(self, h, method: str, body: bytes) -> None:
        path = urlsplit(h.path).path.lower()
        if path == f"/{TENANT}/oauth2/v2.0/token" and method == "POST":
            if self.tokens is not None and self.issued >= self.tokens:
                self.requests.append({"method": method, "path": path, "query": {}, "at": time.monotonic(), "authorization": None,
                                      "body": body})
                error = {"error": "invalid_client", "error_codes": [7000222],
                         "error_description": "AADSTS7000222: The provided client secret keys for app are expired."}
                return h._send(401, json.dumps(error).encode())
            self.issued += 1
            if self.token_lifetime is not None:
                self.requests.append({"method": method, "path": path, "query": {}, "at": time.monotonic(), "authorization": None,
                                      "body": body})
                token = {"token_type": "Bearer", "expires_in": self.token_lifetime, "ext_expires_in": self.token_lifetime,
                         "access_token": TOKEN}
                return h._send(200, json.dumps(token).encode())
        action = self.weather(method, path, body)
        if action is None:
            return super().handle(h, method, body)
        if action[0] == "stall":
            time.sleep(action[1])
            return super().handle(h, method, body)
        if action[0] == "reset":
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)
            return None
        _, status, payload, headers = action
        self.requests.append({"method": method, "path": path, "query": {}, "at": time.monotonic(), "authorization": None, "body": body})
        if isinstance(payload, dict):
            return h._send(status, json.dumps(payload).encode(), headers)
        h.reply(status, payload, {"Content-Type": "text/html", **(headers or {})})
        return None


@pytest.fixture
def stormy(tmp_path, monkeypatch):
    monkeypatch.setenv("AZURE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", SECRET)
    monkeypatch.delenv("AZURE_TENANT_ID", raising=False)
    monkeypatch.delenv("AZURE_CLIENT_CERTIFICATE_PATH", raising=False)
    with StormyAzure(tmp_path) as fake:
        yield fake


def _params(fake: StormyAzure, **extra) -> azure.Params:
    settings = dict(
        name="azure-test", credential="service-principal", tenant_id=TENANT, endpoint=fake.base,
        authority=f"127.0.0.1:{fake.port}", ca_bundle=fake.ca, max_retries=1, timeout_seconds=5,
    )
    return azure.Params(**{**settings, **extra})


def _scan(fake: StormyAzure, **extra):
    started = time.perf_counter()
    params = _params(fake, **extra)
    raw = azure.fetch(params, ScanContext())
    return azure.normalize(json.loads(json.dumps(raw)), params), time.perf_counter() - started


def _gaps(batch) -> dict[str, tuple[str, str]]:
    return {c.scope: (c.status, c.detail or "") for c in batch.coverage if c.status != "read"}


# --- throttling and server errors ---------------------------------------------------------------


def test_throttling_that_never_ends_fails_the_subscriptions_and_the_scan_ends(stormy):
    throttled = {"error": {"code": "RateLimiting", "message": "Client application has been throttled."}}
    stormy.weather = lambda method, path, body: (
        ("status", 429, throttled, {"Retry-After": "0", "x-ms-user-quota-remaining": "0"})
        if (method == "POST" and path == GRAPH) or (path.startswith("/subscriptions/") and path.endswith("/resources")) else None
    )

    batch, took = _scan(stormy, subscriptions=[PROD, DATA])

    gaps = _gaps(batch)
    assert {s: status for s, (status, _) in gaps.items() if s.startswith("/subscriptions/") and s.count("/") == 2} == {
        f"/subscriptions/{PROD}": "failed", f"/subscriptions/{DATA}": "failed"}
    assert "HTTP 429 RateLimiting" in gaps[f"/subscriptions/{PROD}"][1]
    assert not [c for c in batch.components if c.account in (PROD, DATA)]
    assert took < 60


@pytest.mark.parametrize("status, payload, shown", [
    (500, ARM_ERROR, "HTTP 500 InternalServerError"),
    (503, {"error": {"code": "ServiceUnavailable", "message": "The service is unavailable."}}, "HTTP 503 ServiceUnavailable"),
    (502, b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>", "HTTP 502"),
])
def test_server_errors_fail_the_subscription_they_hit_and_the_others_are_read(stormy, status, payload, shown):
    def weather(method: str, path: str, body: bytes):
        # Resource Graph queries for DATA (alone or in a batch with PROD) and every ARM call about DATA.
        if method == "POST" and path == GRAPH and DATA in json.loads(body)["subscriptions"]:
            return ("status", status, payload, {})
        return ("status", status, payload, {}) if path.startswith(f"/subscriptions/{DATA}/") else None

    stormy.weather = weather

    batch, _ = _scan(stormy, subscriptions=[PROD, DATA])

    gaps = _gaps(batch)
    sub_gaps = {s: v for s, v in gaps.items() if s.count("/") == 2 and s.startswith("/subscriptions/")}
    assert set(sub_gaps) == {f"/subscriptions/{DATA}"}  # PROD is read page by page, DATA's every read fails
    assert sub_gaps[f"/subscriptions/{DATA}"][0] == "failed" and shown in sub_gaps[f"/subscriptions/{DATA}"][1]
    assert not [c for c in batch.components if c.account == DATA]


# --- timeouts and dropped connections -----------------------------------------------------------------


def test_an_endpoint_that_stops_answering_times_out_and_the_scan_goes_on(stormy):
    stormy.weather = lambda method, path, body: ("stall", 4) if method == "POST" and path == GRAPH else None

    batch, took = _scan(stormy, subscriptions=[PROD], method="resource-graph", timeout_seconds=1, max_retries=1)

    gaps = _gaps(batch)
    assert gaps[f"/subscriptions/{PROD}"][0] == "failed"
    assert "ConnectionError" in gaps[f"/subscriptions/{PROD}"][1]
    assert [c.id for c in batch.components] == [f"/tenants/{TENANT}"]  # the tenant, read before
    assert took < 30


def test_a_connection_dropped_without_an_answer_fails_the_subscription(stormy):
    stormy.weather = lambda method, path, body: ("reset",) if method == "POST" and path == GRAPH else None

    batch, _ = _scan(stormy, subscriptions=[PROD], method="resource-graph")

    status, detail = _gaps(batch)[f"/subscriptions/{PROD}"]
    assert status == "failed" and "no response ConnectionError" in detail


# --- credentials lost in the middle of a scan -------------------------------------------------------------


def test_a_token_that_cannot_be_renewed_mid_scan_fails_what_is_left_and_keeps_what_was_read(stormy):
    # Tokens valid for a second, so every request asks for one; the client secret expires after the fourth:
    # two pages of subscriptions, the tenants and the first subscription's resources are read, the second's not.
    stormy.token_lifetime = 1
    stormy.tokens = 4
    stormy.routes[("GET", f"/subscriptions/{PROD}/resources", None)] = (200, {"value": []})
    stormy.routes[("GET", f"/subscriptions/{DATA}/resources", None)] = (200, "arm/data-platform-resources.json")

    batch, _ = _scan(stormy, subscriptions=[PROD, DATA], method="arm")

    coverage = {c.scope: (c.status, c.detail or "") for c in batch.coverage}
    assert coverage["/tenants"][0] == "read"
    assert coverage[f"/subscriptions/{PROD}"][0] == "read"
    status, detail = coverage[f"/subscriptions/{DATA}"]
    assert status == "failed"
    assert "CredentialExpired" in detail and "AADSTS7000222" in detail
    assert stormy.issued == 4
    assert [c.id for c in batch.components] == [f"/tenants/{TENANT}"]


def test_arm_refusing_the_token_mid_scan_is_a_gap_for_what_is_left(stormy):
    answered = {"n": 0}
    expired = {"error": {"code": "ExpiredAuthenticationToken",
                         "message": "The access token expiry UTC time is earlier than current UTC time."}}

    def weather(method: str, path: str, body: bytes):
        if path.startswith(f"/{TENANT}/"):
            return None
        answered["n"] += 1
        return ("status", 401, expired, {}) if answered["n"] > 3 else None

    stormy.weather = weather
    stormy.routes[("GET", f"/subscriptions/{PROD}/resources", None)] = (200, {"value": []})

    batch, _ = _scan(stormy, subscriptions=[PROD, DATA], method="arm")

    gaps = _gaps(batch)
    assert any("ExpiredAuthenticationToken" in detail for _, detail in gaps.values()), gaps
    assert f"/subscriptions/{DATA}" in gaps


def test_no_token_at_all_still_stops_the_scan_with_the_reason(stormy):
    stormy.tokens = 0

    with pytest.raises(SovmapError, match="AADSTS7000222"):
        _scan(stormy, subscriptions=[PROD])


# --- the stored snapshot --------------------------------------------------------------------------------------


def test_a_scan_through_a_storm_is_stored_as_incomplete(stormy, tmp_path):
    from dashboards import data
    from inventory.store import open_store
    from sovmap.scan import run_scan

    stormy.weather = lambda method, path, body: (
        ("status", 503, {"error": {"code": "ServiceUnavailable", "message": "try later"}}, {"Retry-After": "0"})
        if method == "POST" and path == GRAPH else None
    )
    stormy.routes[("GET", f"/subscriptions/{PROD}/resources", None)] = (503, {"error": {"code": "ServiceUnavailable", "message": "x"}})
    (tmp_path / "inventory.yaml").write_text("version: 1\nsystems:\n  - {id: ecom, name: E-commerce}\n")
    (tmp_path / "sovmap.yaml").write_text(
        "version: 1\nsources:\n  - {type: declared, path: inventory.yaml}\n"
        f"  - type: azure\n    credential: service-principal\n    tenant_id: {TENANT}\n    endpoint: {stormy.base}\n"
        f"    authority: 127.0.0.1:{stormy.port}\n    ca_bundle: {stormy.ca}\n    max_retries: 1\n"
        f"    subscriptions: [{PROD}, {LEGACY}]\n"
    )
    store = open_store(f"sqlite:///{tmp_path / 'sovmap.db'}")

    result = run_scan(tmp_path / "sovmap.yaml", store, as_of=datetime.date(2026, 11, 23))

    snap = store.snapshot(result.snapshot_id)
    assert (result.status, snap["status"]) == ("incomplete", "incomplete")
    gaps = {(c["scope"], c["status"]) for c in snap["coverage"] if c["status"] != "read"}
    assert (f"/subscriptions/{PROD}", "failed") in gaps and (f"/subscriptions/{LEGACY}", "denied") in gaps
    assert data.overview(store, snap["id"])["coverage_gaps"]
    store.close()
