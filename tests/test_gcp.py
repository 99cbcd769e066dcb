"""The Google Cloud connector against a local HTTPS server answering as Cloud Asset Inventory and Google's token endpoint.

The server replays ``tests/fixtures/gcp/`` (``searchAllResources`` pages in the REST wire
format). The credential is real: Application Default Credentials load a service account
key made for the test, whose ``token_uri`` is the local server, and google-auth signs the
JWT the server verifies before it hands out a token.
"""

from __future__ import annotations

import base64
import datetime
import json
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import FIXTURES
from localhttps import LocalServer, ReplayHandler, certificates

from connectors import ScanContext, gcp
from sovmap.errors import SovmapError

FIX = FIXTURES / "gcp"
ORG = "organizations/123456789012"
FOLDER = "folders/555000999888"
TOKEN = json.loads((FIX / "token.json").read_text())["access_token"]
PAGE_2 = json.loads((FIX / "search-org-page1.json").read_text())["nextPageToken"]
KMS = "//cloudkms.googleapis.com/projects/customs-security/locations/europe-west4/keyRings/ecom"


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


class FakeGoogle(LocalServer):
    """Google's OAuth token endpoint and Cloud Asset's search on one local HTTPS port."""

    def __init__(self, folder: Path) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.ca, cert, key = certificates(folder)
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_key = private.public_key()
        self.routes = {
            (f"/v1/{ORG}:searchallresources", None): (200, "search-org-page1.json"),
            (f"/v1/{ORG}:searchallresources", PAGE_2): (200, "search-org-page2.json"),
            (f"/v1/{FOLDER}:searchallresources", None): (403, "error-permission-denied.json"),
        }
        self.throttle: dict[tuple, int] = {}
        self.requests: list[dict] = []
        self.unexpected: list[str] = []
        fake = self

        class Handler(ReplayHandler):
            def send_json(self, status: int, body: bytes, headers: dict | None = None) -> None:
                self.reply(status, body, {"Content-Type": "application/json; charset=UTF-8", **(headers or {})})

            def do_GET(self) -> None:
                fake.handle(self, "GET", b"")

            def do_POST(self) -> None:
                fake.handle(self, "POST", self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        super().__init__(Handler, tls=(cert, key))
        self.base = self.url
        self.key_file = folder / "service-account.json"
        self.key_file.write_text(json.dumps({
            "type": "service_account",
            "project_id": "customs-security",
            "private_key_id": "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
            "private_key": private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()).decode(),
            "client_email": "sovmap-scanner@customs-security.iam.gserviceaccount.com",
            "client_id": "104857600000000000001",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": f"{self.base}/token",
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "universe_domain": "googleapis.com",
        }))

    def _verify_assertion(self, assertion: str) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        header, payload, signature = assertion.split(".")
        try:
            self.public_key.verify(_b64(signature), f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        claims = json.loads(_b64(payload))
        # google-auth addresses the assertion to Google's token endpoint whatever token_uri says.
        return (claims.get("aud"), claims.get("iss"), claims.get("scope")) == (
            "https://oauth2.googleapis.com/token", "sovmap-scanner@customs-security.iam.gserviceaccount.com",
            "https://www.googleapis.com/auth/cloud-platform")

    def handle(self, h, method: str, body: bytes) -> None:
        parts = urlsplit(h.path)
        path = parts.path.lower()
        query = parse_qs(parts.query)
        self.requests.append({"method": method, "path": path, "query": query, "at": time.monotonic(),
                              "authorization": h.headers.get("Authorization")})
        if method == "POST" and path == "/token":
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" or not self._verify_assertion(form["assertion"]):
                return h.send_json(400, b'{"error": "invalid_grant", "error_description": "Invalid JWT Signature."}')
            return h.send_json(200, (FIX / "token.json").read_bytes())
        if h.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.unexpected.append(f"no token: {h.path}")
            return h.send_json(401, b'{"error": {"code": 401, "message": "Request is missing required authentication credential.", "status": "UNAUTHENTICATED"}}')
        key = (path, query.get("pageToken", [None])[0])
        if self.throttle.get(key, 0) > 0:
            self.throttle[key] -= 1
            return h.send_json(429, (FIX / "error-quota.json").read_bytes(), {"Retry-After": "1"})
        route = self.routes.get(key)
        if route is None:
            self.unexpected.append(f"{method} {h.path}")
            return h.send_json(404, b'{"error": {"code": 404, "message": "Not found", "status": "NOT_FOUND"}}')
        status, name = route
        return h.send_json(status, (FIX / name).read_bytes())


@pytest.fixture
def fake_google(tmp_path, monkeypatch):
    with FakeGoogle(tmp_path) as fake:
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(fake.key_file))
        monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
        yield fake


def _scan(fake: FakeGoogle, **extra):
    settings = dict(name="gcp-test", scopes=[ORG, FOLDER], endpoint=fake.base, ca_bundle=fake.ca, max_retries=2, timeout_seconds=10)
    params = gcp.Params(**{**settings, **extra})
    raw = gcp.fetch(params, ScanContext())
    return raw, gcp.normalize(json.loads(json.dumps(raw)), params)


def _short(cid: str) -> str:
    return cid.rsplit("/", 1)[1]


def test_scan_reads_every_resource_of_the_organization(fake_google):
    _, batch = _scan(fake_google)

    found = {(_short(c.id), c.service, c.region, c.account, c.holds_data, c.key_custody) for c in batch.components}

    assert found == {
        ("ecom-api-1", "compute-engine", "europe-west4", "410987654321", False, None),
        ("ecom-api-1", "compute-engine", "europe-west4", "410987654321", True, "customer-managed"),
        ("customs-ecom-docs", "cloud-storage", "eu", "410987654321", True, "customer-held"),
        ("ecom-pg", "cloud-sql", "europe-west4", "410987654321", True, None),
        ("disk-key", "kms", "europe-west4", "430987654321", True, "customer-managed"),
        ("docs-ekm", "kms", "europe-west4", "430987654321", True, "customer-held"),
        ("ecom", "kms", "europe-west4", "430987654321", False, None),
        ("declarations", "bigquery", "eu", "420987654321", True, None),
        ("daily", "bigquery", "eu", "420987654321", True, None),
        ("2718281828", "vertex-ai", "europe-west4", "420987654321", False, None),
        ("nightly", None, "europe-west1", "420987654321", False, None),
        ("examplecustoms-eu", "cloud-dns", None, "410987654321", False, None),
    }
    assert fake_google.unexpected == []


def test_keys_and_parents_are_the_dependencies(fake_google):
    _, batch = _scan(fake_google)

    edges = {(c.id.split("/")[2].split(".")[0] + ":" + _short(c.id), _short(d)) for c in batch.components for d in c.depends_on}

    assert edges == {
        ("compute:ecom-api-1", "disk-key"),
        ("storage:customs-ecom-docs", "docs-ekm"),
        ("cloudkms:disk-key", "ecom"),
        ("cloudkms:docs-ekm", "ecom"),
        ("bigquery:daily", "declarations"),
    }


def test_records_keep_labels_project_and_the_full_resource_name(fake_google):
    _, batch = _scan(fake_google)
    bucket = next(c for c in batch.components if c.id == "//storage.googleapis.com/customs-ecom-docs")

    assert (bucket.external_id, bucket.kind, bucket.provider, bucket.source) == (
        "//storage.googleapis.com/customs-ecom-docs", "storage.googleapis.com/Bucket", "gcp", "gcp-test")
    assert bucket.tags == {"application": "ecom-declarations", "project": "410987654321"}


def test_coverage_names_the_refused_scope_and_the_types_without_a_service(fake_google):
    _, batch = _scan(fake_google)

    assert {(c.scope, c.status, c.count, c.detail) for c in batch.coverage} == {
        (ORG, "read", 13, "Cloud Asset Inventory"),
        (FOLDER, "denied", 0, "Cloud Asset Inventory: HTTP 403 PERMISSION_DENIED: The caller does not have permission"),
        ("resource types", "read", 0, "1 resource(s) of types without a catalog service: cloudscheduler.googleapis.com/Job (1)"),
    }


def test_a_quota_error_waits_as_retry_after_says(fake_google):
    fake_google.throttle[(f"/v1/{ORG}:searchallresources", PAGE_2)] = 1

    _, batch = _scan(fake_google, scopes=[ORG])

    searches = [r for r in fake_google.requests if r["path"].endswith(":searchallresources")]
    assert [r["query"].get("pageToken") for r in searches] == [None, [PAGE_2], [PAGE_2]]
    assert searches[2]["at"] - searches[1]["at"] >= 1.0
    assert [(c.scope, c.status) for c in batch.coverage if c.scope == ORG] == [(ORG, "read")]
    assert all(r["query"]["pageSize"] == ["500"] for r in searches)


def test_the_token_is_had_once_with_a_signed_assertion_and_sent_on_every_search(fake_google):
    _scan(fake_google)

    tokens = [r for r in fake_google.requests if r["path"] == "/token"]
    searches = [r for r in fake_google.requests if r["path"] != "/token"]

    assert len(tokens) == 1
    assert searches and all(r["authorization"] == f"Bearer {TOKEN}" for r in searches)


def test_a_key_the_token_endpoint_refuses_stops_the_scan(fake_google, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = json.loads(fake_google.key_file.read_text())
    other["private_key"] = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    fake_google.key_file.write_text(json.dumps(other))

    with pytest.raises(SovmapError, match="no token.*invalid_grant"):
        _scan(fake_google)


def test_without_any_credential_the_scan_stops_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))

    with pytest.raises(SovmapError, match="no Application Default Credentials"):
        gcp.fetch(gcp.Params(scopes=[ORG]), ScanContext(base_dir=tmp_path))


def test_excluded_and_overlapping_scopes_are_read_once():
    rows = json.loads((FIX / "search-org-page2.json").read_text())["results"]
    raw = {"endpoint": "https://cloudasset.googleapis.com", "results": [
        {"scope": ORG, "status": "read", "detail": "Cloud Asset Inventory", "resources": rows},
        {"scope": "projects/customs-analytics", "status": "read", "detail": "Cloud Asset Inventory", "resources": rows[3:5]},
    ]}

    batch = gcp.normalize(raw, gcp.Params(scopes=[ORG, "projects/customs-analytics"], exclude_types=["cloudkms.googleapis.com/*"]))

    assert sorted(_short(c.id) for c in batch.components) == ["2718281828", "daily", "declarations", "examplecustoms-eu", "nightly"]


def test_every_family_names_services_of_the_catalog(bundled_catalog):
    from connectors.gcp.resources import FAMILIES

    missing = {(t, s) for f in FAMILIES for t, s in f.TYPES.items() if s is not None and bundled_catalog.service("gcp", s) is None}

    assert missing == set()


def test_fixture_regions_resolve_or_are_multi_regions(bundled_catalog):
    from connectors.gcp.resources._common import region_of

    rows = [r for p in ("search-org-page1", "search-org-page2") for r in json.loads((FIX / f"{p}.json").read_text())["results"]]

    unresolved = {region_of(r["location"]) for r in rows} - {None} - {
        r.code for r in bundled_catalog.provider_regions("gcp")}

    assert unresolved == {"eu"}


def test_the_config_needs_a_scope_and_https(tmp_path):
    from sovmap.config import load_config
    from sovmap.errors import InputErrors

    config = tmp_path / "sovmap.yaml"
    config.write_text("version: 1\nsources:\n  - type: gcp\n  - type: gcp\n    scopes: [projects/x]\n    endpoint: http://cloudasset.googleapis.com\n")

    with pytest.raises(InputErrors) as caught:
        load_config(config)

    text = str(caught.value)
    assert "sources[0]" in text and "scopes" in text
    assert "sources[1]" in text and "https://" in text


def test_fixture_dates_are_plausible():
    rows = json.loads((FIX / "search-org-page1.json").read_text())["results"]

    assert all(datetime.datetime.fromisoformat(r["createTime"].replace("Z", "+00:00")).year >= 2020 for r in rows)
