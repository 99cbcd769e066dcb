"""Migration feasibility (0-100) per system, always with the factors that made it.

The score is a weighted sum of six factor scores, each 0..100:

=================  ======  =================================================================
factor             weight  score
=================  ======  =================================================================
portability        0.35    mean over the system's components of the portability class of
                           their service: high 100 (VMs, Kubernetes, S3 API, PostgreSQL),
                           medium 60 (managed open-standard), low 20 (proprietary PaaS,
                           serverless, AI); own data centres 100; unknown service 50
data gravity       0.20    100 up to 100 GB held at providers, minus 25 per tenfold above it
                           (0 from 1 PB); the egress cost at list price is shown beside it
coupling           0.15    100 minus 20 per system that depends on this one
exit plan          0.10    100 when an exit plan exists, else 0
alternatives       0.10    100 when alternatives are named, else 0
substitutability   0.10    DORA's values: easy 100, medium 66, highly complex 33,
                           not substitutable 0, not assessed 50
=================  ======  =================================================================

The score is ``sum(score_f * w_f) / sum(w_f)``, so weights that do not add up to 1 still
give 0..100. Bands: 70 and above high, 40 to 69 medium, below 40 low. The weights and
prices live in :class:`FeasibilitySettings` and can be changed under
``scoring.feasibility`` in ``sovmap.yaml`` (see docs/scoring.md). The exit time
(:mod:`scoring.exit`) is kept beside the score as ``exit``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import networkx as nx

from analyzer.closure import Group

__all__ = ["FeasibilitySettings", "SystemFeasibility", "all_dependents", "score_feasibility"]

PORTABILITY_SCORE = {"high": 100.0, "medium": 60.0, "low": 20.0}
SUBSTITUTABILITY_SCORE = {"easy": 100.0, "medium": 66.0, "highly-complex": 33.0, "not-substitutable": 0.0}


@dataclass(frozen=True)
class FeasibilitySettings:
    weights: Mapping[str, float] = field(default_factory=lambda: {
        "portability": 0.35, "data_gravity": 0.20, "coupling": 0.15,
        "exit_plan": 0.10, "alternatives": 0.10, "substitutability": 0.10,
    })
    #: Internet egress list price per GB, USD (AWS first tier, 2026); providers waive it on exit on request.
    egress_usd_per_gb: float = 0.09


@dataclass
class SystemFeasibility:
    system: str
    score: float
    band: str
    factors: list[dict]
    data_volume_gb: float
    egress_cost_usd: float
    exit: dict | None = None

    def as_dict(self) -> dict:
        out = {"system": self.system, "score": self.score, "band": self.band, "factors": self.factors,
               "data_volume_gb": self.data_volume_gb, "egress_cost_usd": self.egress_cost_usd}
        if self.exit is not None:
            out["exit"] = self.exit
        return out


def _band(score: float) -> str:
    return "high" if score >= 70 else "medium" if score >= 40 else "low"


def all_dependents(G: nx.DiGraph) -> dict[str, set[str]]:
    """The systems that depend on each system, in one pass over the dependency edges.

    A system depends on another by a system dependency, or through a component: one of
    its components depends on, or authenticates via, a component of the other.

    >>> G = nx.DiGraph()
    >>> G.add_nodes_from(["system:a", "system:b", "system:c"], kind="system")
    >>> G.add_edge("system:a", "system:b", type="depends_on")
    >>> G.add_node("component:x", kind="component", system="c"); G.add_node("component:y", kind="component", system="b")
    >>> G.add_edge("component:x", "system:c", type="part_of"); G.add_edge("component:y", "system:b", type="part_of")
    >>> G.add_edge("component:x", "component:y", type="depends_on")
    >>> {s: sorted(d) for s, d in all_dependents(G).items()}
    {'system:a': [], 'system:b': ['system:a', 'system:c'], 'system:c': []}
    """
    nodes = G._node  # noqa: SLF001 - plain adjacency dicts: no view per node on large graphs
    out: dict[str, set[str]] = {n: set() for n, d in nodes.items() if d.get("kind") == "system"}
    for src, targets in G._succ.items():  # noqa: SLF001
        kind = nodes[src].get("kind")
        if kind == "system":
            for target, d in targets.items():
                if d["type"] == "depends_on" and target in out:
                    out[target].add(src)
        elif kind == "component":
            owner = nodes[src].get("system")
            if owner is None:
                continue
            for target, d in targets.items():
                if d["type"] in ("depends_on", "authenticates_via"):
                    used = nodes[target].get("system")
                    if used is not None and used != owner and f"system:{used}" in out:
                        out[f"system:{used}"].add(f"system:{owner}")
    return out


def _portability_class(nodes: dict, succ: dict, comp: str) -> tuple[str, bool]:
    """(portability class, at a provider) of a component, from its service and site."""
    cls = None
    external = True
    for target, d in succ[comp].items():
        kind = nodes[target].get("kind")
        if d["type"] == "runs_on" and kind == "service":
            cls = nodes[target].get("portability")
        elif kind == "site":
            external = False
            cls = cls or "own"
    return cls or "unknown", external


def score_feasibility(
    G: nx.DiGraph, system: str, settings: FeasibilitySettings | None = None, *, group_of: Callable[[str], Group] | None = None,
    dependents_of: Mapping[str, set[str]] | None = None,
) -> SystemFeasibility:
    """Migration feasibility of one system.

    ``group_of`` (:meth:`analyzer.closure.Rollup.group`) lets components with equal facts
    share their portability class; ``dependents_of`` is :func:`all_dependents` of the graph
    (worked out here without it: pass it when scoring many systems).

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("system:s", kind="system", key="s", exit_plan=True, alternatives=("x",), substitutability="easy")
    >>> G.add_node("component:c", kind="component", holds_data=False)
    >>> G.add_node("service:p/vm", kind="service", portability="high")
    >>> G.add_edge("component:c", "system:s", type="part_of")
    >>> G.add_edge("component:c", "service:p/vm", type="runs_on")
    >>> score_feasibility(G, "system:s").score
    100.0
    """
    settings = settings or FeasibilitySettings()
    attrs = G.nodes[system]
    nodes, succ = G._node, G._succ  # noqa: SLF001 - see all_dependents
    comps = [c for c, d in G._pred[system].items() if d["type"] == "part_of"]  # noqa: SLF001
    classes: dict[str, int] = {}
    port_scores: list[float] = []
    volume = 0.0
    for comp in comps:
        node = nodes[comp]
        if group_of is None:
            cls, external = _portability_class(nodes, succ, comp)
        else:
            cls, external = group_of(comp).cached("portability", lambda c=comp: _portability_class(nodes, succ, c))
        classes[cls] = classes.get(cls, 0) + 1
        port_scores.append(PORTABILITY_SCORE.get(cls, 100.0 if cls == "own" else 50.0))
        if node.get("holds_data") and external:
            volume += float(node.get("data_volume_gb") or 0.0)
    portability = sum(port_scores) / len(port_scores) if port_scores else 100.0
    gravity = 100.0 if volume <= 100 else max(0.0, 100.0 - 25.0 * math.log10(volume / 100.0))
    if dependents_of is None:
        dependents_of = all_dependents(G)
    n_dependents = len(dependents_of.get(system, ()))
    coupling = max(0.0, 100.0 - 20.0 * n_dependents)
    exit_plan = 100.0 if attrs.get("exit_plan") else 0.0
    alternatives = 100.0 if attrs.get("alternatives") else 0.0
    subst_value = attrs.get("substitutability")
    subst = SUBSTITUTABILITY_SCORE.get(subst_value, 50.0)
    egress = round(volume * settings.egress_usd_per_gb, 2)
    w = settings.weights
    factors = [
        {"factor": "portability", "score": round(portability, 1), "weight": w["portability"],
         "detail": ", ".join(f"{n} {c}" for c, n in sorted(classes.items())) or "no components"},
        {"factor": "data_gravity", "score": round(gravity, 1), "weight": w["data_gravity"],
         "detail": f"{volume:,.0f} GB held at providers; egress about ${egress:,.0f} at list price"},
        {"factor": "coupling", "score": coupling, "weight": w["coupling"], "detail": f"{n_dependents} dependent system(s)"},
        {"factor": "exit_plan", "score": exit_plan, "weight": w["exit_plan"],
         "detail": "exit plan exists" if exit_plan else "no exit plan"},
        {"factor": "alternatives", "score": alternatives, "weight": w["alternatives"],
         "detail": ", ".join(attrs.get("alternatives") or ()) or "none named"},
        {"factor": "substitutability", "score": subst, "weight": w["substitutability"],
         "detail": subst_value or "not assessed"},
    ]
    total = sum(f["weight"] for f in factors)
    score = round(sum(f["score"] * f["weight"] for f in factors) / total, 1) if total > 0 else 0.0
    return SystemFeasibility(attrs["key"], score, _band(score), factors, volume, egress)
