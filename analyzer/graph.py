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
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from inventory.catalog import Catalog
from inventory.merge import Inventory

IDENTITY_CATEGORIES = frozenset({"identity"})

__all__ = ["IDENTITY_CATEGORIES", "build_graph", "node_id"]


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
    G = nx.DiGraph()
    if inv.organization is not None:
        org = node_id("organization", inv.organization.name)
        G.add_node(org, kind="organization", key=inv.organization.name, name=inv.organization.name)
        if inv.organization.country:
            country = _add_country(G, catalog, inv.organization.country)
            if country:
                G.add_edge(org, country, type="located_in")

    for system in inv.systems.values():
        G.add_node(
            node_id("system", system.id), kind="system", key=system.id, name=system.name,
            criticality=system.criticality, classification=system.classification,
            personal_data=system.personal_data, rto_hours=system.rto_hours, rpo_hours=system.rpo_hours,
            exit_plan=system.exit_plan, alternatives=system.alternatives, substitutability=system.substitutability,
            owner=system.owner,
        )
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

    identity: set[str] = set()
    for comp in inv.components.values():
        node = node_id("component", comp.id)
        unresolved: dict[str, Any] = {}
        attrs: dict[str, Any] = {
            "kind": "component", "key": comp.id, "name": comp.name or comp.id, "system": comp.system,
            "provider": comp.provider, "service": comp.service, "region": comp.region, "site": comp.site,
            "holds_data": comp.holds_data, "data_volume_gb": comp.data_volume_gb, "key_custody": comp.key_custody,
        }
        G.add_node(node, **attrs)
        if comp.system is not None:
            G.add_edge(node, node_id("system", comp.system), type="part_of")
        location_edge = "stores_data_in" if comp.holds_data else "runs_on"
        if comp.site is not None:
            G.add_edge(node, node_id("site", comp.site), type=location_edge)
            if not inv.sites[comp.site].country or catalog.country(inv.sites[comp.site].country) is None:
                unresolved["site_country"] = inv.sites[comp.site].country
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
                        G.add_edge(node, service, type="runs_on")
                        if G.nodes[service].get("category") in IDENTITY_CATEGORIES:
                            identity.add(node)
                else:
                    # Which of the provider's services it is decides portability and
                    # control planes: without one, that part is UNKNOWN, never assumed.
                    G.add_edge(node, node_id("provider", comp.provider), type="runs_on")
                    unresolved["service"] = f"{comp.provider}/?"
                if comp.region is not None:
                    region = _add_region(G, catalog, comp.provider, comp.region)
                    if region is None:
                        unresolved["region"] = f"{comp.provider}/{comp.region}"
                    else:
                        G.add_edge(node, region, type=location_edge)
                elif comp.site is None and not _is_global(catalog, comp.provider, comp.service):
                    unresolved["region"] = f"{comp.provider}/?"
        elif comp.site is None:
            unresolved["location"] = "neither provider nor site given"
        if comp.model is not None:
            model_node = _add_model(G, catalog, comp.model)
            if model_node is None:
                unresolved["model"] = comp.model
            else:
                G.add_edge(node, model_node, type="uses_model")
        if unresolved:
            G.nodes[node]["unresolved"] = unresolved
        note = inv.attribution_notes.get(comp.id) if hasattr(inv, "attribution_notes") else None
        if note:
            G.nodes[node]["attribution_note"] = note

    for comp in inv.components.values():
        source = node_id("component", comp.id)
        for dep in comp.depends_on:
            target = node_id("component", dep)
            G.add_edge(source, target, type="authenticates_via" if target in identity else "depends_on")
    for system in inv.systems.values():
        for dep in system.depends_on:
            G.add_edge(node_id("system", system.id), node_id("system", dep), type="depends_on")

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
            kind = "component" if target in inv.components else "system"
            G.add_edge(node, node_id(kind, target), type="operates", access=op.access)
    return G


def _is_global(catalog: Catalog, provider: str, service: str | None) -> bool:
    svc = catalog.service(provider, service)
    return svc is not None and svc.scope == "global"
