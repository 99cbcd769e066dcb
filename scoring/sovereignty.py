"""Sovereignty level (SEAL 0-4) and score (0-100) following the EU Cloud Sovereignty Framework.

The framework (``scoring/csf.yaml``) has eight objectives SOV-1..SOV-8; each criterion is
an ordinal answer with a SEAL. For one component:

- every criterion gets an answer: an override with evidence when the organisation gave
  one, else the answer pre-filled from catalog and inventory facts, else the criterion's
  default (``source`` says which: ``override``, ``catalog``, ``default``);
- ``SEAL = min`` over the criteria whose answer has a SEAL (null means "does not apply"
  or "not assessed" and counts for nothing);
- an objective's score is ``100 * mean(SEAL / 4)`` over its criteria with a SEAL;
- ``score = sum(w_o * score_o) / sum(w_o)`` over the objectives with a score, the
  weights ``w_o`` from a preset (``csf-2025``, ``csf-2026``) or the organisation's own.

A system rests on every component it reaches (its own, the components they depend on,
and those of the systems it depends on). Its answer to a criterion is the weakest
component answer, with the component and the path that leads to it, and its SEAL is
the lowest of those: never above any component's (the gate). For its score, each
criterion counts with its mean SEAL over the system's own components (``mean_seal``,
beside the count of every answer among them; over everything it rests on when it has
no component of its own): the score ranks what the system itself is built on, and what
it depends on already caps its SEAL. The result lists the system's own components and,
up to 25, the other components whose SEAL is the system's (they hold it down), each with
the criteria that cap it.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from analyzer.closure import Group, Rollup, signature
from analyzer.jurisdiction import CHANNELS, Reach, component_reach, laws_for
from inventory.catalog import Catalog
from scoring.exposure import HOME_BLOCS, is_foreign
from scoring.findings import catalog_facts
from sovmap.errors import InputError, InputErrors
from sovmap.validation import validate_model
from sovmap.yamlio import read_yaml_file

FRAMEWORK_FILE = Path(__file__).with_name("csf.yaml")

__all__ = [
    "FRAMEWORK_FILE",
    "ComponentSovereignty",
    "Framework",
    "Override",
    "SystemSovereignty",
    "check_override_scopes",
    "compose_sovereignty",
    "load_framework",
    "load_overrides",
    "override_components",
    "score_component_sovereignty",
    "score_sovereignty",
]

NonEmpty = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Seal = Annotated[int, Field(ge=0, le=4)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Answer(_Model):
    key: NonEmpty
    seal: Seal | None
    label: NonEmpty


class Criterion(_Model):
    id: NonEmpty
    objective: NonEmpty
    name: NonEmpty
    question: NonEmpty
    prefill: NonEmpty
    answers: tuple[Answer, ...] = Field(min_length=1)
    default: NonEmpty
    source: NonEmpty

    def answer(self, key: str) -> Answer:
        return next(a for a in self.answers if a.key == key)


class Objective(_Model):
    id: NonEmpty
    name: NonEmpty
    focus: NonEmpty


class Preset(_Model):
    name: NonEmpty
    weights: dict[str, Annotated[float, Field(ge=0)]]
    source: NonEmpty
    as_of: date
    note: str | None = None


class SealLevel(_Model):
    level: Seal
    name: NonEmpty
    meaning: NonEmpty


class FrameworkMeta(_Model):
    name: NonEmpty
    version: NonEmpty
    source: NonEmpty
    as_of: date


class FrameworkFile(_Model):
    version: Literal[1] = 1
    framework: FrameworkMeta
    seal_levels: tuple[SealLevel, ...] = Field(min_length=5, max_length=5)
    objectives: tuple[Objective, ...] = Field(min_length=1)
    presets: dict[str, Preset] = Field(min_length=1)
    default_preset: NonEmpty
    criteria: tuple[Criterion, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Framework:
    """The validated framework: objectives, criteria with their answers, weight presets."""

    meta: FrameworkMeta
    seal_levels: Mapping[int, SealLevel]
    objectives: Mapping[str, Objective]
    criteria: Mapping[str, Criterion]
    presets: Mapping[str, Preset]
    default_preset: str
    file: str

    def weights(self, spec: str | Mapping[str, float] | None = None) -> tuple[str, dict[str, float]]:
        """Resolve a preset name or a mapping of objective weights to ``(name, weights)``.

        Weights are normalised to sum to 1. A mapping must name every objective.

        >>> fw = load_framework()
        >>> name, w = fw.weights("csf-2026")
        >>> name, w["SOV-1"]
        ('csf-2026', 0.2)
        >>> fw.weights({"SOV-1": 1})
        Traceback (most recent call last):
        ...
        ValueError: weights: missing SOV-2, SOV-3, SOV-4, SOV-5, SOV-6, SOV-7, SOV-8
        """
        if spec is None:
            spec = self.default_preset
        if isinstance(spec, str):
            if spec not in self.presets:
                raise ValueError(f"weights: unknown preset '{spec}' (known: {', '.join(sorted(self.presets))})")
            name, raw = spec, dict(self.presets[spec].weights)
        else:
            name, raw = "custom", dict(spec)
        unknown = sorted(set(raw) - set(self.objectives))
        if unknown:
            raise ValueError(f"weights: unknown objective(s) {', '.join(unknown)} (known: {', '.join(self.objectives)})")
        missing = [o for o in self.objectives if o not in raw]
        if missing:
            raise ValueError(f"weights: missing {', '.join(missing)}")
        if any(v < 0 for v in raw.values()):
            raise ValueError("weights: a weight cannot be negative")
        total = sum(raw.values())
        if total <= 0:
            raise ValueError("weights: at least one weight must be above zero")
        return name, {k: raw[k] / total for k in self.objectives}


def _framework_errors(doc: FrameworkFile, data: Any, file: str) -> list[InputError]:
    errors: list[InputError] = []

    def line(section: str, index: int | None = None) -> int | None:
        try:
            return data[section].item_lines[index] if index is not None else data.key_lines[section]
        except (AttributeError, KeyError, IndexError, TypeError):
            return None

    objective_ids = [o.id for o in doc.objectives]
    seen: set[str] = set()
    for i, c in enumerate(doc.criteria):
        entry = f"criteria[{i}] (id '{c.id}')"
        if c.id in seen:
            errors.append(InputError("criterion defined twice", file=file, line=line("criteria", i), entry=entry, field="id"))
        seen.add(c.id)
        if c.objective not in objective_ids:
            errors.append(InputError(f"unknown objective '{c.objective}'", file=file, line=line("criteria", i), entry=entry, field="objective"))
        keys = [a.key for a in c.answers]
        if len(set(keys)) != len(keys):
            errors.append(InputError("an answer key is used twice", file=file, line=line("criteria", i), entry=entry, field="answers"))
        if c.default not in keys:
            errors.append(InputError(f"default '{c.default}' is not one of its answers", file=file, line=line("criteria", i), entry=entry, field="default"))
        # The pre-fill code gives these answers: the file must keep them (their SEAL may change).
        for needed in _PREFILL_ANSWERS.get(c.id, ()):
            if needed not in keys:
                errors.append(InputError(f"answer '{needed}' is missing: the pre-fill from catalog facts gives it",
                                         file=file, line=line("criteria", i), entry=entry, field="answers"))
    for cid in sorted(set(_PREFILL_ANSWERS) - seen):
        errors.append(InputError(f"criterion {cid} is missing: the pre-fill from catalog facts answers it", file=file, line=line("criteria")))
    for name, preset in doc.presets.items():
        missing = [o for o in objective_ids if o not in preset.weights]
        extra = sorted(set(preset.weights) - set(objective_ids))
        if missing or extra:
            what = "; ".join(p for p in (missing and f"missing {', '.join(missing)}", extra and f"unknown {', '.join(extra)}") if p)
            errors.append(InputError(what, file=file, line=line("presets"), entry=f"presets.{name}", field="weights"))
    if doc.default_preset not in doc.presets:
        errors.append(InputError(f"unknown preset '{doc.default_preset}'", file=file, line=line("default_preset"), field="default_preset"))
    if sorted(s.level for s in doc.seal_levels) != [0, 1, 2, 3, 4]:
        errors.append(InputError("seal_levels must list the levels 0, 1, 2, 3 and 4 once each", file=file, line=line("seal_levels")))
    return errors


def load_framework(path: str | Path | None = None) -> Framework:
    """Read and validate the framework file (the bundled ``scoring/csf.yaml`` by default).

    >>> fw = load_framework()
    >>> list(fw.objectives)[:2], fw.default_preset
    (['SOV-1', 'SOV-2'], 'csf-2025')
    >>> fw.criteria["SOV-2.1"].answer("compelled-access").seal
    1
    """
    path = Path(path) if path is not None else FRAMEWORK_FILE
    file = str(path)
    data = read_yaml_file(path)
    if not isinstance(data, dict):
        raise InputError("the top level must be a mapping (framework, objectives, presets, criteria)", file=file)
    doc = validate_model(FrameworkFile, data, file=file)
    errors = _framework_errors(doc, data, file)
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    return Framework(
        meta=doc.framework,
        seal_levels={s.level: s for s in doc.seal_levels},
        objectives={o.id: o for o in doc.objectives},
        criteria={c.id: c for c in doc.criteria},
        presets=dict(doc.presets),
        default_preset=doc.default_preset,
        file=file,
    )


# -- overrides ------------------------------------------------------------------------------

class OverrideScope(_Model):
    """What an override applies to; every key given must match (the most specific override wins)."""

    provider: NonEmpty | None = None
    service: NonEmpty | None = None
    region: NonEmpty | None = None
    site: NonEmpty | None = None
    component: NonEmpty | None = None


class Override(_Model):
    criterion: NonEmpty
    scope: OverrideScope
    answer: NonEmpty
    evidence: NonEmpty
    source: NonEmpty | None = None
    as_of: date | None = None
    owner: NonEmpty | None = None
    origin: str | None = None

    def specificity(self) -> int:
        # A component override beats any service-level one, which beats a provider-level one.
        s = self.scope
        return (100 if s.component else 0) + sum(1 for v in (s.provider, s.service, s.region, s.site) if v)

    def matches(self, attrs: Mapping[str, Any]) -> bool:
        s = self.scope
        return all(
            want is None or attrs.get(key) == want
            for key, want in (("provider", s.provider), ("service", s.service), ("region", s.region),
                              ("site", s.site), ("key", s.component))
        )

    def as_evidence(self) -> dict:
        return {"evidence": self.evidence, "source": self.source, "as_of": self.as_of.isoformat() if self.as_of else None,
                "owner": self.owner, "scope": self.scope.model_dump(exclude_none=True), "origin": self.origin}


class OverridesFile(_Model):
    version: Literal[1] = 1
    sovereignty_overrides: tuple[Override, ...] = ()


def load_overrides(path: str | Path, framework: Framework) -> tuple[Override, ...]:
    """Read the organisation's answers with evidence; each names a criterion and one of its answers.

    Errors name the file, line, entry and field. A scope needs at least one key; a service
    or region scope needs its provider.
    """
    path = Path(path)
    file = str(path)
    data = read_yaml_file(path)
    if not isinstance(data, dict):
        raise InputError("the top level must be a mapping with 'sovereignty_overrides'", file=file)
    doc = validate_model(OverridesFile, data, file=file)
    items = data.get("sovereignty_overrides") or []
    lines = getattr(items, "item_lines", [])
    errors: list[InputError] = []
    out: list[Override] = []
    seen: dict[tuple, int] = {}
    for i, o in enumerate(doc.sovereignty_overrides):
        line = lines[i] if i < len(lines) else None
        entry = f"sovereignty_overrides[{i}]"
        criterion = framework.criteria.get(o.criterion)
        if criterion is None:
            errors.append(InputError(f"unknown criterion '{o.criterion}' (known: {', '.join(framework.criteria)})",
                                     file=file, line=line, entry=entry, field="criterion"))
            continue
        keys = [a.key for a in criterion.answers]
        if o.answer not in keys:
            errors.append(InputError(f"'{o.answer}' is not an answer of {o.criterion} (answers: {', '.join(keys)})",
                                     file=file, line=line, entry=entry, field="answer"))
        s = o.scope
        if not any((s.provider, s.service, s.region, s.site, s.component)):
            errors.append(InputError("the scope names nothing (provider, service, region, site or component)",
                                     file=file, line=line, entry=entry, field="scope"))
        if (s.service or s.region) and not s.provider:
            errors.append(InputError("a service or region scope needs its provider", file=file, line=line, entry=entry, field="scope"))
        ident = (o.criterion, tuple(sorted(s.model_dump(exclude_none=True).items())))
        if ident in seen:
            errors.append(InputError(f"a second override of {o.criterion} for the same scope (first at line {seen[ident]})",
                                     file=file, line=line, entry=entry, field="scope"))
        seen[ident] = line
        out.append(o.model_copy(update={"origin": f"{file}:{line}" if line else file}))
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    return tuple(out)


def check_override_scopes(overrides: Iterable[Override], *, catalog: Catalog, components: Iterable[str], sites: Iterable[str]) -> None:
    """Every override must point at something that exists: a typo would silently change nothing."""
    components, sites = set(components), set(sites)
    errors: list[InputError] = []
    for o in overrides:
        file, _, line = (o.origin or "").rpartition(":")
        where = {"file": file or o.origin, "line": int(line) if line.isdigit() else None, "entry": f"override of {o.criterion}",
                 "field": "scope"}
        s = o.scope
        if s.provider and catalog.provider(s.provider) is None:
            errors.append(InputError(f"unknown provider '{s.provider}'", **where))
        elif s.service and catalog.service(s.provider, s.service) is None:
            errors.append(InputError(f"unknown service '{s.provider}/{s.service}'", **where))
        elif s.region and catalog.region(s.provider, s.region) is None:
            errors.append(InputError(f"unknown region '{s.provider}/{s.region}'", **where))
        if s.component and s.component not in components:
            errors.append(InputError(f"unknown component '{s.component}'", **where))
        if s.site and s.site not in sites:
            errors.append(InputError(f"unknown site '{s.site}'", **where))
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)


# -- pre-filling answers from the graph ------------------------------------------------------

_CONF = frozenset(v for v, c in CHANNELS.items() if "confidentiality" in c)
_AVAIL = frozenset(v for v, c in CHANNELS.items() if "availability" in c)
_LOCATION_EDGES = frozenset({"runs_on", "stores_data_in"})
#: Components of other systems listed with a system because they hold its SEAL down.
_MAX_DEPENDENCY_COMPONENTS = 25
_UNKNOWN_REACH = frozenset({"provider", "region", "location", "site_country"})

#: The answers the pre-fill below can give, per criterion (checked against the framework file at load).
_PREFILL_ANSWERS: dict[str, tuple[str, ...]] = {
    "SOV-1.1": ("non-eu-entity", "non-eu-control", "non-eu-indirect", "eu-control-non-eu-subsidiaries", "eu-control", "own", "unknown"),
    "SOV-2.1": ("non-eu-territory", "compelled-access", "metadata-only", "reached-no-law", "eu-only", "unknown"),
    "SOV-2.2": ("suspension-control", "suspension-licensor", "suspension-operator", "reached-no-law", "eu-only", "unknown"),
    "SOV-3.1": ("provider-foreign", "managed-foreign", "provider-eu", "customer-held", "own", "no-data"),
    "SOV-3.2": ("non-eu", "adequacy", "non-eu-control-plane", "eu", "unknown"),
    "SOV-3.3": ("non-eu-closed", "non-eu-open", "eu-closed", "eu-open", "no-model", "unknown"),
    "SOV-4.1": ("non-eu-admin", "non-eu-support", "non-eu-read", "eu-only"),
    "SOV-4.2": ("non-eu-staff", "non-eu-staff-gated", "eu-staff", "own", "not-assessed"),
    "SOV-4.3": ("low", "medium", "high", "own", "unknown", "not-assessed"),
    "SOV-5.1": ("non-eu-technology", "non-eu-licence", "eu-technology", "own", "unknown"),
    "SOV-6.1": ("proprietary", "open-standard", "not-assessed"),
}


def _follow(G: nx.DiGraph, node: str, edge_type: str) -> list[str]:
    return [t for _, t, d in G.out_edges(node, data=True) if d["type"] == edge_type]


def _chain(G: nx.DiGraph, entity: str) -> list[str]:
    """The entity and every parent up to the ultimate parent."""
    out = [entity]
    while (parents := _follow(G, out[-1], "controlled_by")) and parents[0] not in out:
        out.append(parents[0])
    return out


@dataclass
class _Facts:
    """What the graph says about one component, computed once for all criteria."""

    comp: str
    attrs: Mapping[str, Any]
    unresolved: Mapping[str, Any]
    service: str | None = None
    provider: str | None = None
    places: list[str] = field(default_factory=list)  # region and site nodes
    site: str | None = None
    region_entity: str | None = None
    reaches: list[Reach] = field(default_factory=list)
    foreign: list[Reach] = field(default_factory=list)


def _gather(G: nx.DiGraph, comp: str, home: str, cache: dict) -> _Facts:
    attrs = G.nodes[comp]
    f = _Facts(comp, attrs, attrs.get("unresolved") or {})
    for _, target, d in G.out_edges(comp, data=True):
        if d["type"] not in _LOCATION_EDGES:
            continue
        kind = G.nodes[target]["kind"]
        if kind == "service":
            f.service = target
            f.provider = next(iter(_follow(G, target, "provided_by")), None)
        elif kind == "provider":
            f.provider = target
        elif kind in ("region", "site"):
            f.places.append(target)
            if kind == "site":
                f.site = target
            entity = next(iter(_follow(G, target, "operated_by")), None)
            if kind == "region" and entity:
                f.region_entity = entity
    f.reaches = list(component_reach(G, comp, cache))
    system = attrs.get("system")
    if system and f"system:{system}" in G:
        # An operator of the whole system reaches each of its components.
        ops = cache.get(("system-operators", system))
        if ops is None:
            ops = cache[("system-operators", system)] = [r for r in component_reach(G, f"system:{system}", cache) if r.via == "operator"]
        f.reaches += [Reach(r.code, r.via, (comp, *r.path[1:]), comp) for r in ops]
    f.foreign = [r for r in f.reaches if is_foreign(G, r.code, home)]
    return f


def _law_reach(G: nx.DiGraph, code: str, via: str) -> tuple[list[str], set[str]]:
    laws = laws_for(G, code, [via])
    kinds: set[str] = set()
    for law in laws:
        kinds |= set(G.nodes[f"law:{law}"].get("reach", ()))
    return laws, kinds


def _ev(detail: str, path: Sequence[str] = (), **extra: Any) -> dict:
    return {"detail": detail, "path": list(path), **extra}


def _sov_1_1(G, f: _Facts, home, catalog):
    if "provider" in f.unresolved or "location" in f.unresolved:
        return "unknown", _ev(f"UNKNOWN: {next(iter(f.unresolved.values()))} is not in the catalog")
    if f.site is not None and f.provider is None:
        entity = next(iter(_follow(G, f.site, "operated_by")), None)
        if entity is None:
            return "own", _ev("own site, no operating entity declared", [f.comp, f.site])
        head = [f.comp, f.site]
    elif f.provider is not None:
        region = next((p for p in f.places if p.startswith("region:")), None)
        if f.region_entity:
            entity, head = f.region_entity, [f.comp, region]
        elif f.service is not None:
            entity, head = next(iter(_follow(G, f.service, "offered_by")), None), [f.comp, f.service]
        else:
            entity, head = next(iter(_follow(G, f.provider, "contracts_via")), None), [f.comp, f.provider]
        if entity is None:
            return "unknown", _ev("the provider's contracting entity is not in the catalog", head)
    else:
        return "unknown", _ev("neither provider nor site resolved")
    chain = _chain(G, entity)
    countries = [G.nodes[e].get("country") for e in chain]
    path = head + chain
    if is_foreign(G, countries[0], home):
        return "non-eu-entity", _ev(f"{G.nodes[chain[0]].get('name')} sits in {countries[0]}", path)
    if any(is_foreign(G, c, home) for c in countries[1:]):
        top = next(e for e, c in zip(chain, countries, strict=True) if is_foreign(G, c, home))
        key = "non-eu-indirect" if f.region_entity else "non-eu-control"
        return key, _ev(f"controlled by {G.nodes[top].get('name')} ({G.nodes[top].get('country')})", path)
    if f.provider is not None:
        abroad = [s for s in _follow(G, f.provider, "has_subsidiary")
                  if any(is_foreign(G, G.nodes[e].get("country"), home) for e in _chain(G, s))]
        if abroad:
            return "eu-control-non-eu-subsidiaries", _ev(
                f"EU control; subsidiaries outside the EU: {', '.join(G.nodes[s].get('name') for s in abroad)}",
                path + abroad[:1])
    if f.site is not None and f.provider is None:
        return "eu-control", _ev(f"site run by {G.nodes[chain[0]].get('name')}, EU control along the chain", path)
    return "eu-control", _ev(f"EU control up to {G.nodes[chain[-1]].get('name')}", path)


def _unknown_reach(f: _Facts) -> dict | None:
    missing = {k: v for k, v in f.unresolved.items() if k in _UNKNOWN_REACH}
    if missing:
        return _ev("UNKNOWN: " + ", ".join(f"{k} '{v}'" for k, v in missing.items()) + " not in the catalog")
    return None


def _sov_2_1(G, f: _Facts, home, catalog):
    if (unknown := _unknown_reach(f)) is not None:
        return "unknown", unknown
    ranked: list[tuple[int, str, Reach, list[str]]] = []
    for r in f.foreign:
        if r.via not in _CONF:
            continue
        laws, kinds = _law_reach(G, r.code, r.via)
        compelled = bool(kinds & {"content", "assistance"})
        if r.via == "location" and compelled:
            ranked.append((0, "non-eu-territory", r, laws))
        elif compelled:
            ranked.append((1, "compelled-access", r, laws))
        elif "metadata" in kinds:
            ranked.append((2, "metadata-only", r, laws))
        else:
            ranked.append((3, "reached-no-law", r, laws))
    if not ranked:
        return "eu-only", _ev("no jurisdiction outside the EU reaches it through a confidentiality channel")
    _, key, r, laws = min(ranked, key=lambda t: (t[0], len(t[2].path)))
    return key, _ev(f"{r.code} through {r.via}" + (f": {', '.join(laws)}" if laws else ""), r.path,
                    jurisdiction=r.code, via=r.via, laws=laws)


def _sov_2_2(G, f: _Facts, home, catalog):
    if (unknown := _unknown_reach(f)) is not None:
        return "unknown", unknown
    ranked: list[tuple[int, str, Reach, list[str]]] = []
    for r in f.foreign:
        if r.via not in _AVAIL:
            continue
        laws, kinds = _law_reach(G, r.code, r.via)
        laws = [law for law in laws if "suspension" in G.nodes[f"law:{law}"].get("reach", ())]
        if not laws:
            ranked.append((3, "reached-no-law", r, laws))
        elif r.via in ("legal-entity", "control-plane", "location"):
            ranked.append((1, "suspension-control", r, laws))
        elif r.via in ("technology-licensor", "model-provenance"):
            ranked.append((2, "suspension-licensor", r, laws))
        else:
            ranked.append((2, "suspension-operator", r, laws))
    if not ranked:
        return "eu-only", _ev("no jurisdiction outside the EU reaches it through an availability channel")
    _, key, r, laws = min(ranked, key=lambda t: (t[0], len(t[2].path)))
    return key, _ev(f"{r.code} through {r.via}" + (f": {', '.join(laws)}" if laws else ""), r.path,
                    jurisdiction=r.code, via=r.via, laws=laws)


def _sov_3_1(G, f: _Facts, home, catalog):
    if not f.attrs.get("holds_data"):
        return "no-data", _ev("holds no data")
    if f.site is not None and f.provider is None:
        return "own", _ev("stored on own infrastructure", [f.comp, f.site])
    custody = f.attrs.get("key_custody")
    if custody == "customer-held":
        return "customer-held", _ev("keys held outside the provider (key_custody: customer-held)")
    reached, ev = _sov_2_1(G, f, home, catalog)
    assumed = {} if custody else {"assumed": "key_custody not declared: provider-held keys assumed (the default of cloud services)"}
    if reached in ("eu-only", "reached-no-law"):
        return "provider-eu", _ev(f"keys ({custody or 'provider'}) at a provider no non-EU compelled-access law reaches", **assumed)
    key = "managed-foreign" if custody == "customer-managed" else "provider-foreign"
    why = "UNKNOWN reach" if reached == "unknown" else ev["detail"]
    return key, _ev(f"keys ({custody or 'provider'}) at a provider reached from outside the EU ({why})", ev["path"], **assumed)


def _sov_3_2(G, f: _Facts, home, catalog):
    missing = {k: v for k, v in f.unresolved.items() if k in ("region", "location", "site_country")}
    if missing:
        return "unknown", _ev("UNKNOWN: " + ", ".join(f"{k} '{v}'" for k, v in missing.items()) + " not in the catalog")
    found: list[tuple[int, str, list[str], str]] = []
    for place in f.places:
        for etype in ("located_in", "also_located_in"):
            for country in _follow(G, place, etype):
                code = G.nodes[country]["key"]
                if not is_foreign(G, code, home):
                    found.append((4, "eu", [f.comp, place, country], code))
                elif G.nodes[country].get("bloc") == "adequacy":
                    found.append((1, "adequacy", [f.comp, place, country], code))
                else:
                    found.append((0, "non-eu", [f.comp, place, country], code))
    if f.service is not None:
        for country in _follow(G, f.service, "controlled_from"):
            code = G.nodes[country]["key"]
            if is_foreign(G, code, home):
                found.append((1, "non-eu-control-plane", [f.comp, f.service, country], code))
            elif not f.places:
                found.append((4, "eu", [f.comp, f.service, country], code))
    if not found:
        return "unknown", _ev("no region, site or control plane resolved")
    seal, key, path, code = min(found, key=lambda t: (t[0], len(t[2])))
    where = sorted({c for _, _, _, c in found})
    return key, _ev(f"in {', '.join(where)}" + (f"; weakest: {code}" if len(where) > 1 else ""), path, countries=where)


def _sov_3_3(G, f: _Facts, home, catalog):
    if "model" in f.unresolved:
        return "unknown", _ev(f"UNKNOWN: model '{f.unresolved['model']}' not in the catalog")
    models = _follow(G, f.comp, "uses_model")
    if not models:
        return "no-model", _ev("uses no trained model")
    worst = None
    for m in models:
        developer = next(iter(_follow(G, m, "developed_by")), None)
        chain = _chain(G, developer) if developer else []
        foreign = any(is_foreign(G, G.nodes[e].get("country"), home) for e in chain) or not chain
        opened = bool(G.nodes[m].get("open_weights"))
        key = ("non-eu-open" if opened else "non-eu-closed") if foreign else ("eu-open" if opened else "eu-closed")
        rank = ["non-eu-closed", "non-eu-open", "eu-closed", "eu-open"].index(key)
        if worst is None or rank < worst[0]:
            worst = (rank, key, [f.comp, m, *chain], G.nodes[m].get("name"))
    _, key, path, name = worst
    return key, _ev(f"{name}: {key.replace('-', ' ')}", path)


def _sov_4_1(G, f: _Facts, home, catalog):
    worst = None
    rank = {"admin": 1, "support": 2, "read": 3}
    for r in f.foreign:
        if r.via != "operator":
            continue
        operator = next(n for n in r.path if n.startswith("operator:"))
        access = G.nodes[operator].get("access") or "admin"
        item = (rank.get(access, 1), f"non-eu-{access}" if access in rank else "non-eu-admin", r)
        if worst is None or item[0] < worst[0]:
            worst = item
    for source, _, d in G.in_edges(f.comp, data=True):
        # An operator whose country or employer the catalog cannot resolve is treated as
        # non-EU: the level cannot be shown otherwise.
        if d["type"] == "operates" and G.nodes[source].get("unresolved"):
            access = G.nodes[source].get("access") or "admin"
            item = (rank.get(access, 1), f"non-eu-{access}", Reach("UNKNOWN", "operator", (f.comp, source), f.comp))
            if worst is None or item[0] < worst[0]:
                worst = item
    if worst is None:
        return "eu-only", _ev("no declared operator under non-EU jurisdiction")
    _, key, r = worst
    operator = next(n for n in r.path if n.startswith("operator:"))
    return key, _ev(f"{G.nodes[operator].get('name')} ({G.nodes[operator].get('access')}) reached by {r.code}", r.path,
                    jurisdiction=r.code)


def _country_foreign(G: nx.DiGraph, catalog: Catalog | None, code: str, home: str) -> bool:
    if f"country:{code}" in G or catalog is None:
        return is_foreign(G, code, home)
    country = catalog.country(code)
    return country is None or country.bloc not in HOME_BLOCS.get(home, frozenset({home}))


def _operations(G: nx.DiGraph, provider: str, catalog: Catalog | None) -> tuple[list[str], str | None]:
    """Where the provider's operations staff sit and its approval gate: from the graph, else the catalog."""
    countries = [G.nodes[t]["key"] for _, t, d in G.out_edges(provider, data=True) if d["type"] == "operations_in"]
    gate = G.nodes[provider].get("approval_gate")
    if not countries and gate is None and catalog is not None:
        entry = catalog.provider(G.nodes[provider]["key"])
        ops = entry.operations if entry else None
        if ops is not None:
            countries, gate = list(ops.countries), ops.approval_gate
    return countries, gate


def _sov_4_2(G, f: _Facts, home, catalog):
    if f.site is not None and f.provider is None:
        return "own", _ev("own infrastructure", [f.comp, f.site])
    if f.provider is None:
        return None
    countries, gate = _operations(G, f.provider, catalog)
    path = [f.comp, f.provider]
    if countries:
        abroad = [c for c in countries if _country_foreign(G, catalog, c, home)]
        if not abroad:
            return "eu-staff", _ev(f"operations staff in {', '.join(countries)}", path)
        return ("non-eu-staff-gated" if gate else "non-eu-staff"), _ev(
            f"operations staff also in {', '.join(abroad)}" + (f"; {gate}" if gate else ""), path + [f"country:{abroad[0]}"])
    control, ev = _sov_1_1(G, f, home, catalog)
    if control in ("non-eu-entity", "non-eu-control", "non-eu-indirect"):
        detail = f"a provider under non-EU control ({ev['detail']}); the catalog lists no operations countries"
        return ("non-eu-staff-gated" if gate else "non-eu-staff"), _ev(detail + (f"; {gate}" if gate else ""), ev["path"])
    return "not-assessed", _ev("the catalog lists no operations countries for this provider", path)


def _sov_4_3(G, f: _Facts, home, catalog):
    if f.site is not None and f.provider is None:
        return "own", _ev("own infrastructure", [f.comp, f.site])
    if "service" in f.unresolved:
        return "unknown", _ev(f"UNKNOWN: service '{f.unresolved['service']}' not in the catalog")
    if f.service is None:
        return "not-assessed", _ev("no service named")
    cls = G.nodes[f.service].get("portability")
    if cls not in ("high", "medium", "low"):
        return "unknown", _ev("the catalog gives no portability class", [f.comp, f.service])
    return cls, _ev(f"{G.nodes[f.service].get('name')}: portability {cls}", [f.comp, f.service])


def _sov_5_1(G, f: _Facts, home, catalog):
    if f.site is not None and f.provider is None:
        return "own", _ev("own infrastructure", [f.comp, f.site])
    if f.provider is None:
        return "unknown", _ev("UNKNOWN: the provider is not in the catalog")
    head = [f.comp, f.service] if f.service else [f.comp]
    contracting = next(iter(_follow(G, f.provider, "contracts_via")), None)
    chain = _chain(G, contracting) if contracting else []
    if any(is_foreign(G, G.nodes[e].get("country"), home) for e in chain):
        return "non-eu-technology", _ev(f"technology of {G.nodes[chain[-1]].get('name')} ({G.nodes[chain[-1]].get('country')})",
                                        head + [f.provider, *chain])
    for lic in _follow(G, f.provider, "licensed_from"):
        lchain = _chain(G, lic)
        if any(is_foreign(G, G.nodes[e].get("country"), home) for e in lchain):
            return "non-eu-licence", _ev(f"runs technology licensed from {G.nodes[lchain[-1]].get('name')} "
                                         f"({G.nodes[lchain[-1]].get('country')})", head + [f.provider, *lchain])
    return "eu-technology", _ev("EU-controlled technology; hardware and firmware origin not in the catalog", head + [f.provider, *chain])


def _sov_6_1(G, f: _Facts, home, catalog):
    if f.service is None or catalog is None:
        return None
    provider, _, key = G.nodes[f.service]["key"].partition("/")
    service = catalog.service(provider, key)
    if service is not None and service.open_standard:
        return "open-standard", _ev(f"{service.name}: {service.open_standard}", [f.comp, f.service])
    if G.nodes[f.service].get("portability") == "high":
        # High portability means open interfaces by the catalog's own definition; without
        # the standard named, the level is left open rather than guessed either way.
        return "not-assessed", _ev(f"{G.nodes[f.service].get('name')}: portability high, but the catalog names no open standard",
                                   [f.comp, f.service])
    return "proprietary", _ev(f"{G.nodes[f.service].get('name')}: no open standard named in the catalog", [f.comp, f.service])


_PREFILL = {
    "SOV-1.1": _sov_1_1, "SOV-2.1": _sov_2_1, "SOV-2.2": _sov_2_2, "SOV-3.1": _sov_3_1, "SOV-3.2": _sov_3_2,
    "SOV-3.3": _sov_3_3, "SOV-4.1": _sov_4_1, "SOV-4.2": _sov_4_2, "SOV-4.3": _sov_4_3, "SOV-5.1": _sov_5_1,
    "SOV-6.1": _sov_6_1,
}


# -- scores ----------------------------------------------------------------------------------

def _objective_scores(framework: Framework, weights: Mapping[str, float], seals: Mapping[str, float | None]) -> tuple[list[dict], float | None]:
    per: dict[str, list[float]] = {o: [] for o in framework.objectives}
    for cid, seal in seals.items():
        if seal is not None:
            per[framework.criteria[cid].objective].append(seal)
    objectives = []
    num = den = 0.0
    for oid, obj in framework.objectives.items():
        values = per[oid]
        score = round(100.0 * sum(values) / (4 * len(values)), 1) if values else None
        objectives.append({"id": oid, "name": obj.name, "weight": round(weights[oid], 4), "score": score})
        if score is not None:
            num += weights[oid] * score
            den += weights[oid]
    return objectives, (round(num / den, 1) if den > 0 else None)


@dataclass
class ComponentSovereignty:
    """The answers of one component, its SEAL (the lowest answer) and its score."""

    component: str
    seal: int | None
    score: float | None
    criteria: list[dict]
    objectives: list[dict]
    node: str | None = None
    #: The component whose evidence paths ``criteria`` holds: components with equal facts
    #: share one set of answers, and paths are moved onto their own node when shown.
    answered_as: str | None = None
    capped_by: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.capped_by = [] if self.seal is None or self.seal >= 4 else [c["id"] for c in self.criteria if c["seal"] == self.seal]

    @cached_property
    def vector(self) -> tuple[tuple[str | None, int | None], ...]:
        """(answer, SEAL) per criterion: components with equal vectors count alike in a system's tally."""
        return tuple((c["answer"], c["seal"]) for c in self.criteria)

    def answers(self) -> list[dict]:
        """The criteria with their evidence paths starting at this component."""
        if self.answered_as is None or self.answered_as == self.node:
            return self.criteria
        return _rebase(self.criteria, self.answered_as, self.node)

    def as_dict(self) -> dict:
        return {"component": self.component, "seal": self.seal, "score": self.score, "capped_by": self.capped_by,
                "criteria": self.answers(), "objectives": self.objectives}


def _catalog_facts(catalog: Catalog, path: Sequence[str], cache: dict) -> list[dict]:
    """:func:`scoring.findings.catalog_facts` of a path, each node looked up once per cache."""
    out = []
    for node in dict.fromkeys(path):
        fact = cache.get(("fact", node))
        if fact is None:
            found = catalog_facts(catalog, [node])
            fact = cache[("fact", node)] = found[0] if found else {}
        if fact:
            out.append(fact)
    return out


def _rebase(criteria: list[dict], first: str, comp: str) -> list[dict]:
    """The answers of ``first`` for ``comp``, whose paths start at ``comp`` instead."""
    out = []
    for c in criteria:
        path = c["evidence"].get("path")
        if path and path[0] == first:
            c = {**c, "evidence": {**c["evidence"], "path": [comp, *path[1:]]}}
        out.append(c)
    return out


def score_component_sovereignty(
    G: nx.DiGraph,
    comp: str,
    framework: Framework,
    *,
    catalog: Catalog | None = None,
    home_bloc: str = "EU",
    weights: str | Mapping[str, float] | None = None,
    overrides: Sequence[Override] = (),
    cache: dict | None = None,
) -> ComponentSovereignty:
    """The answers, SEAL and score of one component.

    Parameters
    ----------
    G : networkx.DiGraph
        A graph made by :func:`analyzer.graph.build_graph`.
    comp : str
        A component node, e.g. ``"component:ecom-db"``.
    framework : Framework
        From :func:`load_framework`.
    catalog : Catalog, optional
        For facts the graph does not carry (operations staff, open standards); the
        criteria that need it keep their default answer without it.
    weights : str or mapping, optional
        A preset name or objective weights (see :meth:`Framework.weights`).
    overrides : sequence of Override
        The organisation's answers with evidence; the most specific match wins.
    cache : dict, optional
        Shared between calls: components with the same service, region, site, operators
        and keys get the same answers.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("component:c", kind="component", key="c", holds_data=True)
    >>> G.add_node("region:p/r", kind="region", key="p/r"); G.add_node("country:US", kind="country", key="US", bloc="adequacy")
    >>> G.add_edge("component:c", "region:p/r", type="stores_data_in")
    >>> G.add_edge("region:p/r", "country:US", type="located_in")
    >>> result = score_component_sovereignty(G, "component:c", load_framework())
    >>> result.seal, result.capped_by
    (0, ['SOV-1.1', 'SOV-5.1'])
    >>> next(c for c in result.criteria if c["id"] == "SOV-3.2")["answer"]
    'adequacy'
    """
    cache = {} if cache is None else cache
    attrs = G.nodes[comp]
    wkey = weights if isinstance(weights, (str, type(None))) else tuple(sorted(weights.items()))
    # A component reached by many systems is answered once.
    done = cache.get(("sovereignty-of", comp, wkey))
    if done is not None:
        return done
    mine = [o for o in overrides if o.matches(attrs)]
    key = None
    if not any(o.scope.component for o in mine):
        key = ("sovereignty", signature(G, comp, cache), wkey)
        hit = cache.get(key)
        if hit is not None:
            result = ComponentSovereignty(attrs["key"], hit.seal, hit.score, hit.criteria, hit.objectives, comp, hit.answered_as)
            cache[("sovereignty-of", comp, wkey)] = result
            return result
    facts = _gather(G, comp, home_bloc, cache)
    criteria = []
    for cid, criterion in framework.criteria.items():
        chosen = max((o for o in mine if o.criterion == cid), key=lambda o: o.specificity(), default=None)
        if chosen is not None:
            answer_key, source, evidence = chosen.answer, "override", chosen.as_evidence()
        else:
            prefill = _PREFILL.get(cid)
            got = prefill(G, facts, home_bloc, catalog) if prefill else None
            if got is None:
                answer_key, source = criterion.default, "default"
                evidence = _ev("no fact in the catalog or inventory answers it; the framework file's default applies")
            else:
                answer_key, evidence = got
                source = "catalog"
        answer = criterion.answer(answer_key)
        criteria.append({"id": cid, "objective": criterion.objective, "seal": answer.seal, "answer": answer_key,
                         "label": answer.label, "source": source, "evidence": evidence})
    _, w = framework.weights(weights)
    seals = [c["seal"] for c in criteria if c["seal"] is not None]
    objectives, score = _objective_scores(framework, w, {c["id"]: c["seal"] for c in criteria})
    result = ComponentSovereignty(attrs["key"], min(seals) if seals else None, score, criteria, objectives, comp, comp)
    if key is not None:
        cache[key] = result
    cache[("sovereignty-of", comp, wkey)] = result
    return result


@dataclass
class SystemSovereignty:
    """SEAL and score of a system, with its criteria and the components it lists.

    ``listed`` holds (component key, its answers, own) per listed component; the rows of
    :attr:`components` are made from it when asked for (a million components would
    otherwise each keep a dict for the whole scan).
    """

    system: str
    name: str
    seal: int | None
    score: float | None
    weights: str
    objectives: list[dict]
    criteria: list[dict]
    listed: list[tuple[str, ComponentSovereignty, bool]]
    seal_name: str | None = None
    components_total: int = 0
    components_capping: int = 0

    @property
    def components(self) -> list[dict]:
        """The listed components: its own, and up to 25 others that hold its SEAL down."""
        return [{"component": key, "seal": a.seal, "score": a.score, "capped_by": a.capped_by, "own": own}
                for key, a, own in self.listed]

    def as_dict(self) -> dict:
        return {"system": self.system, "name": self.name, "seal": self.seal, "seal_name": self.seal_name, "score": self.score,
                "weights": self.weights, "objectives": self.objectives, "criteria": self.criteria, "components": self.components,
                "components_total": self.components_total, "components_capping": self.components_capping}


def score_sovereignty(
    G: nx.DiGraph,
    system: str,
    framework: Framework,
    *,
    catalog: Catalog | None = None,
    home_bloc: str = "EU",
    weights: str | Mapping[str, float] | None = None,
    overrides: Sequence[Override] = (),
    cache: dict | None = None,
) -> SystemSovereignty:
    """SEAL and score of a system: the weakest answer per criterion over everything it rests on.

    Parameters are those of :func:`score_component_sovereignty`. For a whole estate
    :func:`compose_sovereignty` gives the same answers far faster.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("system:s", kind="system", key="s", name="S")
    >>> for c, place, code, bloc in (("a", "site:dc", "NL", "EU"), ("b", "region:p/r", "US", "adequacy")):
    ...     G.add_node(f"component:{c}", kind="component", key=c, system="s")
    ...     G.add_node(place, kind=place.split(":")[0], key=place.split(":")[1])
    ...     G.add_node(f"country:{code}", kind="country", key=code, bloc=bloc)
    ...     G.add_edge(f"component:{c}", "system:s", type="part_of")
    ...     G.add_edge(f"component:{c}", place, type="runs_on"); G.add_edge(place, f"country:{code}", type="located_in")
    >>> result = score_sovereignty(G, "system:s", load_framework())
    >>> result.seal, [(c["component"], c["seal"]) for c in result.components]
    (0, [('b', 0), ('a', 3)])
    >>> next(c for c in result.criteria if c["id"] == "SOV-3.2")["evidence"]["component"]
    'b'
    """
    rollup = Rollup(G, systems=[system], full=True, distinct=override_components(overrides))
    return compose_sovereignty(rollup, framework, catalog=catalog, home_bloc=home_bloc, weights=weights,
                               overrides=overrides, cache=cache)[system]


def override_components(overrides: Iterable[Override]) -> set[str]:
    """The component nodes with an override of their own (they cannot share answers)."""
    return {f"component:{o.scope.component}" for o in overrides if o.scope.component}


@dataclass(slots=True)
class _Composed:
    """What a system's sovereignty takes from everything it rests on.

    ``best[i]``: for criterion ``i``, (SEAL or 5, path length, path, group) of the weakest
    answer, ties to the shortest and then smallest path; None without components.
    ``by_seal``: the components it rests on, by their SEAL (5 for none).
    """

    best: list[tuple[int, int, tuple[str, ...], Group] | None]
    by_seal: dict[int, frozenset[str]]


def compose_sovereignty(
    rollup: Rollup,
    framework: Framework,
    *,
    catalog: Catalog | None = None,
    home_bloc: str = "EU",
    weights: str | Mapping[str, float] | None = None,
    overrides: Sequence[Override] = (),
    cache: dict | None = None,
) -> dict[str, SystemSovereignty]:
    """The :class:`SystemSovereignty` of every system of ``rollup`` (see :mod:`analyzer.closure`).

    Per criterion, the weakest answer over a system's local closure (one representative
    per group of components with equal answers) is joined with the weakest answers of the
    systems it depends on; the components at each SEAL are joined as sets.
    """
    cache = {} if cache is None else cache
    G = rollup.G
    weights_name, w = framework.weights(weights)
    n_criteria = len(framework.criteria)
    wkey = weights if isinstance(weights, (str, type(None))) else tuple(sorted(weights.items()))

    def answers_of(group: Group) -> ComponentSovereignty:
        return group.cached(("sovereignty", wkey), lambda: score_component_sovereignty(
            G, group.rep, framework, catalog=catalog, home_bloc=home_bloc, weights=weights, overrides=overrides, cache=cache))

    def seal_key(seal: int | None) -> int:
        return seal if seal is not None else 5

    seals_of: dict[Group, tuple[int, ...]] = {}

    def seals(group: Group) -> tuple[int, ...]:
        """SEAL (5 for none) per criterion of a group."""
        got = seals_of.get(group)
        if got is None:
            got = seals_of[group] = tuple(seal_key(r["seal"]) for r in answers_of(group).criteria)
        return got

    composed: dict[str, _Composed] = {}
    seal_of: dict[Group, int] = {}
    out: dict[str, SystemSovereignty] = {}
    # A system's component sets are dropped once every system that takes them over is done.
    waiting: dict[str, int] = {}
    for system in rollup.order:
        for dep in rollup.parts(system)[1]:
            waiting[dep] = waiting.get(dep, 0) + 1
    for system in rollup.order:
        _, deps = rollup.parts(system)
        # Groups with the same SEAL for every criterion compete only on their path: keep
        # the best one per SEAL vector, then pick per criterion among those few.
        by_vector: dict[tuple[int, ...], tuple[int, tuple[str, ...], Group]] = {}
        for group, (length, path) in rollup.representatives(system).items():
            vector = seals(group)
            cand = (length, path, group)
            known_v = by_vector.get(vector)
            if known_v is None or cand[:2] < known_v[:2]:
                by_vector[vector] = cand
        best: list[tuple[int, int, tuple[str, ...], Group] | None] = [None] * n_criteria
        for vector, (length, path, group) in by_vector.items():
            for i, seal_value in enumerate(vector):
                known = best[i]
                if known is None or seal_value < known[0] or (seal_value == known[0] and (length, path) < known[1:3]):
                    best[i] = (seal_value, length, path, group)
        levels: dict[int, list[str]] = {}
        for g, comps in rollup.members(system).items():
            level = seal_of.get(g)
            if level is None:
                level = seal_of[g] = seal_key(answers_of(g).seal)
            levels.setdefault(level, []).extend(comps)
        by_seal = {level: frozenset(comps) for level, comps in levels.items()}
        for dep in deps:
            sub = composed[dep]
            for i, known_sub in enumerate(sub.best):
                if known_sub is None:
                    continue
                known = best[i]
                if known is None or known_sub[0] < known[0] or (known_sub[0] == known[0] and known_sub[1] < known[1]):
                    cand = (known_sub[0], known_sub[1] + 1, (system, *known_sub[2]), known_sub[3])
                    if known is None or cand[:3] < known[:3]:
                        best[i] = cand
            for level, comps in sub.by_seal.items():
                by_seal[level] = by_seal[level] | comps if level in by_seal else comps
        composed[system] = _Composed(best, by_seal)
        out[system] = _finish(G, system, framework, weights_name, w, best, by_seal, rollup, answers_of, catalog, cache)
        for dep in deps:
            waiting[dep] -= 1
            if not waiting[dep]:
                composed[dep].by_seal = {}
        if not waiting.get(system):
            composed[system].by_seal = {}
    return out


def _evidence_after(row: dict, answered_as: str | None, catalog: Catalog | None, cache: dict) -> tuple[tuple[str, ...], list | None]:
    """The evidence path of an answer after its component, and the catalog facts on it."""
    tail = row["evidence"].get("path")
    rest = tuple(tail[1:]) if tail and tail[0] == answered_as else ()
    return rest, (_catalog_facts(catalog, rest, cache) if catalog is not None else None)


def _finish(G, system, framework, weights_name, w, best, by_seal, rollup, answers_of, catalog, cache) -> SystemSovereignty:
    attrs = G.nodes[system]
    own_groups = rollup.own_members(system)
    # The score ranks the system's own stack (everything it rests on when it has none).
    # Groups with the same answer to every criterion count together.
    tally: dict[tuple, int] = {}
    if own_groups:
        for g, comps in own_groups.items():
            vector = answers_of(g).vector
            tally[vector] = tally.get(vector, 0) + len(comps)
    else:
        for comp in {c for comps in by_seal.values() for c in comps}:
            vector = answers_of(rollup.group(comp)).vector
            tally[vector] = tally.get(vector, 0) + 1
    criteria = []
    for index, (cid, criterion) in enumerate(framework.criteria.items()):
        winner = best[index]
        if winner is None:
            criteria.append({"id": cid, "objective": criterion.objective, "seal": None, "answer": None,
                             "label": "not assessed: the system rests on no component", "source": "default",
                             "mean_seal": None, "answers": {}, "evidence": _ev("the system rests on no component")})
            continue
        _, _, comp_path, group = winner
        answered = answers_of(group)
        row = answered.criteria[index]
        # The evidence after the component, and the catalog facts on it, are the group's:
        # worked out once, whichever system the component is reached from.
        rest, facts = group.cached(("sovereignty-evidence", index),
                                   lambda: _evidence_after(row, answered.answered_as, catalog, cache))
        answers: dict[str, int] = {}
        seal_sum = seal_n = 0
        for vector, n in tally.items():
            answer, seal_value = vector[index]
            answers[answer] = answers.get(answer, 0) + n
            if seal_value is not None:
                seal_sum += seal_value * n
                seal_n += n
        evidence = {**row["evidence"], "component": comp_path[-1].split(":", 1)[1], "path": [*comp_path, *rest]}
        if facts is not None:
            evidence["catalog"] = facts
        mean = round(seal_sum / seal_n, 3) if seal_n else None
        criteria.append({k: row[k] for k in ("id", "objective", "seal", "answer", "label", "source")}
                        | {"mean_seal": mean, "answers": dict(sorted(answers.items(), key=lambda kv: (-kv[1], kv[0]))), "evidence": evidence})
    seals = [c["seal"] for c in criteria if c["seal"] is not None]
    objectives, score = _objective_scores(framework, w, {c["id"]: c["mean_seal"] for c in criteria})
    seal = min(seals) if seals else None
    # Its own components, and the others that bring its SEAL down (a shared platform would
    # otherwise repeat its whole estate under every system that rests on it). Listed by
    # SEAL, its own first, then by component.
    own_count = sum(len(comps) for comps in own_groups.values())
    extra: list[str] = []
    capping = 0
    if seal is not None and seal in by_seal:
        others = by_seal[seal] if not own_groups else by_seal[seal].difference(*own_groups.values())
        capping = len(others)
        extra = heapq.nsmallest(_MAX_DEPENDENCY_COMPONENTS, others)
    by_level: dict[int, list[tuple[str, ComponentSovereignty]]] = {}
    for g, comps in own_groups.items():
        answered = answers_of(g)
        by_level.setdefault(answered.seal if answered.seal is not None else 5, []).extend((c, answered) for c in comps)
    rows: list[tuple[str, ComponentSovereignty, bool]] = []
    for level in sorted(set(by_level) | ({seal} if extra else set())):
        rows.extend((comp.split(":", 1)[1], a, True) for comp, a in sorted(by_level.get(level, ())))
        if level == seal:
            rows.extend((comp.split(":", 1)[1], answers_of(rollup.group(comp)), False) for comp in extra)
    return SystemSovereignty(
        system=attrs["key"], name=attrs.get("name", attrs["key"]), seal=seal, score=score, weights=weights_name,
        objectives=objectives, criteria=criteria, listed=rows,
        seal_name=framework.seal_levels[seal].name if seal is not None else None,
        components_total=sum(len(v) for v in by_seal.values()), components_capping=capping,
    )
