"""Kubernetes: a cluster, its nodes (where they run) and its namespaces (what runs on it), through a kubeconfig.

Every node becomes a component placed by its ``spec.providerID`` (the cloud that runs
it), its topology labels (region, zone) and the labels only managed Kubernetes sets
(EKS, AKS, GKE, Kapsule). The cluster is a component that depends on its nodes; every
namespace is a component that depends on the cluster, attributed to a system by a
namespace label named in the source.

.. code-block:: yaml

    sources:
      - type: kubernetes
        kubeconfig: kube/prod.yaml        # default: $KUBECONFIG, then ~/.kube/config
        context: customs-prod             # default: the kubeconfig's current context
        system_label: sovmap.eu/system    # namespace label that names the system
        openstack_provider: ovhcloud      # who runs the OpenStack behind openstack:/// provider ids

Only ``get``/``list`` on nodes and namespaces are used; a namespace list the credentials
may not read is recorded in the coverage report, not fatal. ``fetch`` pages through both
lists (``limit``/``continue``) and returns the API's own JSON; ``normalize`` is pure.
The Kubernetes client is imported inside ``fetch`` so that ``import connectors`` stays cheap.
The full description is ``docs/connectors/kubernetes.md``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from connectors import ScanContext
from connectors.mappings import account_of, global_id, load_model, normalize_region
from inventory.records import ComponentRecord, CoverageEntry, InventoryBatch
from sovmap.errors import InputError, InputErrors

TYPE = "kubernetes"
SUMMARY = "Kubernetes cluster through a kubeconfig: nodes placed by provider ID and topology labels, namespaces by label."
PERMISSIONS = (
    "a ClusterRole with get and list on nodes and namespaces (core API group), bound to the kubeconfig's user",
    "read access to the kubeconfig file",
)

__all__ = ["Params", "fetch", "normalize"]

Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
Key = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/+-]*$")]

_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*)://(.*)$")


class ManagedLabel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: Text
    provider: Key
    service: Key


class MappingFile(BaseModel):
    """``connectors/mappings/kubernetes.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider_ids: dict[Key, Key | None]
    managed: tuple[ManagedLabel, ...] = ()
    virtual_machines: dict[Key, Key] = {}
    region_labels: tuple[Text, ...] = ()
    zone_labels: tuple[Text, ...] = ()


def mapping() -> MappingFile:
    return load_model("kubernetes.yaml", MappingFile)


class Params(BaseModel):
    """The source entry in ``sovmap.yaml``: ``{type: kubernetes, kubeconfig: kube.yaml, context: prod}``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: Literal["kubernetes"] = "kubernetes"
    name: Text | None = None
    kubeconfig: Text | None = None
    context: Text | None = None
    # The cluster's name in sovmap (ids k8s:<cluster>:...); default: the context's cluster name.
    cluster: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@/+-]*$")] | None = None
    system_label: Text | None = None
    cluster_system: Text | None = None
    skip_namespaces: list[Text] = ["kube-system", "kube-public", "kube-node-lease"]
    openstack_provider: Key | None = None
    page_size: int = Field(default=500, ge=1, le=10000)
    timeout_seconds: float = Field(default=30, gt=0, le=600)

    def source_name(self, cluster: str) -> str:
        return self.name or f"{TYPE}:{cluster}"


# --- fetch: the only I/O ----------------------------------------------------------------------------------


def _kubeconfig_path(params: Params, ctx: ScanContext) -> str | None:
    if params.kubeconfig is None:
        return None  # the client's own default: $KUBECONFIG, then ~/.kube/config
    path = Path(os.path.expanduser(params.kubeconfig))
    return str(path if path.is_absolute() else ctx.base_dir / path)


def fetch(params: Params, ctx: ScanContext) -> dict[str, Any]:
    """List nodes and namespaces page by page; returns the API's JSON items and what could not be read."""
    import urllib3
    from kubernetes import client, config
    from kubernetes.client.rest import ApiException
    from kubernetes.config.config_exception import ConfigException

    path = _kubeconfig_path(params, ctx)
    shown = path or os.environ.get("KUBECONFIG") or "~/.kube/config"
    if path is not None and not Path(path).is_file():
        raise InputError("kubeconfig file not found", file=shown, field="kubeconfig")
    try:
        contexts, active = config.list_kube_config_contexts(config_file=path)
        if params.context is not None:
            chosen = next((c for c in contexts if c.get("name") == params.context), None)
            if chosen is None:
                known = ", ".join(sorted(str(c.get("name")) for c in contexts)) or "none"
                raise InputError(f"no context '{params.context}' (known: {known})", file=shown, field="context")
        else:
            chosen = active
        if not chosen:
            raise InputError("the kubeconfig has no current-context; name one with 'context'", file=shown, field="context")
        api_client = config.new_client_from_config(config_file=path, context=params.context, persist_config=False)
    except ConfigException as exc:
        raise InputError(f"cannot use the kubeconfig: {exc}", file=shown) from None
    cluster_name = params.cluster or (chosen.get("context") or {}).get("cluster") or chosen.get("name")
    server = api_client.configuration.host
    core = client.CoreV1Api(api_client)
    raw: dict[str, Any] = {"kubeconfig": shown, "context": chosen.get("name"), "cluster": cluster_name, "server": server,
                           "nodes": None, "namespaces": None, "denied": {}}
    try:
        for kind, method in (("nodes", core.list_node), ("namespaces", core.list_namespace)):
            ctx.progress(f"listing {kind} of {server}")
            try:
                raw[kind] = _list_all(method, params, f"{server}/api/v1/{kind}")
            except ApiException as exc:
                if exc.status == 403:
                    raw["denied"][kind] = f"forbidden: the credentials may not list {kind} ({exc.reason})"
                    continue
                if exc.status == 401:
                    raise InputError(f"the API server {server} did not accept the credentials (401 {exc.reason})", file=shown) from None
                if exc.status == 410:
                    raise InputError(f"the {kind} list changed while it was paged (410 Gone); run the scan again", file=shown) from None
                raise InputError(f"the API server {server} answered {exc.status} {exc.reason} to listing {kind}", file=shown) from None
            except urllib3.exceptions.HTTPError as exc:
                reason = getattr(exc, "reason", None) or exc
                raise InputError(f"cannot reach the API server {server}: {reason}", file=shown) from None
    finally:
        api_client.close()
    return raw


def _list_all(method: Any, params: Params, url: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        response = method(limit=params.page_size, _continue=token, _preload_content=False, _request_timeout=params.timeout_seconds)
        try:
            body = json.loads(response.data)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise InputError("the API server's answer is not JSON", file=url) from None
        page = body.get("items") if isinstance(body, dict) else None
        if not isinstance(page, list):
            raise InputError("the API server's answer has no 'items' list", file=url)
        items.extend(page)
        token = (body.get("metadata") or {}).get("continue") or None
        if token is None:
            return items


# --- normalize: pure ----------------------------------------------------------------------------------


def _labels(obj: dict[str, Any]) -> dict[str, str]:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return {k: v for k, v in labels.items() if isinstance(k, str) and isinstance(v, str) and v} if isinstance(labels, dict) else {}


def _place_node(labels: dict[str, str], provider_id: str | None, table: MappingFile, params: Params) -> dict[str, Any]:
    """Provider, service, region and account of a node, from its provider ID and labels."""
    provider = None
    known_scheme = False
    rest = ""
    if provider_id:
        found = _SCHEME.match(provider_id)
        if found and found.group(1) in table.provider_ids:
            known_scheme = True
            provider = table.provider_ids[found.group(1)]
            if provider is None and found.group(1) == "openstack":
                provider = params.openstack_provider
            rest = found.group(2)
    service = None
    for rule in table.managed:
        if rule.label in labels and (provider is None or provider == rule.provider):
            # The label is the provider's own: it places the node even without a provider ID.
            provider, service = rule.provider, rule.service
            break
    if service is None and provider is not None:
        service = table.virtual_machines.get(provider)
    region = next((normalize_region(provider, labels[k]) for k in table.region_labels if labels.get(k)), None)
    if region is None:
        zone = next((labels[k] for k in table.zone_labels if labels.get(k)), None)
        if zone is None and known_scheme and provider in ("aws", "gcp"):
            # aws:///eu-west-1a/i-... and gce://project/europe-west4-a/name carry the zone.
            parts = rest.strip("/").split("/")
            zone = parts[0] if provider == "aws" and len(parts) == 2 else parts[1] if provider == "gcp" and len(parts) == 3 else None
        region = normalize_region(provider, zone)
    account = None
    if provider == "azure":
        account = account_of("/" + rest.lstrip("/"))
    elif provider == "gcp" and rest:
        account = rest.split("/", 1)[0] or None
    return {"provider": provider, "service": service, "region": region, "account": account}


def normalize(raw: dict[str, Any], params: Params | None = None) -> InventoryBatch:
    """Nodes, the cluster and namespaces from the API's JSON (pure)."""
    params = params or Params()
    table = mapping()
    cluster = params.cluster or raw["cluster"]
    if not cluster:
        raise InputError("the kubeconfig context names no cluster; set 'cluster' in the source", file=raw.get("kubeconfig"), field="cluster")
    source = params.source_name(cluster)
    server = raw.get("server") or cluster
    cluster_id = f"k8s:{cluster}"
    batch = InventoryBatch(source=source)
    errors: list[InputError] = []

    nodes: list[ComponentRecord] = []
    for i, item in enumerate(raw.get("nodes") or []):
        name = ((item or {}).get("metadata") or {}).get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name:
            errors.append(InputError("a node without metadata.name", file=f"{server}/api/v1/nodes", entry=f"items[{i}]", field="metadata.name"))
            continue
        labels = _labels(item)
        provider_id = (item.get("spec") or {}).get("providerID") or None
        placed = _place_node(labels, provider_id if isinstance(provider_id, str) else None, table, params)
        nodes.append(
            ComponentRecord(
                id=f"{cluster_id}:node:{name}",
                name=name,
                system=params.cluster_system,
                kind="kubernetes-node",
                external_id=provider_id,
                tags=labels,
                source=source,
                origin=f"{server}/api/v1/nodes/{name}",
                **placed,
            )
        )
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)

    def common(field: str) -> str | None:
        values = {getattr(n, field) for n in nodes}
        return values.pop() if len(values) == 1 else None

    provider, service, region = common("provider"), None, common("region")
    managed = {rule.service for rule in table.managed if rule.provider == provider}
    if provider is not None and nodes and all(n.service in managed for n in nodes) and len({n.service for n in nodes}) == 1:
        service = nodes[0].service  # every node says the cluster is the provider's managed Kubernetes
    cluster_record = ComponentRecord(
        id=cluster_id,
        name=cluster,
        system=params.cluster_system,
        kind="kubernetes-cluster",
        provider=provider,
        service=service,
        region=region,
        account=common("account"),
        # EKS kubeconfigs name the cluster by its ARN: the id a cloud or Terraform source has for it.
        external_id=global_id("aws", cluster) or raw.get("server"),
        depends_on=tuple(n.id for n in nodes),
        source=source,
        origin=f"{server} (context {raw.get('context')})",
    )
    batch.components.extend([cluster_record, *nodes])

    skipped = 0
    for i, item in enumerate(raw.get("namespaces") or []):
        name = ((item or {}).get("metadata") or {}).get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name:
            errors.append(InputError("a namespace without metadata.name", file=f"{server}/api/v1/namespaces", entry=f"items[{i}]", field="metadata.name"))
            continue
        if name in params.skip_namespaces:
            skipped += 1
            continue
        labels = {k: v for k, v in _labels(item).items() if k != "kubernetes.io/metadata.name"}
        batch.components.append(
            ComponentRecord(
                id=f"{cluster_id}:ns:{name}",
                name=name,
                system=labels.get(params.system_label) if params.system_label else None,
                kind="kubernetes-namespace",
                # A namespace runs where its cluster runs.
                provider=provider,
                service=service,
                region=region,
                account=cluster_record.account,
                depends_on=(cluster_id,),
                tags=labels,
                source=source,
                origin=f"{server}/api/v1/namespaces/{name}",
            )
        )
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)

    unplaced = sum(1 for n in nodes if n.provider is None)
    detail = f"{unplaced} nodes without a known cloud provider ID" if unplaced else None
    batch.coverage.append(CoverageEntry(source=source, scope=f"{server} nodes", status="read", detail=detail, count=len(nodes)))
    if "nodes" in raw.get("denied", {}):
        batch.coverage[-1] = CoverageEntry(source=source, scope=f"{server} nodes", status="denied", detail=raw["denied"]["nodes"])
    if "namespaces" in raw.get("denied", {}):
        batch.coverage.append(CoverageEntry(source=source, scope=f"{server} namespaces", status="denied", detail=raw["denied"]["namespaces"]))
    else:
        ns_detail = f"{skipped} system namespaces left out ({', '.join(params.skip_namespaces)})" if skipped else None
        batch.coverage.append(CoverageEntry(source=source, scope=f"{server} namespaces", status="read", detail=ns_detail,
                                            count=len(batch.components) - 1 - len(nodes)))
    return batch
