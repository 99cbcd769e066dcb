"""What-if scenarios over the dependency graph: which systems are hit, RTO breaches, data exposed.

==================  ===================  ==============================================================
kind                target               what is hit
==================  ===================  ==============================================================
provider-loss       ``aws``              every component on the provider's services or regions (and on
                                         sites its contracting entity runs); outage until rebuilt
region-loss         ``aws:eu-west-1``,   every component in that region (or on that site); outage
                    ``site:dc1``         ``hours`` long, 14.5 by default (AWS us-east-1, 19-20 Oct 2025)
sanctions           ``US``               every component the country's suspension law reaches through an
                                         availability channel (legal entity, control plane, location,
                                         technology licensor, model developer, operator); until lifted
compelled-access    ``US``               every component the country's compelled-access law (content,
                                         assistance or metadata) reaches through a confidentiality
                                         channel; no outage; a system whose reached components are all
                                         data stores with customer-held keys is listed as protected
change-of-control   ``stackit --to US``  the provider's contracting entity (or the named legal entity)
                                         gets a parent in the ``to`` country: every component that
                                         country newly reaches, and by which channel
==================  ===================  ==============================================================

A system is hit when anything it rests on is hit: its own components, the components
they depend on, the systems it depends on (dependencies are all needed). Each system hit
comes with the shortest path from the system to what hits it, its RTO, the outage and
whether the outage breaches the RTO, and its data classes (classification, and
``personal`` when it holds personal data).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx

from analyzer.graph import _add_country, build_graph
from analyzer.jurisdiction import CHANNELS, component_reach, laws_for, system_components
from inventory.catalog import Catalog
from sovmap.errors import InputError

__all__ = ["DATA_CLASS_ORDER", "REGION_OUTAGE_HOURS", "SCENARIOS", "ScenarioResult", "load_graph", "run_scenario",
           "snapshot_catalog"]

#: The duration of the AWS us-east-1 outage of 19-20 October 2025, the default length of a region loss.
REGION_OUTAGE_HOURS = 14.5

SCENARIOS: list[dict] = [
    {"kind": "provider-loss", "target": "PROVIDER", "example": "aws", "impact": "availability",
     "summary": "the provider is gone (insolvency, withdrawal, termination): everything on it stops until rebuilt elsewhere"},
    {"kind": "region-loss", "target": "PROVIDER:REGION or site:SITE", "example": "aws:eu-west-1", "impact": "availability",
     "summary": f"a region or site is down for --hours (default {REGION_OUTAGE_HOURS}, the AWS us-east-1 outage of October 2025)"},
    {"kind": "sanctions", "target": "COUNTRY", "example": "US", "impact": "availability",
     "summary": "the country's sanctions: every service its suspension law reaches is suspended until lifted"},
    {"kind": "compelled-access", "target": "COUNTRY", "example": "US", "impact": "confidentiality",
     "summary": "the country compels access: every component its compelled-access law reaches is disclosed"},
    {"kind": "change-of-control", "target": "PROVIDER or LEGAL-ENTITY --to COUNTRY", "example": "stackit --to US",
     "impact": "control", "summary": "a company in COUNTRY buys the provider's contracting entity (or the legal entity)"},
]
_KINDS = {s["kind"]: s for s in SCENARIOS}

DATA_CLASS_ORDER = ("secret", "confidential", "internal", "public", "personal")
_LOCATION_EDGES = frozenset({"runs_on", "stores_data_in"})
_CONF = frozenset(v for v, c in CHANNELS.items() if "confidentiality" in c)
_AVAIL = frozenset(v for v, c in CHANNELS.items() if "availability" in c)


@dataclass
class ScenarioResult:
    scenario: str
    target: str
    impact: str
    assumption: str
    systems_hit: list[dict] = field(default_factory=list)
    components_hit: list[str] = field(default_factory=list)
    systems_protected: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    to: str | None = None
    outage_hours: float | None = None

    @property
    def rto_breaches(self) -> int:
        return sum(1 for s in self.systems_hit if s["rto_breach"])

    @property
    def exposed_data_classes(self) -> list[str]:
        found = {c for s in self.systems_hit for c in s["data_classes"]}
        return [c for c in DATA_CLASS_ORDER if c in found] + sorted(found - set(DATA_CLASS_ORDER))

    def as_dict(self) -> dict:
        return {
            "scenario": self.scenario, "target": self.target, "to": self.to, "impact": self.impact,
            "assumption": self.assumption, "outage_hours": self.outage_hours,
            "systems_hit": self.systems_hit, "rto_breaches": self.rto_breaches,
            "exposed_data_classes": self.exposed_data_classes,
            "components_hit": len(self.components_hit), "components": self.components_hit,
            "systems_protected": self.systems_protected, "notes": self.notes,
        }


def _data_classes(attrs: Mapping) -> list[str]:
    out = [attrs.get("classification") or "internal"]
    if attrs.get("personal_data"):
        out.append("personal")
    return out


def _system_closure(G: nx.DiGraph, system: str) -> dict[str, tuple[str, ...]]:
    """The system and every system it depends on, with the path to each."""
    found = {system: (system,)}
    queue = deque([system])
    while queue:
        node = queue.popleft()
        for _, target, d in G.out_edges(node, data=True):
            if d["type"] == "depends_on" and target.startswith("system:") and target not in found:
                found[target] = (*found[node], target)
                queue.append(target)
    return found


def _systems_hit(
    G: nx.DiGraph, hits: Mapping[str, tuple[str, ...]], *, outage: float | None, availability: bool,
    rto: str, deps: Mapping[str, Mapping[str, tuple[str, ...]]] | None,
) -> list[dict]:
    out = []
    for system, attrs in G.nodes(data=True):
        if attrs.get("kind") != "system":
            continue
        comps = deps[system] if deps is not None else system_components(G, system)
        candidates = [(*comps[c], *hits[c][1:]) for c in comps if c in hits]
        candidates += [(*p, *hits[t][1:]) for t, p in _system_closure(G, system).items() if t in hits]
        if not candidates:
            continue
        path = min(candidates, key=lambda p: (len(p), p))
        rto_hours = attrs.get(rto)
        if not availability:
            breach = False
        elif outage is None:
            breach = rto_hours is not None  # an outage without end breaches any stated RTO
        else:
            breach = rto_hours is not None and outage > rto_hours
        out.append({"system": attrs["key"], "name": attrs.get("name", attrs["key"]), "criticality": attrs.get("criticality"),
                    "rto_hours": rto_hours, "outage_hours": outage if availability else 0.0, "rto_breach": breach,
                    "data_classes": _data_classes(attrs), "path": list(path)})
    rank = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    return sorted(out, key=lambda s: (not s["rto_breach"], rank.get(s["criticality"], 4), s["system"]))


def _units(G: nx.DiGraph) -> Iterable[str]:
    """Components, and systems that operators reach as a whole."""
    for node, attrs in G.nodes(data=True):
        kind = attrs.get("kind")
        if kind == "component":
            yield node
        elif kind == "system" and any(d["type"] == "operates" for _, _, d in G.in_edges(node, data=True)):
            yield node


def _country(G: nx.DiGraph, catalog: Catalog | None, code: str, field_name: str = "target") -> str:
    code = code.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise InputError(f"'{code}' is not a country code (two letters, e.g. US)", field=field_name)
    if f"country:{code}" not in G and (catalog is None or catalog.country(code) is None):
        raise InputError(f"unknown country '{code}'", field=field_name)
    return code


def _law_kinds(G: nx.DiGraph, code: str, via: str) -> tuple[list[str], set[str]]:
    laws = laws_for(G, code, [via])
    kinds: set[str] = set()
    for law in laws:
        kinds |= set(G.nodes[f"law:{law}"].get("reach", ()))
    return laws, kinds


def _location_hits(G: nx.DiGraph, places: set[str]) -> dict[str, tuple[str, ...]]:
    hits = {}
    for comp, attrs in G.nodes(data=True):
        if attrs.get("kind") != "component":
            continue
        for _, target, d in G.out_edges(comp, data=True):
            if d["type"] in _LOCATION_EDGES and target in places:
                hits[comp] = (comp, target)
                break
    return hits


def _provider_loss(G: nx.DiGraph, target: str, catalog: Catalog | None) -> tuple[dict, list[str]]:
    node = f"provider:{target}"
    if node not in G:
        if catalog is not None and catalog.provider(target) is not None:
            return {}, [f"nothing in the inventory runs on {target}"]
        known = sorted(G.nodes[n]["key"] for n, d in G.nodes(data=True) if d.get("kind") == "provider")
        raise InputError(f"unknown provider '{target}' (in this inventory: {', '.join(known) or 'none'})", field="target")
    hits: dict[str, tuple[str, ...]] = {}
    services = {s for s, _, d in G.in_edges(node, data=True) if d["type"] == "provided_by"}
    regions = {n for n, d in G.nodes(data=True) if d.get("kind") == "region" and n.startswith(f"region:{target}/")}
    entity = next((t for _, t, d in G.out_edges(node, data=True) if d["type"] == "contracts_via"), None)
    sites = {s for s, _, d in G.in_edges(entity, data=True) if d["type"] == "operated_by" and s.startswith("site:")} if entity else set()
    for comp, attrs in G.nodes(data=True):
        if attrs.get("kind") != "component":
            continue
        for _, t, d in G.out_edges(comp, data=True):
            if d["type"] not in _LOCATION_EDGES:
                continue
            if t in services:
                hits[comp] = (comp, t, node)
            elif t == node or t in regions or t in sites:
                hits.setdefault(comp, (comp, t))
    return hits, []


def _region_loss(G: nx.DiGraph, target: str, catalog: Catalog | None) -> tuple[dict, list[str]]:
    provider, sep, code = target.replace("/", ":", 1).partition(":")
    if not sep or not provider or not code:
        raise InputError(f"'{target}' is not PROVIDER:REGION or site:SITE", field="target")
    node = f"site:{code}" if provider == "site" else f"region:{provider}/{code}"
    if node not in G:
        if provider != "site" and catalog is not None and catalog.region(provider, code) is not None:
            return {}, [f"nothing in the inventory runs in {provider}:{code}"]
        raise InputError(f"unknown {'site' if provider == 'site' else 'region'} '{target}'", field="target")
    return _location_hits(G, {node}), []


def _reach_hits(G: nx.DiGraph, code: str, keep) -> dict[str, tuple[str, ...]]:
    hits: dict[str, tuple[str, ...]] = {}
    cache: dict = {}
    for unit in _units(G):
        best = None
        for r in component_reach(G, unit, cache):
            if r.code == code and keep(r.via) and (best is None or len(r.path) < len(best)):
                best = r.path
        if best is not None:
            hits[unit] = best
    return hits


def _change_of_control(G: nx.DiGraph, target: str, to: str, catalog: Catalog | None) -> tuple[dict, list[str]]:
    if f"provider:{target}" in G:
        entity = next((t for _, t, d in G.out_edges(f"provider:{target}", data=True) if d["type"] == "contracts_via"), None)
    elif f"entity:{target}" in G:
        entity = f"entity:{target}"
    elif catalog is not None and (catalog.provider(target) is not None or target in catalog.entities):
        return {}, [f"nothing in the inventory rests on {target}"]
    else:
        raise InputError(f"unknown provider or legal entity '{target}'", field="target")
    if entity is None:
        raise InputError(f"the contracting entity of '{target}' is not in the catalog", field="target")
    H = G.copy()
    country = f"country:{to}"
    if country not in H:
        if catalog is None or _add_country(H, catalog, to) is None:
            raise InputError(f"country '{to}' is not in the graph: pass the catalog", field="to")
    acquirer = f"entity:acquirer-{to.lower()}"
    H.add_node(acquirer, kind="entity", key=f"acquirer-{to.lower()}", name=f"an acquirer in {to}", country=to)
    H.add_edge(acquirer, country, type="headquartered_in")
    for _, parent, d in list(H.out_edges(entity, data=True)):
        if d["type"] == "controlled_by":
            H.remove_edge(entity, parent)
    H.add_edge(entity, acquirer, type="controlled_by")
    before: dict[str, set[str]] = {}
    cache_g: dict = {}
    for unit in _units(G):
        before[unit] = {r.via for r in component_reach(G, unit, cache_g) if r.code == to}
    hits: dict[str, tuple[str, ...]] = {}
    cache_h: dict = {}
    for unit in _units(H):
        gained = [r for r in component_reach(H, unit, cache_h) if r.code == to and r.via not in before.get(unit, set())]
        if gained:
            hits[unit] = min((r.path for r in gained), key=len)
    notes = []
    chain = [entity]
    while (parent := next((t for _, t, d in G.out_edges(chain[-1], data=True) if d["type"] == "controlled_by"), None)) and parent not in chain:
        chain.append(parent)
    if any(G.nodes[e].get("country") == to for e in chain):
        notes.append(f"{target} is already controlled from {to}: only new channels count")
    if not hits:
        notes.append(f"no component gains a path to {to}")
    return hits, notes


def run_scenario(
    G: nx.DiGraph,
    kind: str,
    target: str,
    *,
    to: str | None = None,
    catalog: Catalog | None = None,
    hours: float | None = None,
    rto: str = "rto_hours",
    deps: Mapping[str, Mapping[str, tuple[str, ...]]] | None = None,
) -> ScenarioResult:
    """Run one scenario over the graph.

    Parameters
    ----------
    G : networkx.DiGraph
        A graph made by :func:`analyzer.graph.build_graph` (or :func:`load_graph`).
    kind : str
        One of :data:`SCENARIOS`: provider-loss, region-loss, sanctions,
        compelled-access, change-of-control.
    target : str
        ``aws``; ``aws:eu-west-1`` or ``site:dc1``; a country code; a provider or legal entity.
    to : str, optional
        The acquirer's country, for change-of-control.
    catalog : Catalog, optional
        Used to tell a known target that nothing rests on from a typo, and to add the
        acquirer's country and laws when the graph lacks them.
    hours : float, optional
        Length of the outage for the availability scenarios (region-loss defaults to
        :data:`REGION_OUTAGE_HOURS`; the others last until resolved).
    rto : str
        The system node attribute that holds the recovery time objective in hours.
    deps : mapping, optional
        Precomputed :func:`analyzer.jurisdiction.system_components` per system node.

    Raises
    ------
    sovmap.errors.InputError
        For an unknown kind or a target that is neither in the graph nor in the catalog.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("system:s", kind="system", key="s", name="S", criticality="critical", rto_hours=4,
    ...            classification="confidential", personal_data=True)
    >>> G.add_node("component:c", kind="component", key="c"); G.add_node("region:p/r1", kind="region", key="p/r1")
    >>> G.add_edge("component:c", "system:s", type="part_of"); G.add_edge("component:c", "region:p/r1", type="runs_on")
    >>> r = run_scenario(G, "region-loss", "p:r1").as_dict()
    >>> [(s["system"], s["outage_hours"], s["rto_breach"], s["path"]) for s in r["systems_hit"]]
    [('s', 14.5, True, ['system:s', 'component:c', 'region:p/r1'])]
    >>> r["rto_breaches"], r["exposed_data_classes"]
    (1, ['confidential', 'personal'])
    """
    if kind not in _KINDS:
        raise InputError(f"unknown scenario '{kind}' (known: {', '.join(_KINDS)})", field="scenario")
    target = target.strip()
    if not target:
        raise InputError("the target is empty", field="target")
    impact = _KINDS[kind]["impact"]
    notes: list[str] = []
    outage: float | None = hours
    if kind == "provider-loss":
        hits, notes = _provider_loss(G, target, catalog)
        assumption = f"{target} is gone; " + (f"outage {hours:g} hours" if hours is not None else "outage until the systems are rebuilt elsewhere")
    elif kind == "region-loss":
        hits, notes = _region_loss(G, target, catalog)
        outage = REGION_OUTAGE_HOURS if hours is None else hours
        assumption = f"{target} down for {outage:g} hours" + (" (the AWS us-east-1 outage of 19-20 October 2025)" if hours is None else "")
    elif kind == "sanctions":
        target = _country(G, catalog, target)

        def suspends(via: str) -> bool:
            return via in _AVAIL and "suspension" in _law_kinds(G, target, via)[1]

        hits = _reach_hits(G, target, suspends)
        if not any("suspension" in _law_kinds(G, target, v)[1] for v in _AVAIL):
            notes.append(f"no suspension law of {target} is catalogued")
        assumption = f"{target} sanctions: every service its suspension law reaches is suspended; " + (
            f"for {hours:g} hours" if hours is not None else "until lifted")
    elif kind == "compelled-access":
        target = _country(G, catalog, target)
        outage = None

        def compels(via: str) -> bool:
            return via in _CONF and bool(_law_kinds(G, target, via)[1] & {"content", "assistance", "metadata"})

        hits = _reach_hits(G, target, compels)
        assumption = f"{target} compels disclosure from everyone its law reaches; customer-held keys protect data at rest only"
    else:
        if not to:
            raise InputError("change-of-control needs --to COUNTRY", field="to")
        to = _country(G, catalog, to, "to")
        outage = None
        hits, notes = _change_of_control(G, target, to, catalog)
        assumption = f"a company in {to} acquires {target}"
    protected: list[dict] = []
    if kind == "compelled-access":
        hits, protected = _split_protected(G, hits, deps)
    systems = _systems_hit(G, hits, outage=outage, availability=impact == "availability", rto=rto, deps=deps)
    return ScenarioResult(
        scenario=kind, target=target, impact=impact, assumption=assumption, systems_hit=systems,
        components_hit=sorted(G.nodes[c]["key"] for c in hits if c.startswith("component:")),
        systems_protected=protected, notes=notes, to=to, outage_hours=outage if impact == "availability" else None,
    )


def _protected(G: nx.DiGraph, node: str) -> bool:
    attrs = G.nodes[node]
    return node.startswith("component:") and bool(attrs.get("holds_data")) and attrs.get("key_custody") == "customer-held"


def _split_protected(G: nx.DiGraph, hits: dict, deps) -> tuple[dict, list[dict]]:
    """Drop the hits of systems whose every hit is a data store with customer-held keys."""
    protected = []
    unprotected = {u: p for u, p in hits.items() if not _protected(G, u)}
    for system, attrs in G.nodes(data=True):
        if attrs.get("kind") != "system":
            continue
        comps = deps[system] if deps is not None else system_components(G, system)
        mine = [c for c in comps if c in hits] + [t for t in _system_closure(G, system) if t in hits]
        if mine and not any(u in unprotected for u in mine):
            protected.append({"system": attrs["key"], "name": attrs.get("name", attrs["key"]),
                              "components": sorted(G.nodes[c]["key"] for c in mine)})
    return unprotected, sorted(protected, key=lambda p: p["system"])


def snapshot_catalog(store, snapshot_id: int | None = None) -> Catalog:
    """The catalog a stored snapshot was scored with (see :mod:`analyzer.snapshot`)."""
    from analyzer.snapshot import snapshot_catalog as _catalog

    return _catalog(store, snapshot_id)[0]


def load_graph(store, snapshot_id: int | None = None, catalog: Catalog | None = None) -> nx.DiGraph:
    """The graph of a stored snapshot (the latest when ``snapshot_id`` is None)."""
    from analyzer.snapshot import load_snapshot_graph

    if catalog is None:
        return load_snapshot_graph(store, snapshot_id).graph
    return build_graph(store.load_inventory(store.snapshot(snapshot_id)["id"]), catalog)
