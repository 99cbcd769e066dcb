"""Backstage software catalog files (``catalog-info.yaml``): Systems, Components, Resources, dependsOn.

.. code-block:: yaml

    sources:
      - type: backstage
        path: repos/                      # a catalog-info.yaml, or a folder searched with `glob`
        glob: "**/catalog-info.yaml"

Every file may hold several YAML documents (``---``), read with sovmap's safe loader. Read
(``apiVersion: backstage.io/v1alpha1`` or ``v1beta1``):

- ``kind: System`` -> a **system** (``metadata.title`` or ``name``, ``spec.owner``,
  ``metadata.description``);
- ``kind: Component`` and ``kind: Resource`` -> **components** of ``spec.system``
  (a component without one inherits it through ``spec.subcomponentOf``); ``spec.dependsOn``
  and ``spec.dependencyOf`` become dependencies, and so does consuming an API another
  component provides (``consumesApis``/``providesApis``); a dependency on a System is one
  between systems;
- annotations ``sovmap.io/<field>`` (prefix configurable) give what the catalog does not
  know: ``provider``, ``service``, ``region``, ``site``, ``holds_data``, ``data_volume_gb``,
  ``key_custody``, ``external_id``, ``account`` on components; ``criticality``,
  ``classification``, ``personal_data``, ``rto_hours``, ``rpo_hours`` on systems.

Other kinds (Domain, API, Group, User, Location, Template) are counted, not mapped. An
entity reference is ``[kind:][namespace/]name``; an entity of namespace ``default`` keeps
its name as id, any other is ``namespace/name``. A component without a placement becomes an
UNKNOWN finding: nothing is guessed. The full description is ``docs/connectors/backstage.md``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from connectors import ScanContext, read_source_file
from connectors.archimate import _read as read_value
from inventory.records import ComponentRecord, CoverageEntry, InventoryBatch, SystemRecord
from sovmap.errors import InputError, InputErrors
from sovmap.yamlio import MAX_BYTES, decode_text, load_yaml_all

TYPE = "backstage"
SUMMARY = "Backstage catalog-info.yaml files: System, Component, Resource, dependsOn, API use."
PERMISSIONS = ("read access to the catalog-info.yaml files (a checkout of the repositories, or an export of the catalog)",)

__all__ = ["COMPONENT_ANNOTATIONS", "Params", "SYSTEM_ANNOTATIONS", "fetch", "normalize"]

Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]

COMPONENT_ANNOTATIONS: dict[str, str] = {
    "provider": "text", "service": "text", "region": "text", "site": "text", "holds_data": "bool",
    "data_volume_gb": "number", "key_custody": "key_custody", "external_id": "text", "account": "text", "model": "text",
}
SYSTEM_ANNOTATIONS: dict[str, str] = {
    "criticality": "criticality", "classification": "classification", "personal_data": "bool",
    "rto_hours": "number", "rpo_hours": "number", "exit_plan": "bool", "substitutability": "substitutability",
}
_API_VERSIONS = ("backstage.io/v1alpha1", "backstage.io/v1beta1")
MAX_ERRORS = 50


class Params(BaseModel):
    """The source entry in ``sovmap.yaml``: ``{type: backstage, path: catalog-info.yaml}``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: Literal["backstage"] = "backstage"
    name: Text | None = None
    path: Text
    glob: Text = "**/catalog-info.yaml"
    annotation_prefix: Text = "sovmap.io/"
    max_bytes: int = Field(default=MAX_BYTES, gt=0)
    max_files: int = Field(default=10_000, gt=0)

    def source_name(self) -> str:
        return self.name or f"{TYPE}:{Path(self.path).name}"


def fetch(params: Params, ctx: ScanContext) -> list[tuple[str, bytes]]:
    """Read the file, or every file under the folder that matches ``glob`` (the only I/O)."""
    root = Path(params.path) if Path(params.path).is_absolute() else ctx.base_dir / params.path
    if not root.is_dir():
        return [read_source_file(str(root), ctx, params.max_bytes)]
    files = sorted(p for p in root.glob(params.glob) if p.is_file())
    if not files:
        raise InputError(f"no file matches '{params.glob}' in this folder", file=str(root), field="glob")
    if len(files) > params.max_files:
        raise InputError(f"{len(files)} files match, over the limit of {params.max_files} (max_files)", file=str(root), field="glob")
    return [read_source_file(str(p), ctx, params.max_bytes) for p in files]


def _documents(file: str, content: bytes) -> list[Any]:
    """Every YAML document of a file, with line numbers, through sovmap's safe loader."""
    return load_yaml_all(decode_text(content, file), file=file)


#: Fields of ``metadata`` whose type the Backstage schema fixes.
_METADATA_TYPES: dict[str, tuple[type, str]] = {
    "namespace": (str, "a string"), "title": (str, "a string"), "description": (str, "a string"),
    "annotations": (dict, "a mapping"), "tags": (list, "a list"),
}


def _wrong_types(meta: dict) -> list[tuple[str, str]]:
    """(field, reason) for each ``metadata`` field given with another type than the schema's.

    >>> _wrong_types({"name": "a", "title": ["x"], "tags": []})
    [('title', 'must be a string, not list')]
    """
    return [
        (key, f"must be {what}, not {type(meta[key]).__name__}")
        for key, (kind, what) in _METADATA_TYPES.items()
        if meta.get(key) is not None and not isinstance(meta[key], kind)
    ]


def _ref(value: Any, default_kind: str, namespace: str) -> tuple[str, str] | None:
    """``[kind:][namespace/]name`` -> (kind, id); None when it is no reference."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    kind, _, rest = text.partition(":") if ":" in text else (default_kind, "", text)
    ns, _, name = rest.rpartition("/")
    ns = ns or namespace
    return kind.casefold(), name if ns == "default" else f"{ns}/{name}"


class _Entity:
    __slots__ = ("kind", "id", "doc", "file", "line", "namespace")

    def __init__(self, kind: str, ident: str, doc: dict, file: str, line: int | None, namespace: str) -> None:
        self.kind, self.id, self.doc, self.file, self.line, self.namespace = kind, ident, doc, file, line, namespace

    @property
    def spec(self) -> dict:
        spec = self.doc.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def origin(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def refs(self, key: str, default_kind: str) -> list[tuple[str, str]]:
        values = self.spec.get(key)
        values = [values] if isinstance(values, str) else values if isinstance(values, list) else []
        return [r for v in values if (r := _ref(v, default_kind, self.namespace)) is not None]


def normalize(raw: list[tuple[str, bytes]], params: Params) -> InventoryBatch:
    """Map the entities of every file to systems and components (pure)."""
    source = params.source_name()
    errors: list[InputError] = []
    entities: list[_Entity] = []
    skipped: Counter[str] = Counter()
    for file, content in raw:
        for doc in _documents(file, content):
            line = getattr(doc, "line", None)
            if not isinstance(doc, dict):
                errors.append(InputError("an entity must be a mapping (apiVersion, kind, metadata, spec)", file=file, line=line))
                continue
            kind, api = doc.get("kind"), doc.get("apiVersion")
            if api not in _API_VERSIONS:
                skipped[f"{kind} ({api})"] += 1
                continue
            if kind not in ("System", "Component", "Resource"):
                skipped[str(kind)] += 1
                continue
            meta = doc.get("metadata")
            name = meta.get("name") if isinstance(meta, dict) else None
            if not isinstance(name, str) or not name.strip():
                errors.append(InputError("required field is missing", file=file, line=line, entry=f"{kind} entity", field="metadata.name"))
                continue
            wrong = _wrong_types(meta)
            if wrong:
                lines = getattr(meta, "key_lines", {})
                errors.extend(InputError(reason, file=file, line=lines.get(key, line), entry=f"{kind} '{name}'", field=f"metadata.{key}")
                              for key, reason in wrong)
                continue
            namespace = meta.get("namespace") or "default"
            ident = name if namespace == "default" else f"{namespace}/{name}"
            entities.append(_Entity(kind, ident, doc, file, line, namespace))

    def annotations(e: _Entity, fields: dict[str, str]) -> dict[str, Any]:
        notes = (e.doc.get("metadata") or {}).get("annotations") or {}
        out = {}
        for field, kind in fields.items():
            value = notes.get(params.annotation_prefix + field)
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            try:
                out[field] = read_value(kind, str(value).strip())
            except ValueError as exc:
                lines = getattr(notes, "key_lines", {})
                errors.append(InputError(str(exc), file=e.file, line=lines.get(params.annotation_prefix + field, e.line),
                                         entry=f"{e.kind} '{e.id}'", field=f"metadata.annotations.{params.annotation_prefix}{field}"))
        return out

    providers: dict[str, list[str]] = {}
    for e in entities:
        for _, api in e.refs("providesApis", "api"):
            providers.setdefault(api, []).append(e.id)
    systems = {e.id: e for e in entities if e.kind == "System"}
    components = {e.id: e for e in entities if e.kind != "System"}
    system_of = {e.id: (r[1] if (r := _ref(e.spec.get("system"), "system", e.namespace)) else None) for e in components.values()}
    for _ in range(len(components)):  # subcomponents inherit their parent's system, however deep
        changed = False
        for e in components.values():
            parent = _ref(e.spec.get("subcomponentOf"), "component", e.namespace)
            if system_of[e.id] is None and parent and system_of.get(parent[1]):
                system_of[e.id] = system_of[parent[1]]
                changed = True
        if not changed:
            break

    comp_deps: dict[str, list[str]] = {c: [] for c in components}
    sys_deps: dict[str, list[str]] = {s: [] for s in systems}

    def depend(src: _Entity, kind: str, target: str) -> None:
        if kind == "system":
            own = src.id if src.kind == "System" else system_of.get(src.id)
            if own is not None and own != target and own in sys_deps:
                sys_deps[own].append(target)
        elif src.kind != "System":
            comp_deps[src.id].append(target)
        else:
            owner = system_of.get(target)
            if owner is not None and owner != src.id:
                sys_deps[src.id].append(owner)

    for e in entities:
        for kind, target in e.refs("dependsOn", "component"):
            depend(e, kind, target)
        for kind, target in e.refs("dependencyOf", "component"):
            if kind in ("component", "resource") and target in components:
                depend(components[target], e.kind.casefold(), e.id)
        for _, api in e.refs("consumesApis", "api"):
            for provider in providers.get(api, ()):
                if provider != e.id and e.kind != "System":
                    comp_deps[e.id].append(provider)

    batch = InventoryBatch(source=source)
    for e in systems.values():
        a = annotations(e, SYSTEM_ANNOTATIONS)
        meta = e.doc.get("metadata") or {}
        owner = _ref(e.spec.get("owner"), "group", e.namespace)
        batch.systems.append(SystemRecord(
            id=e.id, name=meta.get("title") or e.id, criticality=a.get("criticality", "medium"),
            classification=a.get("classification", "internal"), personal_data=a.get("personal_data", False),
            owner=owner[1] if owner else None, rto_hours=a.get("rto_hours"), rpo_hours=a.get("rpo_hours"),
            exit_plan=a.get("exit_plan", False), substitutability=a.get("substitutability"),
            depends_on=tuple(dict.fromkeys(sys_deps[e.id])), description=meta.get("description"),
            source=source, origin=e.origin,
        ))
    for e in components.values():
        a = annotations(e, COMPONENT_ANNOTATIONS)
        meta = e.doc.get("metadata") or {}
        spec_type = e.spec.get("type")
        tags = {f"backstage.{k}": str(v) for k in ("lifecycle", "owner") if (v := e.spec.get(k))}
        tags.update({f"backstage.tag.{t}": "true" for t in meta.get("tags") or () if isinstance(t, str)})
        if a.get("region") and a.get("site"):
            errors.append(InputError("give either a region (a provider's) or a site (an own data centre), not both",
                                     file=e.file, line=e.line, entry=f"{e.kind} '{e.id}'", field="metadata.annotations"))
        batch.components.append(ComponentRecord(
            id=e.id, name=meta.get("title") or e.id, system=system_of[e.id],
            kind=f"{e.kind.casefold()}:{spec_type}" if spec_type else e.kind.casefold(),
            provider=a.get("provider"), service=a.get("service"), region=a.get("region"), site=a.get("site"),
            holds_data=a.get("holds_data", False), data_volume_gb=a.get("data_volume_gb"),
            depends_on=tuple(dict.fromkeys(d for d in comp_deps[e.id] if d != e.id)), key_custody=a.get("key_custody"),
            external_id=a.get("external_id"), account=a.get("account"), model=a.get("model"), tags=tags,
            source=source, origin=e.origin,
        ))
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors[:MAX_ERRORS])
    detail = ", ".join(f"{n} {k}" for k, n in sorted(skipped.items()))
    batch.coverage.append(CoverageEntry(source=source, scope=params.path, status="read",
                                        detail=f"entities not mapped: {detail}" if detail else None, count=len(batch.components)))
    return batch
