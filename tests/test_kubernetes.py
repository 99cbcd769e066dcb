"""The Kubernetes connector against a local HTTPS API server replaying recorded NodeList/NamespaceList pages."""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from connectors import ScanContext
from connectors.kubernetes_nodes import Params, fetch, normalize
from inventory.store import open_store
from localhttps import LocalServer, ReplayHandler, certificates
from sovmap.errors import InputError, InputErrors
from sovmap.scan import run_scan

FIXTURES = Path(__file__).parent / "fixtures" / "kubernetes"
EKS = FIXTURES / "eks"
TOKEN = "sovmap-reader-token-7f3a"
CLUSTER = "customs-prod-eks"


class ApiServer(LocalServer):
    """Serves recorded list pages: the first without `continue`, the next for the token the previous page gave.

    Its certificate is signed by a CA of its own, whose certificate is what a kubeconfig's
    certificate-authority-data holds (``ca_pem``).
    """

    def __init__(self, tmp: Path) -> None:
        self.requests: list[tuple[str, dict[str, list[str]], str | None]] = []
        self.forbidden: set[str] = set()
        self.token = TOKEN
        self.pages = {
            "/api/v1/nodes": [json.loads((EKS / "nodes-page-1.json").read_text()), json.loads((EKS / "nodes-page-2.json").read_text())],
            "/api/v1/namespaces": [json.loads((EKS / "namespaces.json").read_text())],
        }
        ca, cert, key = certificates(tmp)
        self.ca_pem = Path(ca).read_bytes()
        server = self

        class Handler(ReplayHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                url = urlparse(self.path)
                query = parse_qs(url.query)
                server.requests.append((url.path, query, self.headers.get("Authorization")))
                if self.headers.get("Authorization") != f"Bearer {server.token}":
                    return self._send(401, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
                if url.path in server.forbidden:
                    resource = url.path.rsplit("/", 1)[-1]
                    return self._send(403, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Forbidden", "code": 403,
                                            "message": f'{resource} is forbidden: User "system:serviceaccount:sovmap:reader" cannot list resource "{resource}" in API group "" at the cluster scope',
                                            "details": {"kind": resource}})
                pages = server.pages.get(url.path)
                if pages is None:
                    return self._send(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404})
                token = query.get("continue", [None])[0]
                if token is None:
                    return self._send(200, pages[0])
                for previous, page in zip(pages, pages[1:]):
                    if previous["metadata"].get("continue") == token:
                        return self._send(200, page)
                return self._send(410, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Expired", "code": 410,
                                        "message": "The provided continue parameter is too old to display a consistent list result."})

            def _send(self, code: int, body: dict) -> None:
                self.reply(code, json.dumps(body).encode(), {"Content-Type": "application/json"})

        super().__init__(Handler, tls=(cert, key))
        self.start()


@pytest.fixture
def api(tmp_path):
    server = ApiServer(tmp_path)
    yield server
    server.close()


def kubeconfig(tmp_path: Path, server_url: str, ca_pem: bytes, *, token: str = TOKEN, name: str = "kubeconfig.yaml") -> Path:
    path = tmp_path / name
    path.write_text(
        "apiVersion: v1\nkind: Config\n"
        "clusters:\n"
        f"- name: {CLUSTER}\n  cluster:\n    server: {server_url}\n"
        f"    certificate-authority-data: {base64.b64encode(ca_pem).decode()}\n"
        "users:\n"
        f"- name: sovmap-reader\n  user:\n    token: {token}\n"
        "contexts:\n"
        f"- name: customs-prod\n  context:\n    cluster: {CLUSTER}\n    user: sovmap-reader\n"
        f"- name: customs-test\n  context:\n    cluster: {CLUSTER}\n    user: sovmap-reader\n"
        "current-context: customs-prod\n"
    )
    return path


def scan(tmp_path: Path, **params):
    p = Params(**params)
    return normalize(fetch(p, ScanContext(base_dir=tmp_path)), p)


# --- through the real client ----------------------------------------------------------------------------


def test_nodes_cluster_and_namespaces_from_the_api(tmp_path, api):
    kubeconfig(tmp_path, api.url, api.ca_pem)

    batch = scan(tmp_path, kubeconfig="kubeconfig.yaml", system_label="sovmap.eu/system", page_size=2)

    got = {(c.id, c.kind, c.provider, c.service, c.region, c.system) for c in batch.components}
    assert got == {
        (f"k8s:{CLUSTER}", "kubernetes-cluster", "aws", "eks", "eu-west-1", None),
        (f"k8s:{CLUSTER}:node:ip-10-40-1-23.eu-west-1.compute.internal", "kubernetes-node", "aws", "eks", "eu-west-1", None),
        (f"k8s:{CLUSTER}:node:ip-10-40-2-87.eu-west-1.compute.internal", "kubernetes-node", "aws", "eks", "eu-west-1", None),
        (f"k8s:{CLUSTER}:node:ip-10-40-3-11.eu-west-1.compute.internal", "kubernetes-node", "aws", "eks", "eu-west-1", None),
        (f"k8s:{CLUSTER}:ns:default", "kubernetes-namespace", "aws", "eks", "eu-west-1", None),
        (f"k8s:{CLUSTER}:ns:ecom-intake", "kubernetes-namespace", "aws", "eks", "eu-west-1", "ecom-declarations"),
        (f"k8s:{CLUSTER}:ns:monitoring", "kubernetes-namespace", "aws", "eks", "eu-west-1", None),
        (f"k8s:{CLUSTER}:ns:scan-inference", "kubernetes-namespace", "aws", "eks", "eu-west-1", "scan-images"),
    }


def test_lists_are_paged_with_limit_and_continue_and_sent_with_the_token(tmp_path, api):
    kubeconfig(tmp_path, api.url, api.ca_pem)

    scan(tmp_path, kubeconfig="kubeconfig.yaml", page_size=2)

    nodes = [(q.get("limit"), q.get("continue")) for path, q, _ in api.requests if path == "/api/v1/nodes"]
    first_token = json.loads((EKS / "nodes-page-1.json").read_text())["metadata"]["continue"]
    assert nodes == [(["2"], None), (["2"], [first_token])]
    assert {auth for *_, auth in api.requests} == {f"Bearer {TOKEN}"}


def test_the_cluster_depends_on_its_nodes_and_namespaces_on_the_cluster(tmp_path, api):
    kubeconfig(tmp_path, api.url, api.ca_pem)

    batch = scan(tmp_path, kubeconfig="kubeconfig.yaml", cluster_system="shared-platform")

    by_id = {c.id: c for c in batch.components}
    cluster = by_id[f"k8s:{CLUSTER}"]
    assert set(cluster.depends_on) == {i for i, c in by_id.items() if c.kind == "kubernetes-node"}
    assert (cluster.system, cluster.external_id) == ("shared-platform", api.url)
    assert {c.system for c in by_id.values() if c.kind == "kubernetes-node"} == {"shared-platform"}
    assert {c.depends_on for c in by_id.values() if c.kind == "kubernetes-namespace"} == {(cluster.id,)}
    node = by_id[f"k8s:{CLUSTER}:node:ip-10-40-3-11.eu-west-1.compute.internal"]
    assert node.external_id == "aws:///eu-west-1c/i-0c3d4e5f607182930"
    assert node.tags["eks.amazonaws.com/nodegroup"] == "gpu-inference"
    assert [(e.scope.rsplit(" ", 1)[1], e.status, e.count) for e in batch.coverage] == [("nodes", "read", 3), ("namespaces", "read", 4)]


def test_namespaces_the_credentials_may_not_list_are_reported_not_fatal(tmp_path, api):
    api.forbidden.add("/api/v1/namespaces")
    kubeconfig(tmp_path, api.url, api.ca_pem)

    batch = scan(tmp_path, kubeconfig="kubeconfig.yaml")

    assert {c.kind for c in batch.components} == {"kubernetes-cluster", "kubernetes-node"}
    denied = [e for e in batch.coverage if e.status == "denied"]
    assert len(denied) == 1 and denied[0].scope.endswith("namespaces") and "forbidden" in denied[0].detail


def test_a_named_context_is_used_and_an_unknown_one_is_refused(tmp_path, api):
    path = kubeconfig(tmp_path, api.url, api.ca_pem)

    batch = scan(tmp_path, kubeconfig=str(path), context="customs-test", cluster="eks-test")

    assert f"k8s:eks-test" in {c.id for c in batch.components}
    with pytest.raises(InputError) as info:
        scan(tmp_path, kubeconfig=str(path), context="customs-acc")
    assert info.value.field == "context" and "known: customs-prod, customs-test" in str(info.value)


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        ("wrong-token", "did not accept the credentials (401"),
        ("no-server", "cannot reach the API server https://127.0.0.1:"),
        ("no-file", "kubeconfig file not found"),
        ("not-a-kubeconfig", "cannot use the kubeconfig"),
    ],
)
def test_connection_and_kubeconfig_problems_name_the_kubeconfig(tmp_path, api, setup, words):
    url = api.url
    if setup == "no-server":
        api.close()
        api.close = lambda: None
    path = kubeconfig(tmp_path, url, api.ca_pem, token="stale" if setup == "wrong-token" else TOKEN)
    if setup == "no-file":
        path.unlink()
    if setup == "not-a-kubeconfig":
        path.write_text("apiVersion: v1\nkind: Config\nclusters: []\n")

    with pytest.raises(InputError) as info:
        scan(tmp_path, kubeconfig="kubeconfig.yaml", timeout_seconds=5)

    assert words in str(info.value) and info.value.file == str(path)


# --- placing nodes of every kind of cluster (recorded items, normalize only) ----------------------------------


def raw_of(items: list, namespaces: list | None = None, cluster: str = "c") -> dict:
    return {"kubeconfig": "kube.yaml", "context": "ctx", "cluster": cluster, "server": "https://api.example:6443",
            "nodes": items, "namespaces": namespaces or [], "denied": {}}


def test_nodes_are_placed_by_provider_id_and_labels():
    items = json.loads((FIXTURES / "nodes-other-clusters.json").read_text())["items"]

    batch = normalize(raw_of(items), Params(openstack_provider="ovhcloud"))

    nodes = {(c.name, c.provider, c.service, c.region, c.account) for c in batch.components if c.kind == "kubernetes-node"}
    assert nodes == {
        ("aks-system-31415926-vmss000000", "azure", "aks", "westeurope", "0b1f6471-1bf0-4dda-aec3-cb9272f09590"),
        ("gke-ml-training-gpu-pool-3f2a1b0c-x7kq", "gcp", "gke", "europe-west4", "customs-ml-prod"),
        ("k3s-worker-1", "hetzner", "cloud-servers", "nbg1", None),
        ("partners-node-5c2e1a", "ovhcloud", "public-cloud-instances", "gra", None),  # GRA7 through the OVHcloud region names
        ("scw-edge-pool-edge-8e1f2a", "scaleway", "kapsule", "fr-par", None),
        ("kind-control-plane", None, None, None, None),  # kind:// is no cloud: nothing guessed
        ("onprem-k8s-03", None, None, None, None),
    }
    cluster = next(c for c in batch.components if c.kind == "kubernetes-cluster")
    assert (cluster.provider, cluster.service, cluster.region) == (None, None, None)  # nodes disagree
    assert "2 nodes without a known cloud provider ID" in batch.coverage[0].detail


def test_openstack_nodes_without_a_configured_provider_stay_unknown():
    items = json.loads((FIXTURES / "nodes-other-clusters.json").read_text())["items"]

    batch = normalize(raw_of(items), Params())

    node = next(c for c in batch.components if c.name == "partners-node-5c2e1a")
    assert (node.provider, node.service, node.region) == (None, None, "gra7")


def test_region_from_the_provider_id_zone_when_labels_lack_it():
    node = {"metadata": {"name": "n1", "labels": {}}, "spec": {"providerID": "aws:///eu-central-1b/i-0123456789abcdef0"}}
    gce = {"metadata": {"name": "n2"}, "spec": {"providerID": "gce://customs-ml-prod/europe-west1-c/n2"}}

    batch = normalize(raw_of([node, gce]), Params())

    assert {(c.name, c.provider, c.service, c.region) for c in batch.components if c.kind == "kubernetes-node"} == {
        ("n1", "aws", "ec2", "eu-central-1"), ("n2", "gcp", "compute-engine", "europe-west1")}


def test_items_without_a_name_are_errors_naming_the_item():
    with pytest.raises(InputErrors) as info:
        normalize(raw_of([{"metadata": {}}, {"spec": {}}]), Params())

    assert {(e.file, e.entry, e.field) for e in info.value.errors} == {
        ("https://api.example:6443/api/v1/nodes", "items[0]", "metadata.name"),
        ("https://api.example:6443/api/v1/nodes", "items[1]", "metadata.name"),
    }


# --- through a scan -------------------------------------------------------------------------------------


def test_scan_attributes_namespaces_and_reaches_the_nodes_regions(tmp_path, api):
    kubeconfig(tmp_path, api.url, api.ca_pem)
    (tmp_path / "inventory.yaml").write_text(
        "version: 1\norganization: {name: Example Customs Agency, country: NL}\nsystems:\n"
        "  - {id: ecom-declarations, name: E-commerce declarations, criticality: critical}\n"
        "  - {id: scan-images, name: Scan image analysis, criticality: high}\n"
    )
    (tmp_path / "sovmap.yaml").write_text(
        "version: 1\nsources:\n  - type: declared\n    path: inventory.yaml\n"
        "  - type: kubernetes\n    kubeconfig: kubeconfig.yaml\n    system_label: sovmap.eu/system\n"
    )
    store = open_store(f"sqlite:///{tmp_path / 'sovmap.db'}")

    result = run_scan(tmp_path / "sovmap.yaml", store, as_of=date(2026, 11, 22))

    exposure = store.scores(result.snapshot_id, "exposure")
    reach = {(j["code"], v["kind"]) for j in exposure["ecom-declarations"]["jurisdictions"] for v in j["via"]}
    assert ("IE", "location") in reach  # eu-west-1, through the namespace's cluster
    assert ("US", "legal-entity") in reach
    findings = {(f["type"], f["scope"].get("component")) for f in store.findings(result.snapshot_id)}
    assert ("unattributed-resource", f"k8s:{CLUSTER}:ns:monitoring") in findings
    store.close()
