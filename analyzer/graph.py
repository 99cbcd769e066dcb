"""Building the dependency graph from an inventory and the knowledge catalog.

Nodes are strings ``"<kind>:<key>"`` with a ``kind`` attribute; edges carry a ``type``:

========================  ==========================================================
edge type                 between
========================  ==========================================================
part_of                   component -> system
depends_on                component -> component, system -> system
authenticates_via         component -> identity component (a depends_on on identity)
runs_on                   component -> service; component -> region or site (no data)
stores_data_in            component -> region or site (the component holds data)
offered_by                service -> legal entity (the provider's contracting entity)
provided_by               service -> provider
operated_by               region or site -> legal entity
controlled_by             legal entity -> parent legal entity
headquartered_in          legal entity -> country
located_in                region, site, operator -> country
also_located_in           region -> country (multi-country geographies)
controlled_from           global service -> country of its control plane
has_subsidiary            provider -> legal entity outside the contracting chain
licensed_from             provider -> legal entity (technology licensor)
operations_in             provider -> country where its operations and support staff sit
                          (``approval_gate``: the customer approval that gates their access)
uses_model                component -> model (a trained model it runs or calls)
developed_by              model -> legal entity (who trained it)
operates                  operator -> component or system
employed_by               operator -> legal entity
subject_to                country -> law
========================  ==========================================================

What the catalog cannot resolve is never guessed: the component keeps an ``unresolved``
attribute (``{"provider": "acme"}``, ``{"region": "aws/eu-west-9"}``) and gets no edge.

The edges of components (part_of, runs_on, stores_data_in, uses_model, depends_on,
authenticates_via) and the depends_on edges of systems share one attribute dictionary per
type, which refuses changes (:class:`SharedEdgeData`): read them freely, change them only
on a copy (``G.copy()``).
"""

from __future__ import annotations

from typing import Any, NamedTuple, NoReturn

import networkx as nx

from inventory.catalog import Catalog
from inventory.merge import Inventory
from inventory.records import ComponentRecord
from sovmap.runtime import collector_paused

IDENTITY_CATEGORIES = frozenset({"identity"})


class SharedEdgeData(dict):
    """The attributes of every edge of one type (``{"type": "part_of"}``), shared and read-only.

    A million components make four million edges of a handful of types: one dictionary per
    type instead of one per edge saves about 190 bytes an edge (0.75 GB at a million
    components). Changing it would change every edge of its type, so it refuses to change;
    ``G.copy()`` (and pickling, ``copy.deepcopy``) gives plain dictionaries of one's own.
    """

    __slots__ = ()

    def _refuse(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        raise TypeError(f"the attributes {dict(self)} are shared by every edge of this type: change them on G.copy()")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple:
        return dict, (dict(self),)


_EDGE = {type_: SharedEdgeData(type=type_) for type_ in (
    "part_of", "depends_on", "authenticates_via", "runs_on", "stores_data_in", "uses_model")}

__all__ = ["IDENTITY_CATEGORIES", "SharedEdgeData", "build_graph", "node_id"]


def node_id(kind: str, key: str) -> str:
    """The graph node of a thing.

    >>> node_id("component", "ecom-db")
    'component:ecom-db'
    """
    return f"{kind}:{key}"


def _add_country(G: nx.DiGraph, catalog: Catalog, code: str) -> str | None:
    node = node_id("country", code)
    if node in G:
        return node
    country = catalog.country(code)
    if country is None:
        return None
    G.add_node(node, kind="country", key=code, name=country.name, bloc=country.bloc)
    for law_key in country.laws:
        law = catalog.laws.get(law_key)
        if law is None:
            continue
        law_node = node_id("law", law_key)
        if law_node not in G:
            G.add_node(law_node, kind="law", key=law_key, name=law.name, reach=law.reach, extraterritorial=law.extraterritorial)
        G.add_edge(node, law_node, type="subject_to")
    return node


def _add_entity(G: nx.DiGraph, catalog: Catalog, key: str) -> str | None:
    """Add a legal entity and its whole ownership chain; None when the catalog lacks it."""
    node = node_id("entity", key)
    if node in G:
        return node
    entity = catalog.entities.get(key)
    if entity is None:
        return None
    G.add_node(node, kind="entity", key=key, name=entity.name, country=entity.country)
    country = _add_country(G, catalog, entity.country)
    if country:
        G.add_edge(node, country, type="headquartered_in")
    if entity.parent:
        parent = _add_entity(G, catalog, entity.parent)
        if parent:
            G.add_edge(node, parent, type="controlled_by")
    return node


def _add_provider(G: nx.DiGraph, catalog: Catalog, key: str) -> str | None:
    node = node_id("provider", key)
    if node in G:
        return node
    provider = catalog.provider(key)
    if provider is None:
        return None
    G.add_node(node, kind="provider", key=key, name=provider.name, provider_kind=provider.kind)
    contracting = _add_entity(G, catalog, provider.contracting_entity)
    if contracting:
        G.add_edge(node, contracting, type="contracts_via")
    for sub in provider.other_entities:
        sub_node = _add_entity(G, catalog, sub)
        if sub_node:
            G.add_edge(node, sub_node, type="has_subsidiary")
    for lic in provider.technology_licensors:
        lic_node = _add_entity(G, catalog, lic)
        if lic_node:
            G.add_edge(node, lic_node, type="licensed_from")
    operations = provider.operations
    if operations is not None:
        G.nodes[node]["approval_gate"] = operations.approval_gate
        for code in operations.countries:
            country = _add_country(G, catalog, code)
            if country:
                G.add_edge(node, country, type="operations_in", approval_gate=operations.approval_gate)
    return node


def _add_service(G: nx.DiGraph, catalog: Catalog, provider_key: str, key: str) -> str | None:
    node = node_id("service", f"{provider_key}/{key}")
    if node in G:
        return node
    service = catalog.service(provider_key, key)
    if service is None:
        return None
    provider = catalog.provider(provider_key)
    G.add_node(
        node, kind="service", key=f"{provider_key}/{key}", name=service.name, model=service.model,
        scope=service.scope, portability=service.portability, category=service.category, dora_type=service.dora_type,
    )
    G.add_edge(node, _add_provider(G, catalog, provider_key), type="provided_by")
    entity = _add_entity(G, catalog, provider.contracting_entity)
    if entity:
        G.add_edge(node, entity, type="offered_by")
    if service.scope == "global" and service.control_plane_country:
        country = _add_country(G, catalog, service.control_plane_country)
        if country:
            G.add_edge(node, country, type="controlled_from")
    return node


def _add_region(G: nx.DiGraph, catalog: Catalog, provider_key: str, code: str) -> str | None:
    node = node_id("region", f"{provider_key}/{code}")
    if node in G:
        return node
    region = catalog.region(provider_key, code)
    if region is None:
        return None
    G.add_node(node, kind="region", key=f"{provider_key}/{code}", name=region.name, country=region.country, city=region.city)
    country = _add_country(G, catalog, region.country)
    if country:
        G.add_edge(node, country, type="located_in")
    for other in region.also_in:
        other_node = _add_country(G, catalog, other)
        if other_node:
            G.add_edge(node, other_node, type="also_located_in")
    if region.operating_entity:
        entity = _add_entity(G, catalog, region.operating_entity)
        if entity:
            G.add_edge(node, entity, type="operated_by")
    return node


def _add_model(G: nx.DiGraph, catalog: Catalog, key: str) -> str | None:
    node = node_id("model", key)
    if node in G:
        return node
    model = catalog.models.get(key)
    if model is None:
        return None
    G.add_node(node, kind="model", key=key, name=model.name, licence=model.licence, open_weights=model.open_weights)
    entity = _add_entity(G, catalog, model.developer)
    if entity:
        G.add_edge(node, entity, type="developed_by")
    return node


class _Placement(NamedTuple):
    """What a combination of provider, service, region and site resolves to in the catalog."""

    targets: tuple[tuple[str, SharedEdgeData], ...]  # (node, edge attributes), in the order the edges are added
    unresolved: dict[str, Any]
    identity: bool  # it runs on an identity service: depends_on edges to it authenticate


def _place(G: nx.DiGraph, catalog: Catalog, inv: Inventory, comp: ComponentRecord) -> _Placement:
    """Resolve a component's location against the catalog, adding the catalog nodes it reaches.

    Many components share one combination (a region of a service of a provider), so
    :func:`build_graph` calls this once per combination and reuses the answer: the catalog
    nodes exist after the first call, and the lookups are pure.
    """
    targets: list[tuple[str, SharedEdgeData]] = []
    unresolved: dict[str, Any] = {}
    identity = False
    runs_on = _EDGE["runs_on"]
    location_edge = _EDGE["stores_data_in"] if comp.holds_data else runs_on
    if comp.site is not None:
        site_node = node_id("site", comp.site)
        targets.append((site_node, location_edge))
        if site_node not in G:
            G.add_node(site_node)  # where add_edge would add it
        site = inv.sites[comp.site]
        if not site.country or catalog.country(site.country) is None:
            unresolved["site_country"] = site.country
    if comp.provider is not None:
        provider = catalog.provider(comp.provider)
        if provider is None:
            unresolved["provider"] = comp.provider
        else:
            _add_provider(G, catalog, comp.provider)
            if comp.service is not None:
                service = _add_service(G, catalog, comp.provider, comp.service)
                if service is None:
                    unresolved["service"] = f"{comp.provider}/{comp.service}"
                else:
                    targets.append((service, runs_on))
                    identity = G.nodes[service].get("category") in IDENTITY_CATEGORIES
            else:
                # Which of the provider's services it is decides portability and
                # control planes: without one, that part is UNKNOWN, never assumed.
                targets.append((node_id("provider", comp.provider), runs_on))
                unresolved["service"] = f"{comp.provider}/?"
            if comp.region is not None:
                region = _add_region(G, catalog, comp.provider, comp.region)
                if region is None:
                    unresolved["region"] = f"{comp.provider}/{comp.region}"
                else:
                    targets.append((region, location_edge))
            elif comp.site is None and not _is_global(catalog, comp.provider, comp.service):
                unresolved["region"] = f"{comp.provider}/?"
    elif comp.site is None:
        unresolved["location"] = "neither provider nor site given"
    return _Placement(tuple(targets), unresolved, identity)


def build_graph(inv: Inventory, catalog: Catalog) -> nx.DiGraph:
    """Build the dependency graph of an inventory.

    Parameters
    ----------
    inv : Inventory
        The records of one snapshot (as stored).
    catalog : Catalog
        The knowledge catalog the records are resolved against.

    Returns
    -------
    networkx.DiGraph
        Typed nodes and edges as described in the module docstring.

    Notes
    -----
    A million components make four million edges, so systems, components and their edges
    are written straight into the graph's dictionaries (``_node``, ``_succ``, ``_pred``)
    rather than through ``add_node``/``add_edge``: the same nodes, edges, attributes and
    order, in a third of the time. Each node id string is made once and shared by every
    edge that names the node, and the edges of one type share their attributes
    (:class:`SharedEdgeData`). What the catalog resolves is looked up once per combination
    of provider, service, region and site.

    Examples
    --------
    >>> from inventory.catalog import Catalog, Country, Provider, LegalEntity
    >>> from inventory.records import ComponentRecord, SystemRecord
    >>> from inventory.merge import Inventory
    >>> inv = Inventory(systems={"s": SystemRecord("s", "S")},
    ...                 components={"c": ComponentRecord("c", system="s", provider="nope")})
    >>> G = build_graph(inv, Catalog())
    >>> G.nodes["component:c"]["unresolved"]
    {'provider': 'nope'}
    >>> sorted(d["type"] for _, _, d in G.edges(data=True))
    ['part_of']
    """
    with collector_paused():  # millions of new containers and no garbage: see collector_paused
        return _build(inv, catalog)


def _build(inv: Inventory, catalog: Catalog) -> nx.DiGraph:
    G = nx.DiGraph()
    if inv.organization is not None:
        org = node_id("organization", inv.organization.name)
        G.add_node(org, kind="organization", key=inv.organization.name, name=inv.organization.name)
        if inv.organization.country:
            country = _add_country(G, catalog, inv.organization.country)
            if country:
                G.add_edge(org, country, type="located_in")

    system_nodes = _add_systems(G, inv)
    for site in inv.sites.values():
        node = node_id("site", site.id)
        G.add_node(node, kind="site", key=site.id, name=site.name, country=site.country, city=site.city)
        if site.country:
            country = _add_country(G, catalog, site.country)
            if country:
                G.add_edge(node, country, type="located_in")
        if site.legal_entity:
            entity = _add_entity(G, catalog, site.legal_entity)
            if entity:
                G.add_edge(node, entity, type="operated_by")

    component_nodes, identity = _add_components(G, inv, catalog, system_nodes)
    _add_dependencies(G, inv, component_nodes, system_nodes, identity)

    for op in inv.operators.values():
        node = node_id("operator", op.id)
        G.add_node(node, kind="operator", key=op.id, name=op.name, access=op.access, country=op.country)
        unresolved = {}
        if op.country:
            country = _add_country(G, catalog, op.country)
            if country:
                G.add_edge(node, country, type="located_in")
            else:
                unresolved["country"] = op.country
        if op.legal_entity:
            entity = _add_entity(G, catalog, op.legal_entity)
            if entity:
                G.add_edge(node, entity, type="employed_by")
            else:
                unresolved["legal_entity"] = op.legal_entity
        if not op.country and not op.legal_entity:
            unresolved["location"] = "neither country nor legal_entity given"
        if unresolved:
            G.nodes[node]["unresolved"] = unresolved
        for target in op.operates:
            if target in inv.components:
                target_node = component_nodes.get(target) or node_id("component", target)
            else:
                target_node = system_nodes.get(target) or node_id("system", target)
            G.add_edge(node, target_node, type="operates", access=op.access)
    return G


def _add_systems(G: nx.DiGraph, inv: Inventory) -> dict[str, str]:
    """Add the system nodes; returns system id -> node id (one string shared by every edge)."""
    nodes, succ, pred = G._node, G._succ, G._pred  # noqa: SLF001 - see build_graph
    out: dict[str, str] = {}
    for system in inv.systems.values():
        node = "system:" + system.id
        attrs = {
            "kind": "system", "key": system.id, "name": system.name,
            "criticality": system.criticality, "classification": system.classification,
            "personal_data": system.personal_data, "rto_hours": system.rto_hours, "rpo_hours": system.rpo_hours,
            "exit_plan": system.exit_plan, "alternatives": system.alternatives,
            "substitutability": system.substitutability, "owner": system.owner,
        }
        if node in nodes:  # the same id twice: what add_node would do
            nodes[node].update(attrs)
        else:
            nodes[node] = attrs
            succ[node] = {}
            pred[node] = {}
        out.setdefault(system.id, node)
    return out


def _add_components(
    G: nx.DiGraph, inv: Inventory, catalog: Catalog, system_nodes: dict[str, str],
) -> tuple[dict[str, str], set[str]]:
    """Add the component nodes and their edges to systems, sites, services, regions and models.

    Returns component id -> node id, and the nodes of components running on an identity service.
    A component's edges go to nodes of different kinds (system, site, service or provider,
    region, model), so each is new and is written without looking for an existing one.
    """
    nodes, succ, pred = G._node, G._succ, G._pred  # noqa: SLF001 - see build_graph
    notes = getattr(inv, "attribution_notes", None) or {}
    placements: dict[tuple, _Placement] = {}
    models: dict[str, str | None] = {}
    component_nodes: dict[str, str] = {}
    identity: set[str] = set()
    part_of, uses_model = _EDGE["part_of"], _EDGE["uses_model"]
    for comp in inv.components.values():
        cid = comp.id
        node = "component:" + cid
        attrs: dict[str, Any] = {
            "kind": "component", "key": cid, "name": comp.name or cid, "system": comp.system,
            "provider": comp.provider, "service": comp.service, "region": comp.region, "site": comp.site,
            "holds_data": comp.holds_data, "data_volume_gb": comp.data_volume_gb, "key_custody": comp.key_custody,
        }
        if node in nodes:  # the same id twice (records keyed otherwise): what add_node and add_edge do
            _add_component_again(G, inv, catalog, comp, node, attrs, placements, models, identity)
            continue
        nodes[node] = attrs
        out = succ[node] = {}
        pred[node] = {}
        component_nodes[cid] = node
        system = comp.system
        if system is not None:
            target = system_nodes.get(system)
            if target is None:  # a system nobody declared: a bare node, as add_edge makes
                target = "system:" + system
                if target not in nodes:
                    nodes[target] = {}
                    succ[target] = {}
                    pred[target] = {}
            out[target] = pred[target][node] = part_of
        key = (comp.provider, comp.service, comp.region, comp.site, comp.holds_data)
        placement = placements.get(key)
        if placement is None:
            placement = placements[key] = _place(G, catalog, inv, comp)
        for target, data in placement.targets:
            out[target] = pred[target][node] = data
        if placement.identity:
            identity.add(node)
        unresolved = placement.unresolved
        model = comp.model
        if model is not None:
            if model in models:
                model_node = models[model]
            else:
                model_node = models[model] = _add_model(G, catalog, model)
            if model_node is None:
                unresolved = {**unresolved, "model": model}
            else:
                out[model_node] = pred[model_node][node] = uses_model
        if unresolved:
            attrs["unresolved"] = dict(unresolved)
        if notes:
            note = notes.get(cid)
            if note:
                attrs["attribution_note"] = note
    return component_nodes, identity


def _add_component_again(G: nx.DiGraph, inv: Inventory, catalog: Catalog, comp: ComponentRecord, node: str,
                         attrs: dict[str, Any], placements: dict[tuple, _Placement], models: dict[str, str | None],
                         identity: set[str]) -> None:
    """A component whose node exists already: its attributes updated, its edges set again."""
    G.add_node(node, **attrs)
    if comp.system is not None:
        _put_edge(G, node, node_id("system", comp.system), _EDGE["part_of"])
    key = (comp.provider, comp.service, comp.region, comp.site, comp.holds_data)
    placement = placements.get(key)
    if placement is None:
        placement = placements[key] = _place(G, catalog, inv, comp)
    for target, data in placement.targets:
        _put_edge(G, node, target, data)
    if placement.identity:
        identity.add(node)
    unresolved = dict(placement.unresolved)
    if comp.model is not None:
        if comp.model not in models:
            models[comp.model] = _add_model(G, catalog, comp.model)
        if models[comp.model] is None:
            unresolved["model"] = comp.model
        else:
            _put_edge(G, node, models[comp.model], _EDGE["uses_model"])
    if unresolved:
        G.nodes[node]["unresolved"] = unresolved
    note = (getattr(inv, "attribution_notes", None) or {}).get(comp.id)
    if note:
        G.nodes[node]["attribution_note"] = note


def _put_edge(G: nx.DiGraph, u: str, v: str, data: SharedEdgeData) -> None:
    """``G.add_edge(u, v, **data)`` for an edge whose only attribute is its type (set anew if it exists)."""
    for n in (u, v):
        if n not in G:
            G.add_node(n)
    G._succ[u][v] = G._pred[v][u] = data  # noqa: SLF001 - see build_graph


def _add_dependencies(G: nx.DiGraph, inv: Inventory, component_nodes: dict[str, str], system_nodes: dict[str, str],
                      identity: set[str]) -> None:
    """Add the depends_on edges between components (authenticates_via to identity) and between systems.

    Before these, a component or system has edges only to nodes of other kinds, so an edge
    written here is new or repeats an earlier one of this loop with the same type: it is
    written without looking (a repeat sets the same shared attributes at the same place).
    """
    nodes, succ, pred = G._node, G._succ, G._pred  # noqa: SLF001 - see build_graph
    depends_on, authenticates_via = _EDGE["depends_on"], _EDGE["authenticates_via"]
    for kind, records, known in (("component", inv.components, component_nodes), ("system", inv.systems, system_nodes)):
        prefix = kind + ":"
        for record in records.values():
            if not record.depends_on:
                continue
            source = known.get(record.id) or prefix + record.id
            if source not in nodes:
                nodes[source] = {}
                succ[source] = {}
                pred[source] = {}
            out = succ[source]
            for dep in record.depends_on:
                target = known.get(dep)
                if target is None:
                    target = prefix + dep
                    if target not in nodes:
                        nodes[target] = {}
                        succ[target] = {}
                        pred[target] = {}
                out[target] = pred[target][source] = authenticates_via if target in identity else depends_on


def _is_global(catalog: Catalog, provider: str, service: str | None) -> bool:
    svc = catalog.service(provider, service)
    return svc is not None and svc.scope == "global"
