"""Terraform state: the resources a team manages as code, with provider, region, tags and dependencies.

Reads a state file in format version 4 (Terraform 0.12 and later, OpenTofu; what
``terraform state pull`` prints) or the JSON of ``terraform show -json``. Every managed
resource instance of a cloud provider becomes a component: resources in modules
(``module.x``, nested modules) and ``count``/``for_each`` instances included.

.. code-block:: yaml

    sources:
      - type: terraform
        path: state/customs-prod.tfstate
        default_regions: {aws: eu-west-1}          # the AWS provider's region (the state does not record it)
        module_systems: {module.declarations: ecom-declarations}
        openstack_provider: ovhcloud               # who runs the OpenStack the openstack_* resources live in

Resource types map to catalog services through ``connectors/mappings/terraform.yaml``; a
type it does not know keeps its provider and gets no service. The region comes from the
resource (``region``, ``location``, ``zone``, ``availability_zone``, ``datacenter``, or the
region of its ARN), then from ``default_regions``; otherwise it stays unknown. The record id
is the ARN or the cloud's global resource id when there is one, so that the same resource
found by a cloud connector is the same record; otherwise ``tf:<address>``.
The full description is ``docs/connectors/terraform.md``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from connectors import ScanContext, read_source_file
from connectors._common import ErrorList, load_json, match_module, pick_str
from connectors.mappings import TypeTable, account_of, global_id, load_model, normalize_region, tags_from_pairs
from inventory.records import ComponentRecord, CoverageEntry, InventoryBatch
from sovmap.errors import InputError
from sovmap.yamlio import MAX_BYTES

TYPE = "terraform"
SUMMARY = "Terraform/OpenTofu state (format 4, or terraform show -json): resources, modules, regions, tags, dependencies."
PERMISSIONS = ("read access to the state file (e.g. the output of `terraform state pull`); no cloud credentials",)

__all__ = ["Params", "fetch", "normalize"]

Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
Key = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/+-]*$")]

_MODULE = re.compile(r'^module\.[A-Za-z_][A-Za-z0-9_-]*(\[(\d+|"(?:[^"\\]|\\.)*")\])?(\.module\.[A-Za-z_][A-Za-z0-9_-]*(\[(\d+|"(?:[^"\\]|\\.)*")\])?)*$')
_PROVIDER_ADDR = re.compile(r'provider\["(?P<source>[^"]+)"\](?:\.(?P<alias>[A-Za-z0-9_-]+))?$')
_REGION_ATTRIBUTES = ("region", "location", "zone", "availability_zone", "datacenter")


class MappingFile(BaseModel):
    """``connectors/mappings/terraform.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prefixes: dict[str, Key | None]
    resources: TypeTable
    openstack_services: dict[Key, dict[str, Key]] = {}
    account_attributes: dict[Key, tuple[str, ...]] = {}
    tag_attributes: tuple[str, ...] = ()
    name_attributes: tuple[str, ...] = ()


def mapping() -> MappingFile:
    return load_model("terraform.yaml", MappingFile)


class Params(BaseModel):
    """The source entry in ``sovmap.yaml``: ``{type: terraform, path: prod.tfstate}``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: Literal["terraform"] = "terraform"
    name: Text | None = None
    path: Text
    # Provider (catalog key) or provider.alias (a Terraform provider alias) -> region code.
    default_regions: dict[Key, Key] = {}
    # Module address -> system id; the longest matching module wins.
    module_systems: dict[Text, Text] = {}
    openstack_provider: Key | None = None
    max_bytes: int = Field(default=MAX_BYTES, gt=0)

    @field_validator("module_systems")
    @classmethod
    def _module_addresses(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if not _MODULE.match(key):
                raise ValueError(f"'{key}' is not a module address (write module.name, module.a.module.b or module.name[\"key\"])")
        return value

    @field_validator("default_regions")
    @classmethod
    def _known_providers(cls, value: dict[str, str]) -> dict[str, str]:
        known = {p for p in mapping().prefixes.values() if p}
        for key in value:
            provider = key.split(".", 1)[0]
            if provider not in known:
                raise ValueError(f"'{key}': not a provider this connector reads (known: {', '.join(sorted(known))}; add .<alias> for a provider alias)")
        return value

    def source_name(self, file: str) -> str:
        return self.name or f"{TYPE}:{Path(file).name}"


def fetch(params: Params, ctx: ScanContext) -> tuple[str, bytes]:
    """Read the state file (the only I/O); returns its display name and bytes."""
    return read_source_file(params.path, ctx, params.max_bytes)


class _Instance:
    """One resource instance, read from either format."""

    __slots__ = ("entry", "module", "type", "name", "index", "alias", "attributes", "dependencies")

    def __init__(self, entry: str, module: str | None, type_: str, name: str, index: int | str | None,
                 alias: str | None, attributes: dict[str, Any], dependencies: list[str]) -> None:
        self.entry = entry
        self.module = module
        self.type = type_
        self.name = name
        self.index = index
        self.alias = alias
        self.attributes = attributes
        self.dependencies = dependencies

    @property
    def resource_address(self) -> str:
        local = f"{self.type}.{self.name}"
        return f"{self.module}.{local}" if self.module else local

    @property
    def address(self) -> str:
        if self.index is None:
            return self.resource_address
        return f"{self.resource_address}[{json.dumps(self.index)}]"


class _Counts:
    def __init__(self) -> None:
        self.data_sources = 0
        self.other_providers: dict[str, int] = {}
        self.ignored = 0
        self.deposed = 0
        self.unmapped: dict[str, int] = {}
        self.id_clashes = 0


def _str_field(obj: dict[str, Any], key: str, errors: ErrorList, file: str, entry: str, prefix: str = "") -> str | None:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        what = "missing" if value is None else f"must be a non-empty string, not {type(value).__name__}"
        errors.add(f"required field is {what}" if value is None else what, file=file, entry=entry, field=prefix + key)
        return None
    return value


def _read_v4(doc: dict[str, Any], file: str, errors: ErrorList, counts: _Counts) -> list[_Instance]:
    resources = doc.get("resources", [])
    if not isinstance(resources, list):
        errors.add(f"must be a list, not {type(resources).__name__}", file=file, field="resources")
        return []
    out: list[_Instance] = []
    for i, res in enumerate(resources):
        entry = f"resources[{i}]"
        if not isinstance(res, dict):
            errors.add(f"must be an object, not {type(res).__name__}", file=file, entry=entry)
            continue
        type_ = res.get("type") if isinstance(res.get("type"), str) else None
        name = res.get("name") if isinstance(res.get("name"), str) else None
        module = res.get("module")
        label = ".".join(p for p in (module if isinstance(module, str) else None, type_, name) if p)
        if label:
            entry = f"{entry} ({label})"
        before = len(errors)
        mode = res.get("mode")
        if mode not in ("managed", "data"):
            errors.add("must be 'managed' or 'data'" if mode is not None else "required field is missing",
                       file=file, entry=entry, field="mode")
        _str_field(res, "type", errors, file, entry)
        _str_field(res, "name", errors, file, entry)
        if module is not None and not (isinstance(module, str) and _MODULE.match(module)):
            errors.add(f"not a module address: {module!r}", file=file, entry=entry, field="module")
        provider_addr = res.get("provider")
        alias = None
        if provider_addr is not None:
            found = _PROVIDER_ADDR.search(provider_addr) if isinstance(provider_addr, str) else None
            if found is None:
                errors.add(f"not a provider address like provider[\"registry.terraform.io/hashicorp/aws\"]: {provider_addr!r}",
                           file=file, entry=entry, field="provider")
            else:
                alias = found.group("alias")
        instances = res.get("instances")
        if not isinstance(instances, list):
            errors.add("required field is missing" if instances is None else f"must be a list, not {type(instances).__name__}",
                       file=file, entry=entry, field="instances")
            continue
        if len(errors) > before:
            continue
        if mode == "data":
            counts.data_sources += 1
            continue
        for j, inst in enumerate(instances):
            where = f"instances[{j}]"
            if not isinstance(inst, dict):
                errors.add(f"must be an object, not {type(inst).__name__}", file=file, entry=entry, field=where)
                continue
            index = inst.get("index_key")
            if index is not None and (isinstance(index, bool) or not isinstance(index, (int, str))):
                errors.add(f"must be a number (count) or a string (for_each), not {type(index).__name__}",
                           file=file, entry=entry, field=f"{where}.index_key")
                continue
            attributes = inst.get("attributes")
            if attributes is None and isinstance(inst.get("attributes_flat"), dict):
                attributes = _unflatten(inst["attributes_flat"])
            if not isinstance(attributes, dict):
                errors.add("required field is missing" if attributes is None else f"must be an object, not {type(attributes).__name__}",
                           file=file, entry=entry, field=f"{where}.attributes")
                continue
            deps = inst.get("dependencies", [])
            if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
                errors.add("must be a list of resource addresses", file=file, entry=entry, field=f"{where}.dependencies")
                continue
            if inst.get("deposed") is not None:
                # An object replaced under create_before_destroy and not yet destroyed: the current one is listed too.
                counts.deposed += 1
                continue
            out.append(_Instance(entry, module, type_, name, index, alias, attributes, deps))
    return out


def _unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    """The attributes of a state upgraded from Terraform 0.11 (``tags.Name`` keys) as far as sovmap reads them."""
    out: dict[str, Any] = {k: v for k, v in flat.items() if "." not in k}
    for key, value in flat.items():
        head, _, rest = key.partition(".")
        if rest and head in ("tags", "tags_all", "labels") and rest != "%":
            out.setdefault(head, {})
            if isinstance(out[head], dict):
                out[head][rest] = value
    return out


def _read_show(doc: dict[str, Any], file: str, errors: ErrorList, counts: _Counts) -> list[_Instance]:
    values = doc.get("values")
    if values is None:
        return []  # an empty state: `terraform show -json` leaves out "values"
    if not isinstance(values, dict) or not isinstance(values.get("root_module", {}), dict):
        errors.add("must be an object with a root_module", file=file, field="values")
        return []
    out: list[_Instance] = []
    stack: list[tuple[dict[str, Any], str]] = [(values.get("root_module", {}), "values.root_module")]
    while stack:
        module, path = stack.pop()
        address = module.get("address")
        resources = module.get("resources", [])
        if not isinstance(resources, list):
            errors.add(f"must be a list, not {type(resources).__name__}", file=file, entry=path, field="resources")
            resources = []
        for i, res in enumerate(resources):
            entry = f"{path}.resources[{i}]"
            if not isinstance(res, dict):
                errors.add(f"must be an object, not {type(res).__name__}", file=file, entry=entry)
                continue
            if isinstance(res.get("address"), str):
                entry = f"{entry} ({res['address']})"
            before = len(errors)
            mode = res.get("mode")
            if mode not in ("managed", "data"):
                errors.add("must be 'managed' or 'data'" if mode is not None else "required field is missing",
                           file=file, entry=entry, field="mode")
            type_ = _str_field(res, "type", errors, file, entry)
            name = _str_field(res, "name", errors, file, entry)
            attributes = res.get("values")
            if not isinstance(attributes, dict):
                errors.add("required field is missing" if attributes is None else f"must be an object, not {type(attributes).__name__}",
                           file=file, entry=entry, field="values")
            index = res.get("index")
            if index is not None and (isinstance(index, bool) or not isinstance(index, (int, str))):
                errors.add(f"must be a number (count) or a string (for_each), not {type(index).__name__}",
                           file=file, entry=entry, field="index")
            deps = res.get("depends_on", [])
            if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
                errors.add("must be a list of resource addresses", file=file, entry=entry, field="depends_on")
            if len(errors) > before:
                continue
            if mode == "data":
                counts.data_sources += 1
                continue
            if res.get("deposed_key") is not None:
                counts.deposed += 1
                continue
            out.append(_Instance(entry, address if isinstance(address, str) else None, type_, name, index, None, attributes,
                                 [re.sub(r"\[[^\]]*\]$", "", d) for d in deps]))
        children = module.get("child_modules", [])
        if not isinstance(children, list):
            errors.add(f"must be a list, not {type(children).__name__}", file=file, entry=path, field="child_modules")
            continue
        for k in range(len(children) - 1, -1, -1):
            child = children[k]
            child_path = f"{path}.child_modules[{k}]"
            if not isinstance(child, dict):
                errors.add(f"must be an object, not {type(child).__name__}", file=file, entry=child_path)
                continue
            stack.append((child, child_path))
    return out


def _read_instances(doc: Any, file: str, errors: ErrorList, counts: _Counts) -> list[_Instance]:
    if not isinstance(doc, dict):
        raise InputError(f"a Terraform state is a JSON object, not {type(doc).__name__}", file=file)
    if "format_version" in doc and "version" not in doc:
        return _read_show(doc, file, errors, counts)
    version = doc.get("version")
    if version is None:
        raise InputError("not a Terraform state: no 'version' (state file) or 'format_version' (terraform show -json)",
                         file=file, field="version")
    if version != 4:
        hint = " (Terraform 0.11 or older: upgrade the state with Terraform 0.12 or later)" if version in (1, 2, 3) else ""
        raise InputError(f"state format version {version!r} is not supported, only 4{hint}", file=file, field="version")
    return _read_v4(doc, file, errors, counts)


def _tags(attributes: dict[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    for name in names:
        value = attributes.get(name)
        if isinstance(value, dict) and value:
            return tags_from_pairs(value)
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            # Tags as a list of strings (Scaleway, OpenStack): only key=value items are key-value tags.
            pairs = dict(v.split("=", 1) for v in value if "=" in v and not v.startswith("="))
            if pairs:
                return {k.strip(): v.strip() for k, v in pairs.items() if v.strip()}
    return {}


def _arn_region(arn: str | None) -> str | None:
    if arn and arn.startswith("arn:"):
        parts = arn.split(":", 5)
        if len(parts) > 3 and parts[3]:
            return parts[3]
    return None


def normalize(raw: tuple[str, bytes], params: Params | None = None) -> InventoryBatch:
    """Read a Terraform state (pure: bytes in, records out); every problem is reported at once."""
    file, content = raw
    params = params or Params(path=file)
    source = params.source_name(file)
    table = mapping()
    doc = load_json(content, file)
    errors = ErrorList()
    counts = _Counts()
    instances = _read_instances(doc, file, errors, counts)
    errors.raise_if_any()

    components: list[ComponentRecord] = []
    by_resource: dict[str, list[str]] = {}
    used_ids: set[str] = set()
    deps_of: list[list[str]] = []
    for inst in instances:
        provider, known = _provider_of(inst.type, table, params)
        if not known:
            counts.other_providers[inst.type.split("_", 1)[0]] = counts.other_providers.get(inst.type.split("_", 1)[0], 0) + 1
            continue
        attrs = inst.attributes
        rule = table.resources.classify(inst.type, attrs)
        if rule is False:
            counts.ignored += 1
            continue
        service = rule.service if rule else None
        if inst.type.startswith("openstack_"):
            service = table.openstack_services.get(provider or "", {}).get(inst.type)
        if service is None:
            counts.unmapped[inst.type] = counts.unmapped.get(inst.type, 0) + 1
        native_id = pick_str(attrs, "id")
        # Some resources (aws_ecs_service) carry their ARN as the id only.
        arn = pick_str(attrs, "arn") or (native_id if native_id and native_id.startswith("arn:") else None)
        ident = global_id(provider, arn) or global_id(provider, native_id) or global_id(provider, pick_str(attrs, "self_link"))
        if ident is None or ident in used_ids:
            counts.id_clashes += ident is not None
            ident = f"tf:{inst.address}"
        used_ids.add(ident)
        region = None
        if not (rule and rule.is_global):
            region = normalize_region(provider, pick_str(attrs, *_REGION_ATTRIBUTES)) or _arn_region(arn)
            if region is None and provider is not None:
                region = params.default_regions.get(f"{provider}.{inst.alias}") if inst.alias else None
                region = region or params.default_regions.get(provider)
        tags = _tags(attrs, table.tag_attributes)
        account = account_of(arn) or account_of(native_id) or account_of(pick_str(attrs, "self_link"))
        if account is None:
            account = pick_str(attrs, *table.account_attributes.get(provider or "", ()))
        components.append(
            ComponentRecord(
                id=ident,
                name=tags.get("Name") or pick_str(attrs, *table.name_attributes) or inst.address,
                system=match_module(inst.module, params.module_systems),
                kind=inst.type,
                provider=provider,
                service=service,
                region=region,
                holds_data=bool(rule and rule.holds_data),
                external_id=arn or native_id,
                account=account,
                tags=tags,
                source=source,
                origin=f"{file}: {inst.entry}",
            )
        )
        by_resource.setdefault(inst.resource_address, []).append(ident)
        deps_of.append(inst.dependencies)
    for comp, deps in zip(components, deps_of):
        # Dependencies name resources, not instances: depend on every instance of a resource that is a component.
        found = [target for d in deps for target in by_resource.get(d, ()) if target != comp.id]
        comp.depends_on = tuple(dict.fromkeys(found))

    batch = InventoryBatch(source=source, components=components)
    batch.coverage.append(CoverageEntry(source=source, scope=file, status="read", detail=_detail(counts), count=len(components)))
    return batch


def _provider_of(type_: str, table: MappingFile, params: Params) -> tuple[str | None, bool]:
    """(catalog provider, whether the type belongs to a cloud provider this connector reads)."""
    for prefix, provider in table.prefixes.items():
        if type_.startswith(prefix):
            if provider is None and prefix == "openstack_":
                return params.openstack_provider, True
            return provider, True
    return None, False


def _detail(counts: _Counts) -> str | None:
    parts = []
    if counts.unmapped:
        listed = ", ".join(f"{t} ({n})" for t, n in sorted(counts.unmapped.items()))
        parts.append(f"no catalog service for: {listed}")
    if counts.ignored:
        parts.append(f"{counts.ignored} configuration resources not read as components (policies, attachments, rules, ...)")
    if counts.other_providers:
        listed = ", ".join(f"{p}_* ({n})" for p, n in sorted(counts.other_providers.items()))
        parts.append(f"resources of other providers, not read: {listed}")
    if counts.data_sources:
        parts.append(f"{counts.data_sources} data sources")
    if counts.deposed:
        parts.append(f"{counts.deposed} deposed objects")
    if counts.id_clashes:
        parts.append(f"{counts.id_clashes} resources share a cloud id with another and are kept under their address")
    return "; ".join(parts) or None
