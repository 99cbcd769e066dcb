"""NetBox through its REST API (pynetbox): sites, devices, clusters and virtual machines.

.. code-block:: yaml

    sources:
      - type: netbox
        url: https://netbox.example.org
        token_env: NETBOX_TOKEN          # the name of the environment variable, never the token
        ca_bundle: certs/internal-ca.pem # or verify: false for a lab instance
        filters: {devices: {status: active, role: [server, storage]}, virtual_machines: {status: active}}
        region_countries: {benelux-nl: NL}

Read (``GET`` only): ``dcim/regions``, ``dcim/sites``, ``tenancy/tenants``,
``virtualization/clusters``, ``virtualization/virtual-machines`` and ``dcim/devices``, every
page. A site becomes a **site**; its country is the site's custom field ``country``, else the
same custom field on its region or a parent region, else ``region_countries`` (by region
slug); without one the site's country stays unknown (an UNKNOWN finding). Devices, clusters
and virtual machines become on-premises **components** at their site: a virtual machine
depends on its cluster (or its device), a cluster on its hosts. The system of a component is
its custom field ``system``, else (with ``tenant_as_system``) its tenant's slug. An endpoint
the token may not read is reported in the coverage as denied, the scan goes on; a wrong URL
or token stops it with a clear error. The full description is ``docs/connectors/netbox.md``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from connectors import ScanContext
from connectors._common import storable_text
from inventory.records import ComponentRecord, CoverageEntry, InventoryBatch, SiteRecord, SystemRecord
from sovmap.errors import InputError

TYPE = "netbox"
SUMMARY = "NetBox REST API: regions, sites (with country), tenants, clusters, virtual machines and devices."
PERMISSIONS = (
    "a NetBox API token with read (view) permission on dcim.region, dcim.site, dcim.device, "
    "tenancy.tenant, virtualization.cluster and virtualization.virtualmachine; no write permission",
)

__all__ = ["ENDPOINTS", "Params", "fetch", "normalize"]

Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]

#: Object kind -> (app, endpoint); read in this order so that references resolve.
ENDPOINTS: dict[str, tuple[str, str]] = {
    "regions": ("dcim", "regions"),
    "sites": ("dcim", "sites"),
    "tenants": ("tenancy", "tenants"),
    "clusters": ("virtualization", "clusters"),
    "virtual_machines": ("virtualization", "virtual_machines"),
    "devices": ("dcim", "devices"),
}
FilterValue = str | int | bool | list[str | int]


class Params(BaseModel):
    """The source entry in ``sovmap.yaml``: ``{type: netbox, url: https://netbox.example.org}``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: Literal["netbox"] = "netbox"
    name: Text | None = None
    url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s/]+(/[^\s]*)?$")]
    token_env: EnvName | None = "NETBOX_TOKEN"
    verify: bool = True
    ca_bundle: Text | None = None
    timeout: float = Field(default=30, gt=0, le=600)
    filters: dict[Literal["regions", "sites", "tenants", "clusters", "virtual_machines", "devices"], dict[Text, FilterValue]] = {}
    country_field: Text = "country"
    system_field: Text | None = "system"
    tenant_as_system: bool = False
    region_countries: dict[Text, Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]] = {}
    site_legal_entity_field: Text | None = "legal_entity"

    @model_validator(mode="before")
    @classmethod
    def _no_token(cls, data: Any) -> Any:
        if isinstance(data, dict) and "token" in data:
            raise ValueError("a token does not belong in sovmap.yaml: put it in an environment variable and name that "
                             "variable in 'token_env'")
        return data

    def source_name(self) -> str:
        return self.name or f"{TYPE}:{re.sub(r'^https?://', '', self.url).rstrip('/')}"


def _session(params: Params, ctx: ScanContext):
    import requests

    class _Session(requests.Session):
        # pynetbox sets no timeout; a NetBox that stops answering must not hang the scan.
        def request(self, *args, **kwargs):  # type: ignore[override]
            kwargs.setdefault("timeout", params.timeout)
            return super().request(*args, **kwargs)

    session = _Session()
    if params.ca_bundle:
        bundle = Path(params.ca_bundle)
        session.verify = str(bundle if bundle.is_absolute() else ctx.base_dir / bundle)
    else:
        session.verify = params.verify
    return session


def fetch(params: Params, ctx: ScanContext) -> dict[str, Any]:
    """Read every endpoint, all pages (the only I/O). Returns plain JSON objects per kind."""
    import pynetbox
    import requests
    from pynetbox.core.query import ContentError, RequestError

    token = None
    if params.token_env:
        token = os.environ.get(params.token_env)
        if not token:
            raise InputError(f"the environment variable {params.token_env} holding the NetBox token is not set",
                             entry=f"source {params.source_name()}", field="token_env")
    api = pynetbox.api(params.url, token=token)
    api.http_session = _session(params, ctx)
    raw: dict[str, Any] = {"url": params.url, "objects": {}, "problems": {}}
    for kind, (app, endpoint) in ENDPOINTS.items():
        ctx.progress(f"reading NetBox {app}/{endpoint.replace('_', '-')}")
        ep = getattr(getattr(api, app), endpoint)
        filters = params.filters.get(kind, {})
        try:
            records = ep.filter(**filters) if filters else ep.all()
            raw["objects"][kind] = [dict(r) for r in records]
        except RequestError as exc:
            status = exc.req.status_code
            if status == 401:
                raise InputError(f"NetBox refused the token (401 from {exc.req.url}): check {params.token_env}",
                                 entry=f"source {params.source_name()}", field="token_env") from None
            if status == 403:
                raw["problems"][kind] = ("denied", f"403 Forbidden on {app}/{endpoint.replace('_', '-')}: the token may not read it")
            else:
                raw["problems"][kind] = ("failed", f"{status} on {app}/{endpoint.replace('_', '-')}: {exc.error[:200]}")
        except (ContentError, requests.exceptions.JSONDecodeError):
            raise InputError(f"the answer from {params.url} is not JSON: is 'url' the NetBox base URL?",
                             entry=f"source {params.source_name()}", field="url") from None
        except requests.exceptions.SSLError as exc:
            raise InputError(f"TLS verification of {params.url} failed ({exc.__class__.__name__}); set 'ca_bundle' to "
                             "the CA that signed its certificate", entry=f"source {params.source_name()}", field="ca_bundle") from None
        except requests.exceptions.RequestException as exc:
            raise InputError(f"cannot reach NetBox at {params.url}: {exc.__class__.__name__}",
                             entry=f"source {params.source_name()}", field="url") from None
    return raw


# --- normalize (pure) ------------------------------------------------------------------------


def _slug(obj: Any) -> str | None:
    return obj.get("slug") if isinstance(obj, dict) else None


def _name(obj: Any) -> str | None:
    return (obj.get("name") or obj.get("display")) if isinstance(obj, dict) else None


def _custom(obj: dict, field: str | None) -> str | None:
    if field is None:
        return None
    value = (obj.get("custom_fields") or {}).get(field)
    if isinstance(value, dict):  # an object-type custom field
        value = value.get("slug") or value.get("name")
    return str(value).strip() or None if value is not None else None


def _site_id(site: Any) -> str | None:
    return _slug(site)


def normalize(raw: dict[str, Any], params: Params) -> InventoryBatch:
    """Map NetBox objects to sites, components and (with ``tenant_as_system``) systems."""
    source = params.source_name()
    objects = raw["objects"]
    url = raw["url"].rstrip("/")
    check_objects(objects, url)
    batch = InventoryBatch(source=source)

    def origin(kind: str, obj: dict) -> str:
        return obj.get("url") or f"{url}/api/{'/'.join(ENDPOINTS[kind]).replace('_', '-')}/{obj.get('id')}/"

    regions = {r["id"]: r for r in objects.get("regions", [])}

    def region_country(region: Any) -> str | None:
        seen: set[int] = set()
        while isinstance(region, dict) and region.get("id") not in seen:
            seen.add(region.get("id"))
            full = regions.get(region.get("id"), region)
            country = _custom(full, params.country_field) or params.region_countries.get(full.get("slug"))
            if country:
                return country
            region = full.get("parent")
        return None

    for site in objects.get("sites", []):
        batch.sites.append(SiteRecord(
            id=site["slug"], name=site.get("name") or site["slug"],
            country=_custom(site, params.country_field) or region_country(site.get("region")),
            city=_custom(site, "city"), legal_entity=_custom(site, params.site_legal_entity_field),
            source=source, origin=origin("sites", site),
        ))
    tenants = {t["id"]: t for t in objects.get("tenants", [])}
    systems: dict[str, SystemRecord] = {}

    def system_of(obj: dict) -> str | None:
        stated = _custom(obj, params.system_field)
        if stated:
            return stated
        tenant = obj.get("tenant")
        if params.tenant_as_system and isinstance(tenant, dict) and tenant.get("slug"):
            full = tenants.get(tenant.get("id"), tenant)
            systems.setdefault(full["slug"], SystemRecord(full["slug"], full.get("name") or full["slug"], description=full.get("description") or None,
                                                          source=source, origin=origin("tenants", full)))
            return full["slug"]
        return None

    def tags(obj: dict, extra: dict[str, str | None]) -> dict[str, str]:
        out = {f"netbox.{k}": v for k, v in extra.items() if v}
        for tag in obj.get("tags") or ():
            if isinstance(tag, dict) and tag.get("slug"):
                out[f"netbox.tag.{tag['slug']}"] = tag.get("name") or tag["slug"]
        return out

    cluster_ids: dict[int, str] = {}
    device_ids: dict[int, str] = {}
    hosts: dict[int, list[str]] = {}
    for device in objects.get("devices", []):
        if not device.get("name"):
            continue  # an unnamed device (a patch panel, a blank): no resource of its own
        device_ids[device["id"]] = device["name"]
        cluster = device.get("cluster")
        if isinstance(cluster, dict) and cluster.get("id") is not None:
            hosts.setdefault(cluster["id"], []).append(device["name"])
    for cluster in objects.get("clusters", []):
        cluster_ids[cluster["id"]] = cluster["name"]

    def cluster_site(cluster: dict) -> str | None:
        if isinstance(cluster.get("site"), dict):  # NetBox before 4.2
            return _site_id(cluster["site"])
        if cluster.get("scope_type") == "dcim.site" and isinstance(cluster.get("scope"), dict):
            return _site_id(cluster["scope"])
        return None

    clusters = {c["id"]: c for c in objects.get("clusters", [])}
    for cluster in objects.get("clusters", []):
        batch.components.append(ComponentRecord(
            id=cluster["name"], name=cluster["name"], system=system_of(cluster),
            kind=f"cluster ({_name(cluster.get('type')) or 'unknown type'})", site=cluster_site(cluster),
            depends_on=tuple(hosts.get(cluster["id"], ())), external_id=origin("clusters", cluster),
            tags=tags(cluster, {"tenant": _slug(cluster.get("tenant")), "status": (cluster.get("status") or {}).get("value")}),
            source=source, origin=origin("clusters", cluster),
        ))
    for vm in objects.get("virtual_machines", []):
        cluster = vm.get("cluster")
        site = _site_id(vm.get("site")) or (cluster_site(clusters[cluster["id"]]) if isinstance(cluster, dict) and cluster.get("id") in clusters else None)
        deps = []
        if isinstance(vm.get("device"), dict) and vm["device"].get("id") in device_ids:
            deps.append(device_ids[vm["device"]["id"]])
        elif isinstance(cluster, dict) and cluster.get("id") in cluster_ids:
            deps.append(cluster_ids[cluster["id"]])
        batch.components.append(ComponentRecord(
            id=vm["name"], name=vm["name"], system=system_of(vm), kind="virtual machine", site=site,
            holds_data=bool(vm.get("disk")), data_volume_gb=_disk_gb(vm.get("disk")), depends_on=tuple(deps),
            external_id=origin("virtual_machines", vm),
            tags=tags(vm, {"role": _slug(vm.get("role")), "tenant": _slug(vm.get("tenant")), "platform": _slug(vm.get("platform")),
                           "status": (vm.get("status") or {}).get("value")}),
            source=source, origin=origin("virtual_machines", vm),
        ))
    for device in objects.get("devices", []):
        if not device.get("name"):
            continue
        role = device.get("role") or device.get("device_role")  # device_role before NetBox 4.0
        dtype = device.get("device_type") or {}
        batch.components.append(ComponentRecord(
            id=device["name"], name=device["name"], system=system_of(device),
            kind=_name(role) or dtype.get("model"), site=_site_id(device.get("site")),
            external_id=origin("devices", device),
            tags=tags(device, {"role": _slug(role), "tenant": _slug(device.get("tenant")),
                               "model": dtype.get("model"), "manufacturer": _slug(dtype.get("manufacturer")),
                               "serial": device.get("serial") or None, "status": (device.get("status") or {}).get("value")}),
            source=source, origin=origin("devices", device),
        ))
    batch.systems = list(systems.values())
    for kind in ENDPOINTS:
        if kind in raw["problems"]:
            status, detail = raw["problems"][kind]
            batch.coverage.append(CoverageEntry(source=source, scope=f"{url} {kind}", status=status, detail=detail))
        else:
            batch.coverage.append(CoverageEntry(source=source, scope=f"{url} {kind}", status="read",
                                                count=len(objects.get(kind, []))))
    return batch


#: What the mapping reads from each kind of object: the fields it needs, and the JSON type of
#: every field it reads (NetBox's own schema). Nested objects (a site's region, a device's
#: cluster) are checked by _NESTED.
_REQUIRED: dict[str, tuple[str, ...]] = {
    "regions": ("id",), "sites": ("slug",), "tenants": ("id", "slug"), "clusters": ("id", "name"),
    "virtual_machines": ("name",), "devices": ("id",),
}
_REFERENCES = ("region", "parent", "site", "scope", "tenant", "cluster", "device", "type", "role", "device_role",
               "device_type", "platform", "status", "manufacturer")
_NESTED: dict[str, tuple[type, ...]] = {
    "id": (int, str), "slug": (str,), "name": (str,), "display": (str,), "model": (str,), "value": (str,), "url": (str,),
    "description": (str,), "serial": (str,), "scope_type": (str,),
}
_FIELDS: dict[str, tuple[type, ...]] = {
    **_NESTED, **dict.fromkeys(_REFERENCES, (dict,)), "custom_fields": (dict,), "tags": (list,), "disk": (int, float),
}


def check_objects(objects: Any, url: str) -> None:
    """Refuse answers the mapping cannot read: missing ids and names, fields of another type, unstorable text.

    A NetBox answers in its documented schema; anything else (a proxy's error page, a
    broken plugin, a hostile server) is reported with the object and field, not mapped.
    """
    if not isinstance(objects, dict):
        raise InputError("the answers are not JSON objects by kind", file=url)
    for kind, items in objects.items():
        if not isinstance(items, list):
            raise InputError(f"the {kind} answer is not a list", file=url, entry=kind)
        for i, obj in enumerate(items):
            entry = f"{kind}[{i}]"
            if not isinstance(obj, dict):
                raise InputError(f"not a JSON object but {type(obj).__name__}", file=url, entry=entry)
            for name in _REQUIRED.get(kind, ()):
                if obj.get(name) in (None, ""):
                    raise InputError("required field is missing", file=url, entry=entry, field=name)
            stack: list[tuple[dict, str, dict[str, tuple[type, ...]]]] = [(obj, "", _FIELDS)]
            while stack:
                node, prefix, types = stack.pop()
                for key, value in node.items():
                    field = f"{prefix}{key}"
                    if isinstance(value, str) and not storable_text(value):
                        raise InputError("holds a NUL character or a lone UTF-16 surrogate", file=url, entry=entry, field=field)
                    wanted = types.get(key)
                    if value is None or wanted is None:
                        continue
                    if not isinstance(value, wanted) or isinstance(value, bool) and bool not in wanted:
                        raise InputError(f"must be {' or '.join(t.__name__ for t in wanted)}, not {type(value).__name__}",
                                         file=url, entry=entry, field=field)
                    if key in _REFERENCES:
                        stack.append((value, f"{field}.", {**_NESTED, **dict.fromkeys(_REFERENCES, (dict,))}))
                    elif key == "custom_fields":
                        stack.append((value, f"{field}.", {}))
                        stack.extend((v, f"{field}.{k}.", _NESTED) for k, v in value.items() if isinstance(v, dict))
                    elif key == "tags":
                        for j, tag in enumerate(value):
                            if not isinstance(tag, dict):
                                raise InputError(f"must be an object, not {type(tag).__name__}", file=url, entry=entry,
                                                 field=f"{field}[{j}]")
                            stack.append((tag, f"{field}[{j}].", _NESTED))


def _disk_gb(disk: Any) -> float | None:
    # NetBox 4.x counts VM disk in megabytes (it was gigabytes before 4.0); sovmap keeps gigabytes.
    return round(disk / 1000, 1) if isinstance(disk, (int, float)) and not isinstance(disk, bool) and disk > 0 else None
