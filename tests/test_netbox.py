"""The NetBox connector against a local HTTP server replaying NetBox 4 API responses (pynetbox as the client)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from connectors import ScanContext
from connectors.netbox import Params, fetch, normalize
from inventory.records import InventoryBatch
from sovmap.errors import InputError, InputErrors

from conftest import FIXTURES
from localhttps import LocalServer, ReplayHandler

HERE = FIXTURES / "netbox"
TOKEN = "0123456789abcdef0123456789abcdef01234567"
ROUTES = {
    "/api/dcim/regions/": "regions", "/api/dcim/sites/": "sites", "/api/tenancy/tenants/": "tenants",
    "/api/virtualization/clusters/": "clusters", "/api/virtualization/virtual-machines/": "virtual-machines",
    "/api/dcim/devices/": "devices",
}


class NetBoxReplay(ReplayHandler):
    """Answers like NetBox: token auth, limit/offset pages with absolute next links, filters by slug or value."""

    page_size = 2  # NetBox's PAGINATE_COUNT, small so that every list has several pages
    max_page_size = 3  # NetBox's MAX_PAGE_SIZE: pynetbox's limit=count is clamped and next links followed
    forbidden: set[str] = set()
    html: bool = False
    requests: list[tuple[str, dict, str | None]] = []

    def _send(self, status: int, body: dict | str) -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.reply(status, data, {"Content-Type": "text/html" if isinstance(body, str) else "application/json", "API-Version": "4.4"})

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        url = urlparse(self.path)
        query = parse_qs(url.query)
        type(self).requests.append((url.path, query, self.headers.get("Authorization")))
        if self.html:
            return self._send(200, "<html><body>Log in to NetBox</body></html>")
        if self.headers.get("Authorization") != f"Token {TOKEN}":
            return self._send(401, {"detail": "Invalid v1 token"})
        if url.path not in ROUTES:
            return self._send(404, {"detail": "Not found."})
        if ROUTES[url.path] in self.forbidden:
            return self._send(403, {"detail": "You do not have permission to perform this action."})
        results = json.loads((HERE / f"{ROUTES[url.path]}.json").read_text())["results"]
        for key, wanted in query.items():
            if key not in ("limit", "offset", "brief"):
                results = [r for r in results if _value(r.get(key)) in wanted]
        limit = min(int(query.get("limit", [self.page_size])[0]) or self.max_page_size, self.max_page_size)
        offset = int(query.get("offset", ["0"])[0])
        base = f"http://{self.headers['Host']}{url.path}"
        rest = {k: v for k, v in query.items() if k not in ("limit", "offset")}
        link = lambda o: f"{base}?{urlencode({**rest, 'limit': limit, 'offset': o}, doseq=True)}"  # noqa: E731
        self._send(200, {
            "count": len(results),
            "next": link(offset + limit) if offset + limit < len(results) else None,
            "previous": link(max(0, offset - limit)) if offset else None,
            "results": results[offset:offset + limit],
        })


def _value(field) -> str | None:
    if isinstance(field, dict):
        return field.get("slug") or field.get("value")
    return None if field is None else str(field)


@pytest.fixture
def netbox(monkeypatch) -> Iterator[str]:
    NetBoxReplay.requests = []
    NetBoxReplay.forbidden = set()
    NetBoxReplay.html = False
    monkeypatch.setenv("NETBOX_TOKEN", TOKEN)
    with LocalServer(NetBoxReplay) as server:
        yield server.url


def scan(url: str, **params) -> InventoryBatch:
    p = Params(url=url, **params)
    return normalize(fetch(p, ScanContext()), p)


def test_sites_devices_clusters_and_vms_become_sites_and_components(netbox):
    batch = scan(netbox, region_countries={"offshore": "IN"})

    assert {(s.id, s.name, s.country, s.city, s.legal_entity) for s in batch.sites} == {
        ("dc-apeldoorn", "Data centre Apeldoorn", "NL", "Apeldoorn", "example-customs-agency"),  # from the parent region
        ("dc-groningen", "Data centre Groningen", "NL", "Groningen", "example-customs-agency"),
        ("pune-desk", "Service desk Pune", "IN", None, None),  # from region_countries
    }
    assert {(c.id, c.system, c.kind, c.site, c.depends_on) for c in batch.components} == {
        ("apd-vsphere-cl01", "hosting-platform", "cluster (VMware vSphere)", "dc-apeldoorn", ("apd-esx-01", "apd-esx-02")),
        ("apd-dms-app-01", None, "virtual machine", "dc-apeldoorn", ("apd-vsphere-cl01",)),
        ("apd-dms-batch-01", "import-export-declarations", "virtual machine", "dc-apeldoorn", ("apd-vsphere-cl01",)),
        ("apd-old-ftp-01", None, "virtual machine", "dc-apeldoorn", ("apd-vsphere-cl01",)),
        ("apd-esx-01", "hosting-platform", "Hypervisor host", "dc-apeldoorn", ()),
        ("apd-esx-02", "hosting-platform", "Hypervisor host", "dc-apeldoorn", ()),
        ("gro-san-01", "hosting-platform", "Storage array", "dc-groningen", ()),
        ("pune-desk-fw", None, "Firewall", "pune-desk", ()),
    }  # the unnamed patch panel is no resource
    vm = next(c for c in batch.components if c.id == "apd-dms-app-01")
    assert (vm.holds_data, vm.data_volume_gb, vm.tags["netbox.tenant"], vm.tags["netbox.tag.production"]) == (True, 200.0, "customs-dms", "Production")
    assert vm.origin == "https://netbox.example.org/api/virtualization/virtual-machines/21/"
    assert {(c.scope.rsplit(" ", 1)[1], c.status, c.count) for c in batch.coverage} == {
        ("regions", "read", 4), ("sites", "read", 3), ("tenants", "read", 2), ("clusters", "read", 1),
        ("virtual_machines", "read", 3), ("devices", "read", 5)}


def test_every_page_is_read_with_the_token_and_nothing_but_get(netbox):
    scan(netbox)

    paths = [p for p, _, _ in NetBoxReplay.requests]
    assert paths.count("/api/dcim/devices/") == 2  # 2 of 5, then limit=5 clamped to 3
    assert {auth for _, _, auth in NetBoxReplay.requests} == {f"Token {TOKEN}"}


def test_without_a_country_the_site_country_stays_unknown_and_tenants_can_be_systems(netbox):
    batch = scan(netbox, tenant_as_system=True)

    assert ("pune-desk", None) in {(s.id, s.country) for s in batch.sites}
    assert {(s.id, s.name) for s in batch.systems} == {("customs-dms", "Customs DMS")}
    assert ("apd-dms-app-01", "customs-dms") in {(c.id, c.system) for c in batch.components}


def test_filters_go_to_the_api(netbox):
    batch = scan(netbox, filters={"virtual_machines": {"status": "active"}, "devices": {"role": ["storage", "firewall"]}})

    assert {c.id for c in batch.components if c.kind in ("virtual machine", "Storage array", "Firewall")} == {
        "apd-dms-app-01", "apd-dms-batch-01", "gro-san-01", "pune-desk-fw"}
    assert {"status": ["active"]}.items() <= next(q for p, q, _ in NetBoxReplay.requests if p.endswith("virtual-machines/")).items()


def test_an_endpoint_the_token_may_not_read_is_denied_coverage(netbox):
    NetBoxReplay.forbidden = {"virtual-machines"}

    batch = scan(netbox)

    denied = [c for c in batch.coverage if c.status != "read"]
    assert [(c.scope.rsplit(" ", 1)[1], c.status) for c in denied] == [("virtual_machines", "denied")]
    assert "403" in denied[0].detail
    assert not any(c.kind == "virtual machine" for c in batch.components)


@pytest.mark.parametrize(
    ("setup", "field", "words"),
    [
        (lambda mp: mp.setenv("NETBOX_TOKEN", "wrong"), "token_env", "refused the token"),
        (lambda mp: mp.delenv("NETBOX_TOKEN"), "token_env", "NETBOX_TOKEN holding the NetBox token is not set"),
        (lambda mp: setattr(NetBoxReplay, "html", True), "url", "not JSON"),
    ],
)
def test_a_wrong_token_or_url_stops_with_a_clear_error(netbox, monkeypatch, setup, field, words):
    setup(monkeypatch)

    with pytest.raises(InputError) as info:
        scan(netbox)

    assert info.value.field == field
    assert words in info.value.reason


def test_an_unreachable_netbox_names_the_url():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there

    with pytest.raises(InputError) as info:
        scan(f"http://127.0.0.1:{port}", token_env=None)

    assert info.value.field == "url" and "cannot reach NetBox" in info.value.reason


def test_a_token_in_the_config_is_refused(tmp_path):
    from sovmap.config import load_config

    cfg = tmp_path / "sovmap.yaml"
    cfg.write_text(f"version: 1\nsources:\n  - type: netbox\n    url: https://netbox.example.org\n    token: {TOKEN}\n")

    with pytest.raises((InputError, InputErrors)) as info:
        load_config(cfg)

    assert "does not belong in sovmap.yaml" in str(info.value)
    assert "sovmap.yaml:3" in str(info.value)
