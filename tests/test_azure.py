"""The Azure connector against a local HTTPS server answering as Entra ID, ARM and Resource Graph do.

The server replays the responses under ``tests/fixtures/azure/`` (in the wire format of the
real services, nextLinks and all, with the host rewritten to the local one). A real
azure-identity ``ClientSecretCredential`` gets its token from the server's OpenID discovery
document and token endpoint; the real azure-core pipeline follows ``$skipToken`` and
``nextLink``, waits out a 429 as its ``Retry-After`` says, and meets 403s.
"""

from __future__ import annotations

import datetime
import json
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import FIXTURES
from localhttps import LocalServer, ReplayHandler, certificates

from connectors import ScanContext, azure
from sovmap.errors import InputError, InputErrors, SovmapError

FIX = FIXTURES / "azure"
TENANT = "7d1e3f0a-6b2c-4c8e-9a51-2f3b4c5d6e7f"
PROD = "0b1c2d3e-1111-4a5b-8c9d-0e1f2a3b4c5d"
DATA = "0b1c2d3e-2222-4a5b-8c9d-0e1f2a3b4c5d"
LEGACY = "0b1c2d3e-3333-4a5b-8c9d-0e1f2a3b4c5d"
TRIAL = "0b1c2d3e-4444-4a5b-8c9d-0e1f2a3b4c5d"
CLIENT_ID = "4c5d6e7f-0000-4a1b-8c2d-3e4f5a6b7c8d"
SECRET = "not-a-real-secret"
TOKEN = json.loads((FIX / "token.json").read_text())["access_token"]
GRAPH = "/providers/microsoft.resourcegraph/resources"
PROD_PAGE_2 = json.loads((FIX / "graph" / "ecom-prod-page1.json").read_text())["$skipToken"]


def _routes() -> dict:
    """(method, lower-case path, $skiptoken) -> (status, fixture file)."""
    return {
        ("GET", "/tenants", None): (200, "tenants.json"),
        ("GET", "/subscriptions", None): (200, "subscriptions.json"),
        ("GET", "/subscriptions", "c3Vic2NyaXB0aW9ucy1wYWdlLTI="): (200, "subscriptions-page2.json"),
        ("GET", f"/subscriptions/{DATA}/resources", None): (200, "arm/data-platform-resources.json"),
        ("GET", f"/subscriptions/{DATA}/resources", "ZGF0YS1wbGF0Zm9ybS0y"): (200, "arm/data-platform-resources-page2.json"),
        ("GET", f"/subscriptions/{DATA}/providers/microsoft.storage/storageaccounts", None): (200, "arm/data-platform-storage-accounts.json"),
        ("GET", f"/subscriptions/{DATA}/providers/microsoft.keyvault/vaults", None): (403, "error-vaults-denied.json"),
        ("GET", f"/subscriptions/{LEGACY}/resources", None): (403, "error-resources-denied.json"),
        ("GET", "/providers/microsoft.management/managementgroups/mg-customs/descendants", None): (200, "mg-descendants.json"),
    }


def _graph_routes() -> dict:
    """(subscriptions of the query, $skipToken) -> (status, fixture file)."""
    return {
        ((PROD, DATA, LEGACY), None): (403, "error-graph-denied-legacy.json"),
        ((PROD,), None): (200, "graph/ecom-prod-page1.json"),
        ((PROD,), PROD_PAGE_2): (200, "graph/ecom-prod-page2.json"),
        ((DATA,), None): (403, "error-graph-denied.json"),
        ((LEGACY,), None): (403, "error-graph-denied-legacy.json"),
        ((PROD, LEGACY), None): (403, "error-graph-denied-legacy.json"),
    }


class FakeAzure(LocalServer):
    """Entra ID, ARM and Resource Graph on one local HTTPS port, replaying fixture files."""

    def __init__(self, folder: Path) -> None:
        self.ca, cert, key = certificates(folder)
        self.routes = _routes()
        self.graph = _graph_routes()
        # Requests answered with 429 before their fixture (Resource Graph throttling), where a test asks.
        self.throttle: dict[tuple, int] = {}
        self.requests: list[dict] = []
        self.unexpected: list[str] = []
        fake = self

        class Handler(ReplayHandler):
            def _send(self, status: int, body: bytes, headers: dict | None = None) -> None:
                self.reply(status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})})

            def _fixture(self, status: int, name: str, headers: dict | None = None) -> None:
                text = (FIX / name).read_text()
                for host in ("https://management.azure.com", "https://login.microsoftonline.com"):
                    text = text.replace(host, fake.base)
                self._send(status, text.encode(), headers)

            def do_GET(self) -> None:
                fake.handle(self, "GET", b"")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.handle(self, "POST", body)

        super().__init__(Handler, tls=(cert, key))
        self.base = self.url

    def handle(self, h, method: str, body: bytes) -> None:
        parts = urlsplit(h.path)
        path = parts.path.lower()
        query = {k.lower(): v[0] for k, v in parse_qs(parts.query).items()}
        record = {"method": method, "path": path, "query": query, "at": time.monotonic(),
                  "authorization": h.headers.get("Authorization"), "body": body}
        self.requests.append(record)
        if path == f"/{TENANT}/v2.0/.well-known/openid-configuration":
            return h._fixture(200, "openid-configuration.json")
        if path == f"/{TENANT}/oauth2/v2.0/token" and method == "POST":
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            if (form.get("client_id"), form.get("client_secret"), form.get("grant_type")) != (CLIENT_ID, SECRET, "client_credentials"):
                error = {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided.",
                         "error_codes": [7000215]}
                return h._send(401, json.dumps(error).encode())
            if form.get("scope") != f"{self.base}/.default":
                return h._send(400, json.dumps({"error": "invalid_scope", "error_description": "AADSTS70011"}).encode())
            return h._fixture(200, "token.json")
        if record["authorization"] != f"Bearer {TOKEN}":
            self.unexpected.append(f"no bearer token: {method} {h.path}")
            return h._send(401, b'{"error": {"code": "AuthenticationFailed", "message": "Authentication failed."}}')
        if "api-version" not in query:
            self.unexpected.append(f"no api-version: {method} {h.path}")
            return h._send(400, b'{"error": {"code": "MissingApiVersionParameter", "message": "missing api-version"}}')
        if method == "POST" and path == GRAPH:
            request = json.loads(body)
            key = (tuple(request["subscriptions"]), request["options"].get("$skipToken"))
            record["graph"] = key
            if self.throttle.get(("POST", GRAPH, *key), 0) > 0:
                self.throttle[("POST", GRAPH, *key)] -= 1
                return h._fixture(429, "error-throttled.json",
                                  {"Retry-After": "1", "x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": "00:00:01"})
            route = self.graph.get(key)
        else:
            route = self.routes.get((method, path, query.get("$skiptoken")))
        if route is None:
            if method == "GET" and path.startswith("/subscriptions/") and path.count("/") == 2:
                return h._fixture(404, "error-subscription-not-found.json")
            self.unexpected.append(f"{method} {h.path}")
            return h._send(404, b'{"error": {"code": "NotFound", "message": "no such fixture"}}')
        status, name = route
        if isinstance(name, dict):
            return h._send(status, json.dumps(name).replace("https://management.azure.com", self.base).encode())
        return h._fixture(status, name)


@pytest.fixture
def fake_azure(tmp_path, monkeypatch):
    monkeypatch.setenv("AZURE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", SECRET)
    monkeypatch.delenv("AZURE_TENANT_ID", raising=False)
    monkeypatch.delenv("AZURE_CLIENT_CERTIFICATE_PATH", raising=False)
    with FakeAzure(tmp_path) as fake:
        yield fake


def _params(fake: FakeAzure, **extra) -> azure.Params:
    settings = dict(
        name="azure-test", credential="service-principal", tenant_id=TENANT, endpoint=fake.base,
        authority=f"127.0.0.1:{fake.port}", ca_bundle=fake.ca, max_retries=3, timeout_seconds=10,
    )
    return azure.Params(**{**settings, **extra})


def _scan(fake: FakeAzure, **extra):
    params = _params(fake, **extra)
    raw = azure.fetch(params, ScanContext())
    return raw, azure.normalize(json.loads(json.dumps(raw)), params)


def _short(cid: str) -> str:
    """The last path segment (and replica suffix) of a component id, for readable assertions."""
    return cid.rsplit("/", 1)[1]


def test_scan_reads_every_subscription_and_every_data_location(fake_azure):
    _, batch = _scan(fake_azure)

    found = {(_short(c.id), c.service, c.region, c.account, c.holds_data, c.key_custody) for c in batch.components}

    assert found == {
        (TENANT, "entra-id", None, None, True, None),
        ("vm-ecom-api-01", "virtual-machines", "westeurope", PROD, False, None),
        ("vm-ecom-api-01_osdisk_1_4f1c2b7e9a0d4c6b8e2f1a3b5c7d9e0f", "managed-disks", "westeurope", PROD, True, "provider"),
        ("vm-ecom-api-01_data", "managed-disks", "westeurope", PROD, True, "customer-managed"),
        ("des-ecom", None, "westeurope", PROD, False, None),
        ("vm-ecom-api-01-nic", "vnet", "westeurope", PROD, False, None),
        ("vnet-ecom", "vnet", "westeurope", PROD, False, None),
        ("stecomdocs", "blob-storage", "westeurope", PROD, True, "customer-managed"),
        ("stecomdocs#secondary", "blob-storage", "northeurope", PROD, True, "customer-managed"),
        ("kv-ecom-prod", "key-vault", "westeurope", PROD, True, "customer-managed"),
        ("hsm-ecom", "managed-hsm", "germanywestcentral", PROD, True, "customer-held"),
        ("sql-ecom", "sql-database", "westeurope", PROD, False, None),
        ("ecomdb", "sql-database", "westeurope", PROD, True, None),
        ("cosmos-ecom-events", "cosmos-db", "westeurope", PROD, True, "customer-held"),
        ("cosmos-ecom-events#replica:northeurope", "cosmos-db", "northeurope", PROD, True, "customer-held"),
        ("aks-ecom", "aks", "westeurope", PROD, False, None),
        ("aks-nodepool1-31415926-vmss", "virtual-machines", "westeurope", PROD, False, None),
        ("asp-ecom", "app-service", "westeurope", PROD, False, None),
        ("app-ecom-portal", "app-service", "westeurope", PROD, False, None),
        ("func-ecom-intake", "functions", "westeurope", PROD, False, None),
        ("id-ecom-intake", "entra-id", "westeurope", PROD, False, None),
        ("oai-ecom-risk", "openai", "swedencentral", PROD, False, "provider"),
        ("ai-ecom-vision", "ai-services", "westeurope", PROD, False, None),
        ("examplecustoms.eu", "dns", None, PROD, False, None),
        ("aa-ecom-runbooks", None, "westeurope", PROD, False, None),
        ("stdplake", "blob-storage", "westeurope", DATA, True, "provider"),
        ("stdplake#secondary", "blob-storage", "northeurope", DATA, True, "provider"),
        ("kv-dataplatform", "key-vault", "westeurope", DATA, True, "customer-managed"),
        ("syn-dataplatform", "synapse", "westeurope", DATA, True, None),
        ("dbw-dataplatform", "databricks", "westeurope", DATA, True, None),
    }
    assert fake_azure.unexpected == []


def test_records_keep_the_azure_id_tags_and_resource_group(fake_azure):
    _, batch = _scan(fake_azure)
    by_name = {c.name: c for c in batch.components}

    storage = by_name["stecomdocs"]
    tenant = by_name["Example Customs Agency"]

    assert storage.id == storage.external_id.lower()
    assert storage.external_id == f"/subscriptions/{PROD}/resourceGroups/rg-ecom-prod/providers/Microsoft.Storage/storageAccounts/stecomdocs"
    assert (storage.kind, storage.provider, storage.source) == ("microsoft.storage/storageaccounts", "azure", "azure-test")
    assert storage.tags == {"environment": "production", "costcenter": "CC-4711", "application": "ecom-declarations",
                            "resource_group": "rg-ecom-prod"}
    assert by_name["vm-ecom-api-01"].tags["system"] == "ecom-declarations"
    assert by_name["aks-nodepool1-31415926-vmss"].tags["resource_group"] == "mc_rg-ecom-prod_aks-ecom_westeurope"
    assert (tenant.id, tenant.kind, tenant.tags) == (f"/tenants/{TENANT}", "microsoft.entra/tenant", {})
    assert by_name["vm-ecom-api-01_data"].data_volume_gb == 1024.0


def test_dependencies_are_the_ones_the_resources_state(fake_azure):
    _, batch = _scan(fake_azure)

    edges = {(_short(c.id), _short(d)) for c in batch.components for d in c.depends_on}

    assert edges == {
        ("vm-ecom-api-01", TENANT),  # system-assigned identity
        ("vm-ecom-api-01", "vm-ecom-api-01_osdisk_1_4f1c2b7e9a0d4c6b8e2f1a3b5c7d9e0f"),  # id in other case
        ("vm-ecom-api-01", "vm-ecom-api-01_data"),
        ("vm-ecom-api-01", "vm-ecom-api-01-nic"),
        ("vm-ecom-api-01_data", "des-ecom"),
        ("des-ecom", "kv-ecom-prod"),
        ("des-ecom", TENANT),
        ("vm-ecom-api-01-nic", "vnet-ecom"),
        ("stecomdocs", "kv-ecom-prod"),
        ("stecomdocs", TENANT),
        ("stecomdocs#secondary", "stecomdocs"),
        ("ecomdb", "sql-ecom"),
        ("cosmos-ecom-events", "hsm-ecom"),
        ("cosmos-ecom-events#replica:northeurope", "cosmos-ecom-events"),
        ("aks-ecom", "aks-nodepool1-31415926-vmss"),
        ("aks-ecom", TENANT),
        ("aks-nodepool1-31415926-vmss", "vnet-ecom"),
        ("app-ecom-portal", "asp-ecom"),
        ("func-ecom-intake", "asp-ecom"),
        ("func-ecom-intake", "id-ecom-intake"),
        ("id-ecom-intake", TENANT),
        ("stdplake#secondary", "stdplake"),
        ("syn-dataplatform", TENANT),
    }


def test_coverage_says_what_was_read_how_and_what_was_not(fake_azure):
    _, batch = _scan(fake_azure)

    coverage = {(c.scope, c.status, c.count) for c in batch.coverage}
    details = {c.scope: c.detail for c in batch.coverage}

    assert coverage == {
        ("/tenants", "read", 1),
        (f"/subscriptions/{TRIAL}", "skipped", 0),
        (f"/subscriptions/{PROD}", "read", 23),
        (f"/subscriptions/{DATA}", "read", 4),
        (f"/subscriptions/{DATA}/providers/Microsoft.KeyVault/vaults", "denied", 0),
        (f"/subscriptions/{LEGACY}", "denied", 0),
        ("resource types", "read", 0),
    }
    assert details[f"/subscriptions/{PROD}"] == "ecom-prod: Resource Graph"
    assert details[f"/subscriptions/{DATA}"].startswith("data-platform: ARM resource list (Resource Graph: HTTP 403 AuthorizationFailed")
    assert "Microsoft.ResourceGraph/resources/read" in details[f"/subscriptions/{DATA}"]
    assert details[f"/subscriptions/{LEGACY}"].startswith("legacy-sandbox: ARM resource list: HTTP 403 AuthorizationFailed")
    assert details[f"/subscriptions/{TRIAL}"] == "subscription 'old-trial' is Disabled"
    assert details["resource types"] == "1 resource(s) of types without a catalog service: microsoft.automation/automationaccounts (1)"


def test_a_throttled_query_waits_as_retry_after_says_and_pages_on(fake_azure):
    fake_azure.throttle[("POST", GRAPH, (PROD,), None)] = 1

    _, batch = _scan(fake_azure)

    graph = [r for r in fake_azure.requests if r.get("graph") and r["graph"][0] == (PROD,)]

    assert [r["graph"][1] for r in graph] == [None, None, PROD_PAGE_2]
    assert graph[1]["at"] - graph[0]["at"] >= 1.0
    assert next(c for c in batch.coverage if c.scope == f"/subscriptions/{PROD}").status == "read"
    assert all(json.loads(r["body"])["options"]["resultFormat"] == "objectArray" for r in graph)


def test_throttling_that_does_not_end_falls_back_to_arm_for_that_subscription(fake_azure):
    fake_azure.throttle[("POST", GRAPH, (PROD,), None)] = 5
    fake_azure.routes[("GET", f"/subscriptions/{PROD}/resources", None)] = (200, {"value": []})

    _, batch = _scan(fake_azure, subscriptions=[PROD], max_retries=1)

    entry = next(c for c in batch.coverage if c.scope == f"/subscriptions/{PROD}")
    assert (entry.status, entry.count) == ("read", 0)
    assert entry.detail.startswith("ecom-prod: ARM resource list (Resource Graph: HTTP 429 RateLimiting")


def test_the_token_comes_from_the_service_principal_and_is_sent_on_every_call(fake_azure):
    _scan(fake_azure)

    token_posts = [r for r in fake_azure.requests if r["path"].endswith("/oauth2/v2.0/token")]
    arm = [r for r in fake_azure.requests if not r["path"].startswith(f"/{TENANT}/")]

    assert len(token_posts) == 1
    assert arm and all(r["authorization"] == f"Bearer {TOKEN}" for r in arm)
    assert all(SECRET not in json.dumps(r, default=str) for r in arm)


def test_management_groups_choose_the_subscriptions(fake_azure):
    _, batch = _scan(fake_azure, management_groups=["mg-customs"])

    coverage = {(c.scope, c.status, c.count) for c in batch.coverage}

    assert coverage == {
        ("/tenants", "read", 1),
        ("/providers/Microsoft.Management/managementGroups/mg-customs", "read", 0),
        (f"/subscriptions/{PROD}", "read", 23),
        (f"/subscriptions/{LEGACY}", "denied", 0),
        ("resource types", "read", 0),
    }


def test_a_listed_subscription_the_credential_cannot_see_is_a_gap_not_an_end(fake_azure):
    missing = "0b1c2d3e-9999-4a5b-8c9d-0e1f2a3b4c5d"

    _, batch = _scan(fake_azure, subscriptions=[PROD, missing])

    coverage = {(c.scope, c.status) for c in batch.coverage}
    assert (f"/subscriptions/{missing}", "failed") in coverage
    assert (f"/subscriptions/{PROD}", "read") in coverage
    assert len(batch.components) == 25


def test_arm_only_reads_without_resource_graph(fake_azure):
    fake_azure.routes[("GET", f"/subscriptions/{PROD}/resources", None)] = (200, {"value": []})

    _, batch = _scan(fake_azure, subscriptions=[PROD, DATA], method="arm")

    assert not [r for r in fake_azure.requests if r["path"] == GRAPH]
    assert {(c.scope, c.status, c.count) for c in batch.coverage if c.scope.startswith("/subscriptions/")} == {
        (f"/subscriptions/{PROD}", "read", 0),
        (f"/subscriptions/{DATA}", "read", 4),
        (f"/subscriptions/{DATA}/providers/Microsoft.KeyVault/vaults", "denied", 0),
    }


def test_a_next_link_to_another_host_is_not_followed(fake_azure):
    fake_azure.routes[("GET", "/tenants", None)] = (200, {"value": [], "nextLink": "https://attacker.example/tenants?page=2"})

    _, batch = _scan(fake_azure, subscriptions=[PROD])

    tenants = next(c for c in batch.coverage if c.scope == "/tenants")
    assert (tenants.status, tenants.detail) == (
        "failed", "tenant names not read: no response ForeignNextLink: refused to follow a link to another host: attacker.example")
    assert next(c for c in batch.components if c.id == f"/tenants/{TENANT}").name is None


def test_a_wrong_secret_stops_the_scan_with_the_reason(fake_azure, monkeypatch):
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "wrong")

    with pytest.raises(SovmapError, match="no token for .*invalid_client|AADSTS7000215"):
        azure.fetch(_params(fake_azure), ScanContext())


def test_a_service_principal_without_its_variables_is_refused_before_any_call(tmp_path, monkeypatch):
    for name in ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_TENANT_ID"):
        monkeypatch.delenv(name, raising=False)
    params = azure.Params(credential="service-principal", endpoint="https://127.0.0.1:9")

    with pytest.raises(InputError) as caught:
        azure.fetch(params, ScanContext(base_dir=tmp_path))

    assert caught.value.field == "credential"
    assert "AZURE_TENANT_ID (or tenant_id), AZURE_CLIENT_ID, AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH" in str(caught.value)


def test_the_config_refuses_secrets_and_clear_text_endpoints(tmp_path):
    from sovmap.config import load_config

    config = tmp_path / "sovmap.yaml"
    config.write_text(
        "version: 1\nsources:\n"
        "  - type: azure\n    client_secret: abc\n"
        "  - type: azure\n    endpoint: http://management.azure.com\n"
    )

    with pytest.raises(InputErrors) as caught:
        load_config(config)

    text = str(caught.value)
    assert "sources[0]" in text and "client_secret" in text
    assert "sources[1]" in text and "endpoint" in text and "https://" in text


def test_a_scan_with_azure_stores_an_incomplete_snapshot_with_attribution(fake_azure, tmp_path):
    from inventory.store import open_store
    from sovmap.scan import run_scan

    (tmp_path / "inventory.yaml").write_text(
        "version: 1\norganization: {name: Example Customs Agency, country: NL}\nsystems:\n"
        "  - {id: ecom-declarations, name: E-commerce declarations, criticality: critical}\n"
        "  - {id: central-data-platform, name: Central data platform, criticality: high}\n"
        "  - {id: shared-identity, name: Shared identity, criticality: critical}\n"
    )
    (tmp_path / "sovmap.yaml").write_text(
        "version: 1\nsources:\n  - type: declared\n    path: inventory.yaml\n"
        f"  - type: azure\n    name: azure-test\n    credential: service-principal\n    tenant_id: {TENANT}\n"
        f"    endpoint: {fake_azure.base}\n    authority: 127.0.0.1:{fake_azure.port}\n    ca_bundle: {fake_azure.ca}\n"
        "    max_retries: 3\n"
        "attribution:\n  tag_keys: [system, application]\n  rules:\n"
        "    - {match: {provider: azure, resource_group: rg-ecom-prod}, system: ecom-declarations}\n"
        "    - {match: {provider: azure, resource_group: 'mc_rg-ecom-prod_*'}, system: ecom-declarations}\n"
        "    - {match: {provider: azure, resource_group: rg-security}, system: ecom-declarations}\n"
        "    - {match: {id: '/tenants/*'}, system: shared-identity}\n"
    )
    store = open_store(f"sqlite:///{tmp_path / 'sovmap.db'}")

    result = run_scan(tmp_path / "sovmap.yaml", store, as_of=datetime.date(2026, 11, 23))

    unattributed = {f.scope["component"].rsplit("/", 1)[1] for f in result.assessment.findings if f.type == "unattributed-resource"}
    unknown = [f for f in result.assessment.findings if f.type.startswith("unknown-")]
    assert (result.status, result.counts["components"]) == ("incomplete", 30)
    assert unattributed == {"examplecustoms.eu", "aa-ecom-runbooks"}
    # Resource types the catalog has no service for stay components, reported as unknown services.
    assert {(f.type, f.scope["component"].rsplit("/", 1)[1]) for f in unknown} == {
        ("unknown-service", "des-ecom"), ("unknown-service", "aa-ecom-runbooks")}
