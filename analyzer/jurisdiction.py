"""Which jurisdictions reach a component or a system, and by which path.

A jurisdiction reaches a component through (the ``via`` of a :class:`Reach`):

- ``location``: the country of its region or site (every law of that country applies);
- ``legal-entity``: the contracting legal entity and every parent up to the ultimate
  parent (a US parent reaches data in any region);
- ``subsidiary``: a subsidiary of the provider outside the contracting chain (a
  production order served on a provider's Canadian subsidiary);
- ``control-plane``: the home of a global service's control plane (IAM, DNS, identity);
- ``operator``: the country and the legal entity chain of anyone who operates it;
- ``provider-operations``: a country where the provider's own operations and support
  staff sit (``Provider.operations.countries`` in the catalog), with no customer approval
  gate on their access: confidentiality and availability, as for a declared operator;
- ``provider-operations-gated``: the same where the provider has a customer approval gate
  (Customer Lockbox, Access Approval): staff there reach content only with the customer's
  approval, so the channel carries availability only (they can still disrupt the service);
  the gate is the provider node's ``approval_gate``;
- ``technology-licensor``: the licensor of the technology a provider runs (updates and
  licences can be withdrawn: an availability channel only);
- ``model-provenance``: the developer of a trained model the component uses (its
  licence, updates and export controls: an availability channel only).

Through every channel but ``location`` only extraterritorial laws bind (a law that reaches
only data on its territory does not follow a parent company abroad).

A system is reached by everything that reaches its components, the components they
depend on, and the systems it depends on, transitively. Each answer keeps the shortest
path that brings it in (among equally short ones the smallest sequence of node ids), as
graph node ids, so that it can be shown and checked. For a whole estate the answers are
composed along the system dependencies (:func:`compose_reach`, see
:mod:`analyzer.closure`) instead of walking every system's closure.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

import networkx as nx

from analyzer.closure import Group, Rollup, canonical_paths

__all__ = [
    "CHANNELS",
    "Jurisdiction",
    "Reach",
    "ReachSummary",
    "component_reach",
    "compose_reach",
    "laws_for",
    "system_components",
    "system_reach",
]

#: Which exposure each channel carries: confidentiality (compelled access) and/or
#: availability (suspension, sanctions, withdrawn updates).
CHANNELS: dict[str, frozenset[str]] = {
    "location": frozenset({"confidentiality", "availability"}),
    "legal-entity": frozenset({"confidentiality", "availability"}),
    "subsidiary": frozenset({"confidentiality"}),
    "control-plane": frozenset({"confidentiality", "availability"}),
    "operator": frozenset({"confidentiality", "availability"}),
    "provider-operations": frozenset({"confidentiality", "availability"}),
    "provider-operations-gated": frozenset({"availability"}),
    "technology-licensor": frozenset({"availability"}),
    "model-provenance": frozenset({"availability"}),
}

_LOCATION_EDGES = frozenset({"runs_on", "stores_data_in"})


@dataclass(frozen=True, slots=True)
class Reach:
    """One way a jurisdiction (``code``) reaches a component."""

    code: str
    via: str
    path: tuple[str, ...]
    component: str


@dataclass
class Jurisdiction:
    """A jurisdiction that reaches a system: through which channels, by which paths.

    ``held``: everything it reaches is a data store whose keys the customer holds (an
    operator of the whole system, or any compute component, sees data in clear);
    ``data``: a component stores data in this country; ``access``: the access levels of
    every operator through which it reaches (not only the one on the shortest path).
    """

    code: str
    paths: dict[str, tuple[str, ...]] = field(default_factory=dict)  # via -> shortest path
    held: bool = False
    data: bool = False
    access: frozenset[str] = frozenset()

    @property
    def via(self) -> list[str]:
        return sorted(self.paths)

    def channels(self) -> frozenset[str]:
        out: set[str] = set()
        for via in self.paths:
            out |= CHANNELS[via]
        return frozenset(out)


def _country_of(G: nx.DiGraph, node: str, edge_types: frozenset[str]) -> Iterator[str]:
    for _, target, data in G.out_edges(node, data=True):
        if data["type"] in edge_types:
            yield target


def _entity_chain(G: nx.DiGraph, entity: str) -> Iterator[tuple[tuple[str, ...], str]]:
    """Yield (path from the entity, country node) for the entity and every parent."""
    path: tuple[str, ...] = ()
    seen: set[str] = set()
    node: str | None = entity
    while node is not None and node not in seen:
        seen.add(node)
        path = (*path, node)
        for country in _country_of(G, node, frozenset({"headquartered_in"})):
            yield path, country
        node = next((t for _, t, d in G.out_edges(node, data=True) if d["type"] == "controlled_by"), None)


def _static_reach(G: nx.DiGraph, comp: str) -> list[tuple[str, tuple[str, ...]]]:
    """(via, path from comp) for what the component's service, region and site bring in."""
    out: list[tuple[str, tuple[str, ...]]] = []
    region_entity = False
    service = provider = None
    for _, target, data in G.out_edges(comp, data=True):
        if data["type"] not in _LOCATION_EDGES:
            continue
        kind = G.nodes[target]["kind"]
        if kind in ("region", "site"):
            for country in _country_of(G, target, frozenset({"located_in", "also_located_in"})):
                out.append(("location", (comp, target, country)))
            for entity in _country_of(G, target, frozenset({"operated_by"})):
                region_entity = True
                for path, country in _entity_chain(G, entity):
                    out.append(("legal-entity", (comp, target, *path, country)))
        elif kind == "service":
            service = target
            provider = next(_country_of(G, target, frozenset({"provided_by"})), None)
            for country in _country_of(G, target, frozenset({"controlled_from"})):
                out.append(("control-plane", (comp, target, country)))
        elif kind == "provider":
            provider = target
    if provider is not None:
        head = (comp, service) if service else (comp,)
        if not region_entity:
            # An operating entity of the region (a sovereign-cloud GmbH) replaces the
            # provider's default contracting entity for this component.
            start = (service, "offered_by") if service else (provider, "contracts_via")
            for entity in _country_of(G, start[0], frozenset({start[1]})):
                for path, country in _entity_chain(G, entity):
                    out.append(("legal-entity", (*head, *path, country)))
        for edge_type, via in (("has_subsidiary", "subsidiary"), ("licensed_from", "technology-licensor")):
            for entity in _country_of(G, provider, frozenset({edge_type})):
                for path, country in _entity_chain(G, entity):
                    out.append((via, (*head, provider, *path, country)))
        for _, country, data in G.out_edges(provider, data=True):
            if data["type"] == "operations_in":
                # A customer approval gate keeps staff from content, not from the service itself.
                via = "provider-operations-gated" if data.get("approval_gate") else "provider-operations"
                out.append((via, (*head, provider, country)))
    return out


def component_reach(G: nx.DiGraph, comp: str, cache: dict | None = None) -> list[Reach]:
    """Every jurisdiction that reaches one component, with the path that brings it in.

    Parameters
    ----------
    G : networkx.DiGraph
        A graph made by :func:`analyzer.graph.build_graph`.
    comp : str
        A component node, e.g. ``"component:ecom-db"``.
    cache : dict, optional
        Shared between calls to reuse the answer for components on the same service,
        region and site (the common case in large estates).

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("component:c", kind="component"); G.add_node("region:p/r", kind="region")
    >>> G.add_node("country:DE", kind="country")
    >>> G.add_edge("component:c", "region:p/r", type="stores_data_in")
    >>> G.add_edge("region:p/r", "country:DE", type="located_in")
    >>> [(r.code, r.via) for r in component_reach(G, "component:c")]
    [('DE', 'location')]
    """
    key = None
    if cache is not None:
        # A component sits in the closure of many systems: answer it once per scan.
        done = cache.get(("component", comp))
        if done is not None:
            return done
        key = tuple(sorted((t, d["type"]) for _, t, d in G.out_edges(comp, data=True) if d["type"] in _LOCATION_EDGES))
        static = cache.get(key)
        if static is None:
            static = [(via, path[1:]) for via, path in _static_reach(G, comp)]
            cache[key] = static
        reaches = [Reach(path[-1].split(":", 1)[1], via, (comp, *path), comp) for via, path in static]
    else:
        reaches = [Reach(path[-1].split(":", 1)[1], via, path, comp) for via, path in _static_reach(G, comp)]
    for _, model, data in G.out_edges(comp, data=True):
        if data["type"] == "uses_model":
            for entity in _country_of(G, model, frozenset({"developed_by"})):
                for path, country in _entity_chain(G, entity):
                    reaches.append(Reach(country.split(":", 1)[1], "model-provenance", (comp, model, *path, country), comp))
    for operator, _, data in G.in_edges(comp, data=True):
        if data["type"] == "operates":
            reaches.extend(_operator_reach(G, operator, (comp,), comp, cache))
    if cache is not None:
        cache[("component", comp)] = reaches
    return reaches


def _operator_reach(
    G: nx.DiGraph, operator: str, head: tuple[str, ...], comp: str, cache: dict | None = None
) -> Iterator[Reach]:
    # An operator of thousands of components reaches the same countries for each of them.
    static = cache.get(("operator", operator)) if cache is not None else None
    if static is None:
        static = list(_operator_static(G, operator))
        if cache is not None:
            cache[("operator", operator)] = static
    for code, tail in static:
        yield Reach(code, "operator", (*head, operator, *tail), comp)


def _operator_static(G: nx.DiGraph, operator: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    for _, target, data in G.out_edges(operator, data=True):
        if data["type"] == "located_in":
            yield target.split(":", 1)[1], (target,)
        elif data["type"] == "employed_by":
            for path, country in _entity_chain(G, target):
                yield country.split(":", 1)[1], (*path, country)


def system_components(G: nx.DiGraph, system: str) -> dict[str, tuple[str, ...]]:
    """Every component a system rests on, directly or transitively, with the path to it.

    >>> G = nx.DiGraph()
    >>> G.add_edge("component:a", "system:s", type="part_of")
    >>> G.add_edge("component:a", "component:b", type="depends_on")
    >>> system_components(G, "system:s")
    {'component:a': ('system:s', 'component:a'), 'component:b': ('system:s', 'component:a', 'component:b')}
    """
    return canonical_paths(G, system)


@dataclass(slots=True)
class ReachSummary:
    """What reaches everything one system rests on (not counting operators of the system itself).

    ``paths``: code -> via -> canonical path from the system; ``held``: code -> whether
    everything it reaches holds data under customer-held keys; ``data``: the codes of
    countries where data is stored; ``access``: code -> access levels of the operators
    through which it reaches.
    """

    paths: dict[str, dict[str, tuple[str, ...]]]
    held: dict[str, bool]
    data: set[str]
    access: dict[str, frozenset[str]] = field(default_factory=dict)


def _better(candidate: tuple[str, ...], known: tuple[str, ...] | None) -> bool:
    return known is None or len(candidate) < len(known) or (len(candidate) == len(known) and candidate < known)


def _operator_access(G: nx.DiGraph, path: tuple[str, ...]) -> frozenset[str]:
    """The access level of the operator on a path (none when it declares none)."""
    level = next((G.nodes[n].get("access") for n in path if n.startswith("operator:")), None)
    return frozenset({level}) if level else frozenset()


def _group_reach(
    G: nx.DiGraph, group: Group, cache: dict,
) -> tuple[list[tuple[str, str, tuple[str, ...]]], frozenset[str], dict[str, frozenset[str]]]:
    """For one member of a group: (code, via, path after the component), the countries it
    stores data in, and per code the access levels of the operators that reach it."""
    return group.cached("reach", lambda: _reach_of(G, group, cache))


def _reach_of(
    G: nx.DiGraph, group: Group, cache: dict,
) -> tuple[list[tuple[str, str, tuple[str, ...]]], frozenset[str], dict[str, frozenset[str]]]:
    rep = group.rep
    # One tail per (code, via): the shortest, then smallest, is the one any head keeps.
    best: dict[tuple[str, str], tuple[str, ...]] = {}
    for r in component_reach(G, rep, cache):
        tail = r.path[1:]
        if _better(tail, best.get((r.code, r.via))):
            best[(r.code, r.via)] = tail
    tails = [(code, via, tail) for (code, via), tail in best.items()]
    data: set[str] = set()
    if group.holds_data:
        for place, d in G._succ[rep].items():  # noqa: SLF001 - plain adjacency, see analyzer.closure
            if d["type"] == "stores_data_in":
                data.update(c.split(":", 1)[1] for c in G._succ[place] if c.startswith("country:"))  # noqa: SLF001
    access: dict[str, set[str]] = {}
    for code, via, tail in tails:
        if via == "operator":
            access.setdefault(code, set()).update(_operator_access(G, tail))
    return tails, frozenset(data), {c: frozenset(a) for c, a in access.items()}


def compose_reach(rollup: Rollup, cache: dict | None = None) -> dict[str, ReachSummary]:
    """The :class:`ReachSummary` of every system of ``rollup``, dependencies first.

    A system's summary is what reaches the representatives of its local closure (see
    :meth:`analyzer.closure.Rollup.representatives`), joined with the summaries of the
    systems it depends on, their paths prefixed with the system.
    """
    cache = {} if cache is None else cache
    G = rollup.G
    out: dict[str, ReachSummary] = {}
    for system in rollup.order:
        _, deps = rollup.parts(system)
        paths: dict[str, dict[str, tuple[str, ...]]] = {}
        held: dict[str, bool] = {}
        data: set[str] = set()
        access: dict[str, frozenset[str]] = {}
        for group, (_, head) in rollup.representatives(system).items():
            tails, codes, group_access = _group_reach(G, group, cache)
            for code, levels in group_access.items():
                access[code] = access.get(code, frozenset()) | levels
            customer = group.customer_keys
            n_head = len(head)
            for code, via, tail in tails:
                vias = paths.get(code)
                if vias is None:
                    vias = paths[code] = {}
                known = vias.get(via)
                if known is None or n_head + len(tail) <= len(known):
                    candidate = head + tail
                    if _better(candidate, known):
                        vias[via] = candidate
                held[code] = held.get(code, True) and customer
            data |= codes
        for dep in deps:
            sub = out[dep]
            for code, sub_vias in sub.paths.items():
                vias = paths.get(code)
                if vias is None:
                    vias = paths[code] = {}
                for via, path in sub_vias.items():
                    known = vias.get(via)
                    if known is None or len(path) < len(known):
                        candidate = (system, *path)
                        if _better(candidate, known):
                            vias[via] = candidate
                held[code] = held.get(code, True) and sub.held[code]
            data |= sub.data
            for code, levels in sub.access.items():
                access[code] = access.get(code, frozenset()) | levels
        out[system] = ReachSummary(paths, held, data, access)
    return out


def system_reach(
    G: nx.DiGraph, system: str, cache: dict | None = None, summary: ReachSummary | None = None
) -> dict[str, Jurisdiction]:
    """The jurisdictions that reach a system, transitively through its dependencies.

    Returns a mapping from ISO country code to :class:`Jurisdiction`, each with the
    shortest path per channel, starting at the system node. ``summary``, when given, is
    the system's :func:`compose_reach` result; else its closure is walked.
    """
    cache = {} if cache is None else cache
    if summary is None:
        summary = compose_reach(Rollup(G, systems=[system], full=True), cache)[system]
    result = {code: Jurisdiction(code, dict(vias), summary.held.get(code, False), code in summary.data,
                                 summary.access.get(code, frozenset()))
              for code, vias in summary.paths.items()}
    for operator, data in G._pred[system].items():  # noqa: SLF001 - plain adjacency, see analyzer.closure
        if data["type"] != "operates":
            continue
        for r in _operator_reach(G, operator, (system,), system, cache):
            j = result.get(r.code)
            if j is None:
                j = result[r.code] = Jurisdiction(r.code)
            if _better(r.path, j.paths.get(r.via)):
                j.paths[r.via] = r.path
            j.held = False  # an operator of the whole system sees its data in clear
            j.access = j.access | _operator_access(G, r.path)
    return dict(sorted(result.items()))


#: Per graph, the laws of a country with or without ``location``: asked for every system and
#: jurisdiction, the answer only depends on these two. Graphs are not changed once scored
#: (a scenario changes a copy), so the answers hold as long as the graph lives.
_LAWS: WeakKeyDictionary[nx.DiGraph, dict[tuple[str, bool], list[str]]] = WeakKeyDictionary()


def laws_for(G: nx.DiGraph, code: str, vias: Iterable[str]) -> list[str]:
    """The laws of a country that bind through the given channels.

    Through ``location`` every law of the country applies; through any other channel
    only its extraterritorial laws do.
    """
    territorial = "location" in vias
    known = _LAWS.get(G)
    if known is None:
        known = _LAWS[G] = {}
    found = known.get((code, territorial))
    if found is None:
        found = known[(code, territorial)] = _laws_for(G, code, territorial)
    return list(found)


def _laws_for(G: nx.DiGraph, code: str, territorial: bool) -> list[str]:
    country = f"country:{code}"
    if country not in G:
        return []
    laws = []
    for law, data in G._succ[country].items():  # noqa: SLF001 - plain adjacency, see analyzer.closure
        if data["type"] != "subject_to":
            continue
        if territorial or G.nodes[law].get("extraterritorial"):
            laws.append(law.split(":", 1)[1])
    return sorted(laws)
