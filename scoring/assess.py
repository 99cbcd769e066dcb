"""One pass of every score and finding over an inventory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import networkx as nx

from analyzer.closure import Rollup
from analyzer.graph import build_graph
from analyzer.jurisdiction import compose_reach, system_reach
from inventory.catalog import Catalog
from inventory.merge import Inventory
from inventory.records import AcceptanceRecord
from scoring.concentration import LEVELS, Concentration, compose_keys, score_concentration
from scoring.exit import score_exit
from scoring.exposure import SystemExposure, score_exposure
from scoring.feasibility import FeasibilitySettings, SystemFeasibility, all_dependents, score_feasibility
from scoring.findings import Finding, build_findings, match_register
from scoring.settings import ScoringSettings, scoring_settings
from scoring.sovereignty import SystemSovereignty, compose_sovereignty, override_components
from sovmap.runtime import collector_paused

__all__ = ["Assessment", "assess", "compose_unresolved"]


@dataclass
class Assessment:
    graph: nx.DiGraph
    as_of: date
    exposures: dict[str, SystemExposure] = field(default_factory=dict)
    feasibility: dict[str, SystemFeasibility] = field(default_factory=dict)
    concentration: dict[str, Concentration] = field(default_factory=dict)
    sovereignty: dict[str, SystemSovereignty] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    stale_acceptances: list[AcceptanceRecord] = field(default_factory=list)
    settings: ScoringSettings | None = None

    def score_rows(self) -> Iterator[tuple[str, str, dict]]:
        """The computed results a snapshot keeps beside its findings: (kind, key, data)."""
        for system_node, exposure in self.exposures.items():
            yield "exposure", system_node.split(":", 1)[1], exposure.as_dict()
        for system_node, feas in self.feasibility.items():
            yield "feasibility", system_node.split(":", 1)[1], feas.as_dict()
        for level, conc in self.concentration.items():
            yield "concentration", level, conc.as_dict()
        for system_node, sov in self.sovereignty.items():
            yield "sovereignty", system_node.split(":", 1)[1], sov.as_dict()
        yield "register", "stale", {"entries": [
            {"id": a.id, "risk": a.risk, "scope": a.scope, "owner": a.owner, "origin": a.origin,
             "rationale": a.rationale, "review_by": a.review_by.isoformat() if a.review_by else None}
            for a in self.stale_acceptances
        ]}


def assess(
    inv: Inventory,
    catalog: Catalog,
    *,
    as_of: date,
    feasibility_settings: FeasibilitySettings | None = None,
    settings: ScoringSettings | None = None,
) -> Assessment:
    """Build the graph and compute exposure, feasibility and exit, concentration, sovereignty and findings.

    ``settings`` (from :func:`scoring.settings.scoring_settings`) carries the framework,
    its weights and overrides and the exit and feasibility numbers; the defaults when None.
    ``feasibility_settings``, when given, replaces the feasibility part of it.
    """
    settings = settings or scoring_settings()
    feas_settings = feasibility_settings or settings.feasibility
    with collector_paused():
        G = build_graph(inv, catalog)
        home = inv.organization.home_bloc if inv.organization else "EU"
        systems = [n for n, d in G.nodes(data=True) if d.get("kind") == "system"]
        cache: dict = {}  # shared: jurisdiction reach, sovereignty answers and catalog facts use distinct keys
        rollup = Rollup(G, systems=systems, distinct=override_components(settings.overrides))
        reach = compose_reach(rollup, cache)
        unresolved = compose_unresolved(rollup)
        sovereignty = compose_sovereignty(
            rollup, settings.framework, catalog=catalog, home_bloc=home, weights=settings.weights_spec,
            overrides=settings.overrides, cache=cache,
        )
        result = Assessment(graph=G, as_of=as_of, settings=settings)
        dependents_of = all_dependents(G)
        for s in systems:
            result.exposures[s] = score_exposure(G, s, home_bloc=home, reach=system_reach(G, s, cache, reach[s]),
                                                 unresolved=unresolved[s])
            feas = score_feasibility(G, s, feas_settings, group_of=rollup.group, dependents_of=dependents_of)
            feas.exit = score_exit(G, s, catalog=catalog, settings=settings.exit, group_of=rollup.group).as_dict()
            result.feasibility[s] = feas
            result.sovereignty[s] = sovereignty[s]
        keys = compose_keys(rollup)
        for level in LEVELS:
            result.concentration[level] = score_concentration(G, level, keys=keys)
        result.findings = build_findings(G, catalog, result.exposures, result.feasibility, result.concentration, rollup,
                                         home_bloc=home)
        result.stale_acceptances = match_register(result.findings, inv.acceptances, as_of)
    return result


def compose_unresolved(rollup: Rollup) -> dict[str, frozenset[str]]:
    """Per system, the components it rests on that hold something the catalog could not resolve."""
    out: dict[str, frozenset[str]] = {}
    for system in rollup.order:
        _, deps = rollup.parts(system)
        mine = frozenset(c for g, comps in rollup.members(system).items() if g.unresolved for c in comps)
        for dep in deps:
            mine |= out[dep]
        out[system] = mine
    return out
