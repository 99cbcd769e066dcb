"""Concentration: the Herfindahl-Hirschman index at provider, ultimate parent and jurisdiction level.

For level L, each key k (a provider, an ultimate parent, a jurisdiction) gets the weight
``W_k = sum of weight(s)`` over the systems s that depend on k directly or transitively,
with weight critical=4, high=3, medium=2, low=1. Then ``share_k = W_k / sum_j W_j`` and
``HHI = sum_k (100 * share_k) ** 2``, in 0..10000. Bands: below 1000 low, 1000 to 1800
moderate, above 1800 high (the thresholds of the US 2023 merger guidelines; DORA asks
about concentration but prescribes no measure).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import networkx as nx

from analyzer.closure import Rollup
from inventory.records import CRITICALITY_WEIGHT

LEVELS = ("provider", "parent", "jurisdiction")
OWN = "own"

__all__ = ["LEVELS", "Concentration", "band", "component_keys", "compose_keys", "hhi", "score_concentration"]

#: Per system, per level: the keys it depends on and whether some component's key is unknown.
SystemKeys = dict[str, tuple[frozenset[str], bool]]


def hhi(weights: Mapping[str, float]) -> float:
    """The Herfindahl-Hirschman index of a set of weights, in 0..10000.

    >>> hhi({"aws": 1})
    10000.0
    >>> hhi({"a": 1, "b": 1, "c": 1, "d": 1})
    2500.0
    >>> hhi({})
    0.0
    """
    total = sum(weights.values())
    if total <= 0:
        return 0.0
    return float(sum((100.0 * w / total) ** 2 for w in weights.values()))


def band(value: float) -> str:
    """The band of an HHI value.

    >>> band(999.9), band(1000), band(1800), band(1800.1)
    ('low', 'moderate', 'moderate', 'high')
    """
    if value < 1000:
        return "low"
    if value <= 1800:
        return "moderate"
    return "high"


def _follow(G: nx.DiGraph, node: str, edge_type: str) -> str | None:
    return next((t for _, t, d in G.out_edges(node, data=True) if d["type"] == edge_type), None)


def _top(G: nx.DiGraph, entity: str) -> str:
    seen = {entity}
    while (parent := _follow(G, entity, "controlled_by")) is not None and parent not in seen:
        seen.add(parent)
        entity = parent
    return entity


def component_keys(G: nx.DiGraph, comp: str) -> dict[str, str | None]:
    """The provider, ultimate parent and jurisdiction a component depends on.

    Own data centres count as the provider ``own`` (or the colocation entity that runs
    the site); a provider the catalog does not know gives ``None`` at every level.
    """
    provider = parent = jurisdiction = None
    region_entity = None
    for _, target, data in G.out_edges(comp, data=True):
        if data["type"] not in ("runs_on", "stores_data_in"):
            continue
        kind = G.nodes[target]["kind"]
        if kind == "service":
            provider = _follow(G, target, "provided_by")
        elif kind == "provider":
            provider = target
        elif kind == "region":
            region_entity = _follow(G, target, "operated_by")
        elif kind == "site" and provider is None:
            entity = _follow(G, target, "operated_by")
            if entity is not None:
                provider = parent = _top(G, entity)
            else:
                provider = parent = OWN
                country = _follow(G, target, "located_in")
                jurisdiction = country.split(":", 1)[1] if country else None
    if provider is None or provider == OWN:
        return {"provider": provider, "parent": parent, "jurisdiction": jurisdiction}
    if parent is None:
        entity = region_entity or _follow(G, provider, "contracts_via")
        parent = _top(G, entity) if entity else None
    if parent is not None and parent != OWN and jurisdiction is None:
        country = _follow(G, parent, "headquartered_in")
        jurisdiction = country.split(":", 1)[1] if country else None
    strip = lambda n: n.split(":", 1)[1] if n and ":" in n else n  # noqa: E731
    return {"provider": strip(provider), "parent": strip(parent), "jurisdiction": jurisdiction}


@dataclass
class Concentration:
    by: str
    hhi: float
    band: str
    shares: list[dict] = field(default_factory=list)  # {key, share, weight, systems}
    unknown_systems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"by": self.by, "hhi": round(self.hhi, 1), "band": self.band, "shares": self.shares,
                "unknown_systems": self.unknown_systems}


def compose_keys(rollup: Rollup) -> dict[str, SystemKeys]:
    """Per system (in ``rollup`` order), the keys at every level of everything it rests on.

    A system's keys are those of the groups of its local closure joined with the keys of
    the systems it depends on (see :mod:`analyzer.closure`).
    """
    G = rollup.G
    out: dict[str, SystemKeys] = {}
    for system in rollup.order:
        _, deps = rollup.parts(system)
        keys: dict[str, set[str]] = {level: set() for level in LEVELS}
        unknown = dict.fromkeys(LEVELS, False)
        for group in rollup.representatives(system):
            ck = group.cached("keys", lambda g=group: component_keys(G, g.rep))
            for level in LEVELS:
                if ck[level] is None:
                    unknown[level] = True
                else:
                    keys[level].add(ck[level])
        for dep in deps:
            for level, (sub, sub_unknown) in out[dep].items():
                keys[level] |= sub
                unknown[level] = unknown[level] or sub_unknown
        out[system] = {level: (frozenset(keys[level]), unknown[level]) for level in LEVELS}
    return out


def score_concentration(
    G: nx.DiGraph,
    by: str = "provider",
    *,
    weight: str = "criticality",
    keys: Mapping[str, SystemKeys] | None = None,
) -> Concentration:
    """Concentration of the estate at one level.

    Parameters
    ----------
    G : networkx.DiGraph
        A graph made by :func:`analyzer.graph.build_graph`.
    by : {"provider", "parent", "jurisdiction"}
    weight : str
        The system node attribute holding criticality (critical=4 .. low=1).
    keys : mapping, optional
        ``system node -> level -> (keys, unknown)``, as made by :func:`compose_keys`;
        computed when not given.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("system:s", kind="system", key="s", criticality="critical")
    >>> G.add_node("component:c", kind="component"); G.add_node("provider:p", kind="provider")
    >>> G.add_edge("component:c", "system:s", type="part_of")
    >>> G.add_edge("component:c", "provider:p", type="runs_on")
    >>> score_concentration(G, "provider").hhi
    10000.0
    """
    if by not in LEVELS:
        raise ValueError(f"by must be one of {', '.join(LEVELS)}")
    if keys is None:
        keys = compose_keys(Rollup(G))
    weights: dict[str, float] = {}
    systems_of: dict[str, list[str]] = {}
    unknown: list[str] = []
    for system, attrs in G.nodes(data=True):
        if attrs.get("kind") != "system":
            continue
        found, saw_unknown = keys[system][by]
        w = CRITICALITY_WEIGHT.get(attrs.get(weight), 1)
        for k in found:
            weights[k] = weights.get(k, 0) + w
            systems_of.setdefault(k, []).append(attrs["key"])
        if saw_unknown:
            unknown.append(attrs["key"])
    total = sum(weights.values())
    value = hhi(weights)
    shares = [
        {"key": k, "share": round(w / total, 4), "weight": w, "systems": sorted(systems_of[k])}
        for k, w in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return Concentration(by, value, band(value) if total else "low", shares, sorted(unknown))
