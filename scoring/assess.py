"""One pass of every score and finding over an inventory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import networkx as nx

from analyzer.graph import build_graph
from analyzer.jurisdiction import system_components, system_reach
from inventory.catalog import Catalog
from inventory.merge import Inventory
from inventory.records import AcceptanceRecord
from scoring.concentration import LEVELS, Concentration, score_concentration
from scoring.exposure import SystemExposure, score_exposure
from scoring.feasibility import FeasibilitySettings, SystemFeasibility, score_feasibility
from scoring.findings import Finding, build_findings, match_register

__all__ = ["Assessment", "assess"]


@dataclass
class Assessment:
    graph: nx.DiGraph
    as_of: date
    exposures: dict[str, SystemExposure] = field(default_factory=dict)
    feasibility: dict[str, SystemFeasibility] = field(default_factory=dict)
    concentration: dict[str, Concentration] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    stale_acceptances: list[AcceptanceRecord] = field(default_factory=list)

    def score_rows(self) -> Iterator[tuple[str, str, dict]]:
        """The computed results a snapshot keeps beside its findings: (kind, key, data)."""
        for system_node, exposure in self.exposures.items():
            yield "exposure", system_node.split(":", 1)[1], exposure.as_dict()
        for system_node, feas in self.feasibility.items():
            yield "feasibility", system_node.split(":", 1)[1], feas.as_dict()
        for level, conc in self.concentration.items():
            yield "concentration", level, conc.as_dict()
        yield "register", "stale", {"entries": [
            {"id": a.id, "risk": a.risk, "scope": a.scope, "owner": a.owner, "origin": a.origin}
            for a in self.stale_acceptances
        ]}


def assess(
    inv: Inventory,
    catalog: Catalog,
    *,
    as_of: date,
    feasibility_settings: FeasibilitySettings | None = None,
) -> Assessment:
    """Build the graph and compute exposure, feasibility, concentration and findings."""
    G = build_graph(inv, catalog)
    home = inv.organization.home_bloc if inv.organization else "EU"
    systems = [n for n, d in G.nodes(data=True) if d.get("kind") == "system"]
    cache: dict = {}
    deps = {s: system_components(G, s) for s in systems}
    result = Assessment(graph=G, as_of=as_of)
    for s in systems:
        reach = system_reach(G, s, cache, deps[s])
        result.exposures[s] = score_exposure(G, s, home_bloc=home, reach=reach, components=deps[s])
        result.feasibility[s] = score_feasibility(G, s, feasibility_settings)
    for level in LEVELS:
        result.concentration[level] = score_concentration(G, level, deps=deps)
    result.findings = build_findings(G, catalog, result.exposures, result.feasibility, result.concentration, deps, home_bloc=home)
    result.stale_acceptances = match_register(result.findings, inv.acceptances, as_of)
    return result
