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
path that brings it in, as graph node ids, so that it can be shown and checked.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import networkx as nx

__all__ = [
    "CHANNELS",
    "Jurisdiction",
    "Reach",
    "component_reach",
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
_DEPENDENCY_EDGES = frozenset({"depends_on", "authenticates_via"})


@dataclass(frozen=True, slots=True)
class Reach:
    """One way a jurisdiction (``code``) reaches a component."""

    code: str
    via: str
    path: tuple[str, ...]
    component: str


@dataclass
class Jurisdiction:
    """A jurisdiction that reaches a system: through which channels, by which paths."""

    code: str
    paths: dict[str, tuple[str, ...]] = field(default_factory=dict)  # via -> shortest path
    components: set[str] = field(default_factory=set)

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
    found: dict[str, tuple[str, ...]] = {}
    seen = {system}
    queue: deque[tuple[str, tuple[str, ...]]] = deque([(system, (system,))])
    while queue:
        node, path = queue.popleft()
        kind = node.split(":", 1)[0]
        nexts: list[str] = []
        if kind == "system":
            nexts.extend(s for s, _, d in G.in_edges(node, data=True) if d["type"] == "part_of")
            nexts.extend(t for _, t, d in G.out_edges(node, data=True) if d["type"] == "depends_on")
        else:
            nexts.extend(t for _, t, d in G.out_edges(node, data=True) if d["type"] in _DEPENDENCY_EDGES)
        for nxt in nexts:
            if nxt in seen:
                continue
            seen.add(nxt)
            nxt_path = (*path, nxt)
            if nxt.startswith("component:"):
                found[nxt] = nxt_path
            queue.append((nxt, nxt_path))
    return found


def system_reach(
    G: nx.DiGraph, system: str, cache: dict | None = None, components: dict[str, tuple[str, ...]] | None = None
) -> dict[str, Jurisdiction]:
    """The jurisdictions that reach a system, transitively through its dependencies.

    Returns a mapping from ISO country code to :class:`Jurisdiction`, each with the
    shortest path per channel, starting at the system node.
    """
    cache = {} if cache is None else cache
    result: dict[str, Jurisdiction] = {}

    def add(reaches: Iterable[Reach], prefix: tuple[str, ...]) -> None:
        for r in reaches:
            j = result.get(r.code)
            if j is None:
                j = result[r.code] = Jurisdiction(r.code)
            path = (*prefix, *r.path[1:]) if prefix and prefix[-1] == r.path[0] else (*prefix, *r.path)
            known = j.paths.get(r.via)
            if known is None or len(path) < len(known):
                j.paths[r.via] = path
            j.components.add(r.component)

    components = components if components is not None else system_components(G, system)
    for comp, path in components.items():
        add(component_reach(G, comp, cache), path)
    for operator, _, data in G.in_edges(system, data=True):
        if data["type"] == "operates":
            add(_operator_reach(G, operator, (system,), system, cache), ())
    return result


def laws_for(G: nx.DiGraph, code: str, vias: Iterable[str]) -> list[str]:
    """The laws of a country that bind through the given channels.

    Through ``location`` every law of the country applies; through any other channel
    only its extraterritorial laws do.
    """
    country = f"country:{code}"
    if country not in G:
        return []
    territorial = "location" in set(vias)
    laws = []
    for _, law, data in G.out_edges(country, data=True):
        if data["type"] != "subject_to":
            continue
        if territorial or G.nodes[law].get("extraterritorial"):
            laws.append(law.split(":", 1)[1])
    return sorted(laws)
