"""ArchiMate models: the Open Group exchange format (XML) or Archi's CSV export.

Architects keep the application and technology landscape in an enterprise-architecture
tool; this connector reads it as systems, components, sites, operators and dependencies:

.. code-block:: yaml

    sources:
      - type: archimate
        path: landscape.xml             # format: exchange-xml (default)
      - type: archimate
        format: archi-csv
        path: exports/                  # the folder of elements.csv, relations.csv, properties.csv
        prefix: "landscape-"            # Archi's optional file name prefix
        properties: {provider: Cloud provider, region: Cloud region}   # sovmap field -> property

How the model maps (the full description, with every property, is
``docs/connectors/archimate.md``):

- an ``ApplicationComponent`` is a **system**; one that another application component
  composes or aggregates is a **component** of it;
- ``Node``, ``Device``, ``SystemSoftware`` and ``TechnologyService`` are **components**;
  their system is the ``system`` property, else the system that composes or aggregates
  them (directly or through other components), else the one system they serve;
- ``Serving``, ``Realization``, ``Assignment``, ``Flow`` and ``Triggering`` make the
  target depend on the source, ``Access`` the accessor on what it accesses; application
  and technology services, interfaces, functions, data objects, artifacts and junctions
  in between are passed through (app A realizes a service that serves app B: B depends
  on A);
- a ``Location`` that aggregates or composes components is a **site** (``country``,
  ``city``, ``legal_entity`` properties, the country inherited from an enclosing
  location); one with a ``region`` property is a provider region instead;
- a ``BusinessActor`` with a ``legal_entity``, ``country`` or ``access`` property is an
  **operator** of what it is assigned or associated to.

Property values are taken as given: a provider, region or country the catalog does not
know becomes an UNKNOWN finding, never a guess.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from connectors import ScanContext, read_source_file
from connectors.archimate_csv import parse_archi_csv
from connectors.archimate_exchange import parse_exchange
from connectors.archimate_model import ArchiElement, ArchiModel, ArchiProperty
from inventory.records import (
    ComponentRecord,
    CoverageEntry,
    InventoryBatch,
    OperatorRecord,
    Organization,
    SiteRecord,
    SystemRecord,
)
from sovmap.errors import InputError, InputErrors
from sovmap.yamlio import MAX_BYTES

TYPE = "archimate"
SUMMARY = "ArchiMate model: Open Group exchange XML or Archi CSV export (systems, components, locations, relations)."
PERMISSIONS = ("read access to the exchange file, or to the folder of the CSV export",)

__all__ = [
    "COMPONENT_FIELDS", "DEPENDENCY_RELATIONS", "LOCATION_FIELDS", "OPERATOR_FIELDS", "PASS_THROUGH_TYPES",
    "Params", "SYSTEM_FIELDS", "fetch", "normalize",
]

Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]

#: Properties read from systems, components, locations and operators, and how.
SYSTEM_FIELDS: dict[str, str] = {
    "criticality": "criticality", "classification": "classification", "personal_data": "bool", "owner": "text",
    "rto_hours": "number", "rpo_hours": "number", "exit_plan": "bool", "substitutability": "substitutability",
    "alternatives": "list", "depends_on": "list",
}
COMPONENT_FIELDS: dict[str, str] = {
    "system": "text", "kind": "text", "provider": "text", "service": "text", "region": "text", "site": "text",
    "holds_data": "bool", "data_volume_gb": "number", "key_custody": "key_custody", "external_id": "text",
    "account": "text", "model": "text", "depends_on": "list",
}
LOCATION_FIELDS: dict[str, str] = {"country": "text", "city": "text", "legal_entity": "text", "provider": "text", "region": "text"}
OPERATOR_FIELDS: dict[str, str] = {"legal_entity": "text", "country": "text", "access": "access", "operates": "list"}
_ALL_FIELDS = {"id", *SYSTEM_FIELDS, *COMPONENT_FIELDS, *LOCATION_FIELDS, *OPERATOR_FIELDS}

#: Which end of a relationship depends on the other: "target" (the target depends on the
#: source), "source", or "none".
DEPENDENCY_RELATIONS: dict[str, str] = {
    "Serving": "target", "Realization": "target", "Assignment": "target", "Flow": "target",
    "Triggering": "target", "Access": "source",
}
_STRUCTURAL = frozenset({"Composition", "Aggregation"})
_OPERATES = frozenset({"Assignment", "Association"})
#: Elements a dependency is followed through: behaviour, interfaces, passive structure, junctions.
PASS_THROUGH_TYPES = frozenset({
    "ApplicationService", "ApplicationInterface", "ApplicationFunction", "ApplicationProcess",
    "ApplicationInteraction", "ApplicationEvent", "ApplicationCollaboration", "DataObject", "Artifact",
    "TechnologyInterface", "TechnologyFunction", "TechnologyProcess", "TechnologyInteraction", "TechnologyEvent",
    "TechnologyCollaboration", "Path", "CommunicationNetwork", "Junction", "AndJunction", "OrJunction",
})
_CHOICES = {
    "criticality": ("critical", "high", "medium", "low"),
    "classification": ("public", "internal", "confidential", "secret"),
    "key_custody": ("provider", "customer-managed", "customer-held"),
    "access": ("admin", "support", "read"),
    "substitutability": ("not-substitutable", "highly-complex", "medium", "easy"),
}
_TRUE = frozenset({"true", "yes", "y", "1", "ja"})
_FALSE = frozenset({"false", "no", "n", "0", "nee"})
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_LIST_SPLIT = re.compile(r"[|,;\s]+")
MAX_ERRORS = 50


class Params(BaseModel):
    """The source entry in ``sovmap.yaml``: ``{type: archimate, path: model.xml}``."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["archimate"] = "archimate"
    name: Text | None = None
    format: Literal["exchange-xml", "archi-csv"] = "exchange-xml"
    path: Text
    prefix: str = Field(default="", max_length=200)
    delimiter: Literal[",", ";", "\t"] = ","
    language: Text | None = None
    id_property: Text | None = "id"
    properties: dict[str, Text] = {}
    tag_properties: list[Text] = []
    relations: dict[str, Literal["target", "source", "none"]] = {}
    system_types: list[Text] = ["ApplicationComponent"]
    component_types: list[Text] = ["Node", "Device", "SystemSoftware", "TechnologyService"]
    operator_types: list[Text] = ["BusinessActor"]
    attribute_by_serving: bool = True
    max_bytes: int = Field(default=MAX_BYTES, gt=0)

    @field_validator("properties")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - _ALL_FIELDS)
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(unknown)} (known: {', '.join(sorted(_ALL_FIELDS))})")
        return value

    @field_validator("relations")
    @classmethod
    def _relation_names(cls, value: dict[str, str]) -> dict[str, str]:
        return {k.removesuffix("Relationship"): v for k, v in value.items()}

    def source_name(self, file: str) -> str:
        return self.name or f"{TYPE}:{Path(file).name}"

    def property_name(self, field: str) -> str:
        if field == "id":
            return self.id_property or ""
        return self.properties.get(field, field)


def fetch(params: Params, ctx: ScanContext) -> tuple[str, Any]:
    """Read the file or the three CSV files (the only I/O)."""
    if params.format == "exchange-xml":
        return "exchange-xml", read_source_file(params.path, ctx, params.max_bytes)
    folder = Path(params.path) if Path(params.path).is_absolute() else ctx.base_dir / params.path
    if not folder.is_dir():
        raise InputError("the archi-csv format reads a folder (of elements.csv, relations.csv, properties.csv); "
                         "this is not one", file=str(folder), field="path")
    return "archi-csv", {
        part: read_source_file(str(folder / f"{params.prefix}{part}.csv"), ctx, params.max_bytes)
        for part in ("elements", "relations", "properties")
    }


def normalize(raw: tuple[str, Any], params: Params) -> InventoryBatch:
    """Parse the model and map it to inventory records (pure)."""
    fmt, payload = raw
    if fmt == "exchange-xml":
        model = parse_exchange(*payload, language=params.language)
    else:
        model = parse_archi_csv(payload["elements"], payload["relations"], payload["properties"], delimiter=params.delimiter)
    return _Mapper(model, params).batch()


# --- reading property values ---------------------------------------------------------------


def _read(kind: str, value: str) -> Any:
    if kind == "text":
        return value
    if kind == "bool":
        folded = value.casefold()
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
        raise ValueError(f"not a yes/no value (got '{value}'); use true/false, yes/no, ja/nee, y/n or 1/0")
    if kind == "number":
        if not _NUMBER.match(value):
            raise ValueError(f"not a number of 0 or more (got '{value}'); write it as 1234.5, without thousands separators")
        return float(value)
    if kind == "list":
        return tuple(dict.fromkeys(v for v in _LIST_SPLIT.split(value) if v))
    allowed = _CHOICES[kind]
    if value.casefold() not in allowed:
        raise ValueError(f"not an allowed {kind.replace('_', ' ')} (got '{value}'); use {', '.join(allowed)}")
    return value.casefold()


class _Mapper:
    def __init__(self, model: ArchiModel, params: Params) -> None:
        self.model = model
        self.params = params
        self.source = params.source_name(model.file or "model")
        self.errors: list[InputError] = []
        self.elements = {e.identifier: e for e in model.elements}
        self.relation_ids = {r.identifier for r in model.relations}
        self.directions = {**DEPENDENCY_RELATIONS, **params.relations}
        self.props = {e.identifier: self._props(e.properties) for e in model.elements}

    # -- helpers ------------------------------------------------------------------------------
    def fail(self, element: ArchiElement | None, message: str, field: str | None = None,
             prop: ArchiProperty | None = None) -> None:
        file = (prop.file if prop is not None and prop.file else None) or (element.file if element else self.model.file)
        line = prop.line if prop is not None else (element.line if element else None)
        entry = f"element '{element.name or element.identifier}' ({element.identifier})" if element else None
        self.errors.append(InputError(message, file=file, line=line, entry=entry, field=field))

    @staticmethod
    def _props(properties: list[ArchiProperty]) -> dict[str, list[ArchiProperty]]:
        out: dict[str, list[ArchiProperty]] = {}
        for p in properties:
            out.setdefault(p.key.strip().casefold(), []).append(p)
        return out

    def value(self, element: ArchiElement, field: str, kind: str = "text") -> Any:
        name = self.params.property_name(field)
        if not name:
            return None
        stated = [p for p in self.props[element.identifier].get(name.casefold(), ()) if p.value is not None]
        if not stated:
            return None
        if len({p.value for p in stated}) > 1:
            lines = ", ".join(str(p.line) for p in stated)
            self.fail(element, f"given {len(stated)} times with different values (lines {lines})", stated[-1].key, stated[-1])
            return None
        try:
            return _read(kind, stated[0].value)
        except ValueError as exc:
            self.fail(element, str(exc), stated[0].key, stated[0])
            return None

    def values(self, element: ArchiElement, fields: dict[str, str]) -> dict[str, Any]:
        return {f: v for f, kind in fields.items() if (v := self.value(element, f, kind)) is not None}

    def origin(self, element: ArchiElement) -> str:
        return f"{element.file}:{element.line}" if element.line is not None else (element.file or self.source)

    # -- the mapping --------------------------------------------------------------------------
    def batch(self) -> InventoryBatch:
        p = self.params
        for r in self.model.relations:
            for end in ("source", "target"):
                ref = getattr(r, end)
                if ref not in self.elements and ref not in self.relation_ids:
                    self.errors.append(InputError(f"{end} '{ref}' is no element or relationship of the model",
                                                  file=r.file, line=r.line, entry=f"relationship '{r.identifier}' ({r.type})", field=end))
        self._raise()
        typed = lambda types: [e for e in self.model.elements if e.type in types]  # noqa: E731
        structural = [r for r in self.model.relations if r.type in _STRUCTURAL and r.source in self.elements and r.target in self.elements]
        app_types, comp_types = set(p.system_types), set(p.component_types)
        nested = {r.target for r in structural if self.elements[r.source].type in app_types and self.elements[r.target].type in app_types}
        systems = [e for e in typed(app_types) if e.identifier not in nested]
        components = [e for e in self.model.elements if e.identifier in nested or (e.type in comp_types and e.type not in app_types)]
        self.kind = {e.identifier: "system" for e in systems} | {e.identifier: "component" for e in components}
        self.ids = {e.identifier: (self.value(e, "id") or e.identifier) for e in [*systems, *components, *typed({"Location"}), *typed(set(p.operator_types))]}

        parents: dict[str, list[str]] = {}
        placed_at: dict[str, list[str]] = {}
        enclosing: dict[str, str] = {}
        for r in structural:
            src, tgt = self.elements[r.source], self.elements[r.target]
            if src.type == "Location":
                if tgt.type == "Location":
                    enclosing.setdefault(tgt.identifier, src.identifier)
                elif self.kind.get(tgt.identifier) == "component":
                    placed_at.setdefault(tgt.identifier, []).append(src.identifier)
            elif self.kind.get(src.identifier) and self.kind.get(tgt.identifier) == "component":
                parents.setdefault(tgt.identifier, []).append(src.identifier)

        deps = self._dependencies()
        system_of = self._attribute(components, parents, deps)
        batch = InventoryBatch(source=self.source, organization=self._organization())
        batch.sites, regions = self._locations(placed_at, enclosing)
        sys_deps: dict[str, list[str]] = {s.identifier: [] for s in systems}
        comp_deps: dict[str, list[str]] = {c.identifier: [] for c in components}
        for src, targets in deps.items():
            for tgt in targets:
                self._lift(src, tgt, system_of, sys_deps, comp_deps)
        for child, owners in parents.items():
            for owner in owners:
                # A component composed of others runs on them (a cluster on its hosts).
                if self.kind.get(owner) == "component":
                    comp_deps[owner].append(child)

        for e in systems:
            v = self.values(e, SYSTEM_FIELDS)
            batch.systems.append(SystemRecord(
                id=self.ids[e.identifier], name=e.name or self.ids[e.identifier],
                criticality=v.get("criticality", "medium"), classification=v.get("classification", "internal"),
                personal_data=v.get("personal_data", False), owner=v.get("owner"), rto_hours=v.get("rto_hours"),
                rpo_hours=v.get("rpo_hours"), exit_plan=v.get("exit_plan", False), alternatives=v.get("alternatives", ()),
                substitutability=v.get("substitutability"), description=e.documentation,
                depends_on=tuple(dict.fromkeys([*(self.ids[d] for d in sys_deps[e.identifier]), *v.get("depends_on", ())])),
                source=self.source, origin=self.origin(e),
            ))
        for e in components:
            batch.components.append(self._component(e, system_of.get(e.identifier), comp_deps[e.identifier],
                                                    placed_at.get(e.identifier, []), regions))
        batch.operators = self._operators()
        self._raise()
        unmapped = Counter(e.type for e in self.model.elements
                           if e.identifier not in self.kind and e.type not in ("Location", *p.operator_types))
        detail = ", ".join(f"{n} {t}" for t, n in sorted(unmapped.items(), key=lambda x: (-x[1], x[0]))[:8])
        batch.coverage.append(CoverageEntry(
            source=self.source, scope=self.model.file or self.source, status="read",
            detail=f"elements not mapped: {detail}" if detail else None, count=len(batch.components),
        ))
        return batch

    def _raise(self) -> None:
        if not self.errors:
            return
        if len(self.errors) == 1:
            raise self.errors[0]
        raise InputErrors(self.errors[:MAX_ERRORS])

    def _dependencies(self) -> dict[str, list[str]]:
        """Mapped element -> the mapped elements it depends on, through pass-through elements."""
        direct: dict[str, list[str]] = {}
        for r in self.model.relations:
            side = self.directions.get(r.type, "none")
            if side == "none" or r.source not in self.elements or r.target not in self.elements:
                continue
            dependent, dependency = (r.target, r.source) if side == "target" else (r.source, r.target)
            direct.setdefault(dependent, []).append(dependency)
        out: dict[str, list[str]] = {}
        for start in self.kind:
            found: list[str] = []
            seen = {start}
            stack = list(reversed(direct.get(start, [])))
            while stack:
                node = stack.pop()
                if node in seen:
                    continue
                seen.add(node)
                if node in self.kind:
                    found.append(node)
                elif self.elements[node].type in PASS_THROUGH_TYPES:
                    stack.extend(reversed(direct.get(node, [])))
            if found:
                out[start] = found
        return out

    def _attribute(self, components: list[ArchiElement], parents: dict[str, list[str]],
                   deps: dict[str, list[str]]) -> dict[str, str | None]:
        """The system (an element identifier, or an id given by property) of every component."""
        by_id = {self.ids[i]: i for i, k in self.kind.items() if k == "system"}
        served_by: dict[str, set[str]] = {}
        for src, targets in deps.items():
            if self.kind[src] == "system":
                for t in targets:
                    served_by.setdefault(t, set()).add(src)
        memo: dict[str, str | None] = {}

        def structural(ident: str, trail: frozenset[str]) -> set[str]:
            found: set[str] = set()
            for owner in parents.get(ident, ()):
                if owner in trail:
                    continue
                if self.kind[owner] == "system":
                    found.add(owner)
                else:
                    found |= ({memo[owner]} if memo.get(owner) else set()) or structural(owner, trail | {owner})
            return found

        for e in components:
            stated = self.value(e, "system")
            if stated is not None:
                memo[e.identifier] = by_id.get(stated, self.elements[stated].identifier if stated in self.elements else stated)
        for e in components:
            if e.identifier in memo:
                continue
            owners = structural(e.identifier, frozenset({e.identifier}))
            if not owners and self.params.attribute_by_serving:
                owners = served_by.get(e.identifier, set())
                if len(owners) > 1:
                    owners = set()  # serves several systems: shared, attributed by a property or a rule
            if len(owners) > 1:
                names = ", ".join(sorted(self.ids.get(o, o) for o in owners))
                self.fail(e, f"is part of several systems ({names}); give it a 'system' property")
                continue
            memo[e.identifier] = next(iter(owners), None)
        # Components inside other components inherit the system found for their owner.
        for e in components:
            if memo.get(e.identifier) is None and e.identifier in parents:
                owners = {memo.get(o) for o in parents[e.identifier] if self.kind.get(o) == "component"} - {None}
                if len(owners) == 1:
                    memo[e.identifier] = owners.pop()
        return memo

    def _system_id(self, ref: str | None) -> str | None:
        if ref is None:
            return None
        return self.ids.get(ref, ref) if ref in self.elements else ref

    def _lift(self, src: str, tgt: str, system_of: dict[str, str | None], sys_deps: dict[str, list[str]],
              comp_deps: dict[str, list[str]]) -> None:
        ks, kt = self.kind[src], self.kind[tgt]
        if ks == kt == "component":
            comp_deps[src].append(tgt)
            return
        if ks == kt == "system":
            if src != tgt:
                sys_deps[src].append(tgt)
            return
        # Between a system and a component: a dependency between their systems.
        own, other = (src, system_of.get(tgt)) if ks == "system" else (system_of.get(src), tgt)
        if own is None or other is None or own == other:
            return
        if own in sys_deps and other in self.kind:
            sys_deps[own].append(other)

    def _locations(self, placed_at: dict[str, list[str]], enclosing: dict[str, str]) -> tuple[list[SiteRecord], dict[str, dict]]:
        # A location is a site when components are placed there, or when it encloses no other
        # location (a data centre that only another source's servers refer to); a location
        # that encloses others (a country, a city) only lends them its country.
        used = {loc for locs in placed_at.values() for loc in locs}
        leaves = {e.identifier for e in self.model.elements if e.type == "Location"} - set(enclosing.values())
        sites, regions = [], {}
        for e in self.model.elements:
            ident = e.identifier
            if e.type != "Location" or (ident not in used and ident not in leaves):
                continue
            v = self.values(e, LOCATION_FIELDS)
            if "region" in v:
                regions[ident] = v
                continue
            country, up, seen = v.get("country"), enclosing.get(ident), {ident}
            while country is None and up is not None and up not in seen:
                seen.add(up)
                country = self.value(self.elements[up], "country")
                up = enclosing.get(up)
            sites.append(SiteRecord(self.ids[ident], e.name or self.ids[ident], country, v.get("city"),
                                    v.get("legal_entity"), self.source, self.origin(e)))
        return sites, regions

    def _component(self, e: ArchiElement, system: str | None, deps: list[str], places: list[str],
                   regions: dict[str, dict]) -> ComponentRecord:
        v = self.values(e, COMPONENT_FIELDS)
        if len(places) > 1:
            names = ", ".join(self.ids[p] for p in places)
            self.fail(e, f"is placed at several locations ({names}); a component is in one place")
        elif places:
            loc = places[0]
            if loc in regions:
                for key in ("provider", "region"):
                    stated = v.get(key)
                    if key in regions[loc] and stated is not None and stated != regions[loc][key]:
                        self.fail(e, f"has {key} '{stated}' but is placed at location '{self.ids[loc]}' "
                                     f"with {key} '{regions[loc][key]}'", self.params.property_name(key))
                    elif key in regions[loc]:
                        v[key] = regions[loc][key]
            elif v.get("site") not in (None, self.ids[loc]):
                self.fail(e, f"has site '{v['site']}' but is placed at location '{self.ids[loc]}'",
                          self.params.property_name("site"))
            else:
                v["site"] = self.ids[loc]
        if v.get("region") and v.get("site"):
            self.fail(e, "has both a region (a provider's) and a site (an own data centre); give one")
        tags = {}
        for name in self.params.tag_properties:
            stated = [p.value for p in self.props[e.identifier].get(name.casefold(), ()) if p.value is not None]
            if stated:
                tags[name] = stated[0]
        return ComponentRecord(
            id=self.ids[e.identifier], name=e.name, system=self._system_id(system), kind=v.get("kind") or e.type,
            provider=v.get("provider"), service=v.get("service"), region=v.get("region"), site=v.get("site"),
            holds_data=v.get("holds_data", False), data_volume_gb=v.get("data_volume_gb"),
            depends_on=tuple(dict.fromkeys([*(self.ids[d] for d in deps if d != e.identifier), *v.get("depends_on", ())])),
            key_custody=v.get("key_custody"), external_id=v.get("external_id"), account=v.get("account"),
            tags=tags, model=v.get("model"), source=self.source, origin=self.origin(e),
        )

    def _operators(self) -> list[OperatorRecord]:
        kinds = set(self.params.operator_types)
        operates: dict[str, list[str]] = {}
        for r in self.model.relations:
            if r.type not in _OPERATES or r.source not in self.elements or r.target not in self.elements:
                continue
            pairs = [(r.source, r.target)] + ([(r.target, r.source)] if r.type == "Association" else [])
            for actor, target in pairs:
                if self.elements[actor].type in kinds and target in self.kind:
                    operates.setdefault(actor, []).append(self.ids[target])
        out = []
        for e in self.model.elements:
            if e.type not in kinds:
                continue
            v = self.values(e, OPERATOR_FIELDS)
            if not v.keys() - {"operates"}:
                continue  # an actor without operator properties: an organisational unit, not an operator
            out.append(OperatorRecord(
                id=self.ids[e.identifier], name=e.name or self.ids[e.identifier], legal_entity=v.get("legal_entity"),
                country=v.get("country"),
                operates=tuple(dict.fromkeys([*operates.get(e.identifier, ()), *v.get("operates", ())])),
                access=v.get("access", "admin"), source=self.source, origin=self.origin(e),
            ))
        return out

    def _organization(self) -> Organization | None:
        props = self._props(self.model.properties)
        get: Callable[[str], str | None] = lambda k: next((p.value for p in props.get(k, ()) if p.value), None)  # noqa: E731
        name = get("organization")
        if name is None:
            return None
        bloc = get("home_bloc") or "EU"
        if bloc not in ("EU", "EEA"):
            prop = props["home_bloc"][0]
            self.errors.append(InputError(f"not a home bloc (got '{bloc}'); use EU or EEA", file=prop.file or self.model.file,
                                          line=prop.line, entry="model", field="home_bloc"))
        return Organization(name, get("country"), bloc)
