"""Exit time per system: how many days leaving its providers takes, step by step.

Over the system's own components at external providers (own sites stay where they are):

=============  =======================================================================
step           days
=============  =======================================================================
notice         ``notice_days`` (60: the EU Data Act, art. 25, caps the notice at two
               months); 0 when nothing runs at a provider
refactoring    per distinct service, by its portability class: high 10, medium 30,
               low 90 (a rebuild, not a migration), unknown 45; ``workstreams`` (3)
               services are worked on at once: ``max(longest, sum / workstreams)``
overlap        ``-min(notice, refactoring)``: the notice runs while the target is built
data transfer  data held at providers / ``throughput_tb_per_day`` (10 TB a day, about
               1 Gbit/s sustained)
parallel run   by the system's criticality: critical 30, high 20, medium 10, low 5
=============  =======================================================================

``days`` is the sum of the steps. Beside it: the EU alternatives the catalog names for
each service (or, failing that, for its provider), with their source. Every number lives
in :class:`ExitSettings` and can be changed under ``scoring.exit`` in ``sovmap.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import networkx as nx

from analyzer.closure import Group
from inventory.catalog import Catalog

__all__ = ["ExitSettings", "SystemExit", "score_exit"]


@dataclass(frozen=True)
class ExitSettings:
    #: Sustained transfer rate out of a provider; 10 TB a day is about 1 Gbit/s.
    throughput_tb_per_day: float = 10.0
    #: EU Data Act (Regulation 2023/2854) art. 25: a notice period of at most two months.
    notice_days: float = 60.0
    #: Calendar days to rebuild or move one service, by portability class.
    refactoring_days: Mapping[str, float] = field(default_factory=lambda: MappingProxyType(
        {"high": 10.0, "medium": 30.0, "low": 90.0, "unknown": 45.0}))
    #: Services rebuilt or moved at the same time (teams working in parallel).
    workstreams: int = 3
    #: Days both old and new run side by side before the old is switched off, by criticality.
    parallel_run_days: Mapping[str, float] = field(default_factory=lambda: MappingProxyType(
        {"critical": 30.0, "high": 20.0, "medium": 10.0, "low": 5.0}))


@dataclass
class SystemExit:
    system: str
    days: float
    breakdown: list[dict]
    eu_alternatives: list[dict]

    def as_dict(self) -> dict:
        return {"days": self.days, "breakdown": self.breakdown, "eu_alternatives": self.eu_alternatives}


def _external(G: nx.DiGraph, comp: str) -> tuple[bool, str | None, str | None]:
    """(at a provider, service node, provider node) of a component."""
    service = provider = None
    at_site = False
    nodes, succ = G._node, G._succ  # noqa: SLF001 - plain adjacency dicts: no view per node on large graphs
    for target, d in succ[comp].items():
        if d["type"] not in ("runs_on", "stores_data_in"):
            continue
        kind = nodes[target].get("kind")
        if kind == "service":
            service = target
            provider = next((t for t, d2 in succ[target].items() if d2["type"] == "provided_by"), provider)
        elif kind == "provider":
            provider = target
        elif kind == "site":
            at_site = True
    named = nodes[comp].get("provider") is not None
    return (provider is not None or (named and not at_site)), service, provider


def score_exit(
    G: nx.DiGraph,
    system: str,
    *,
    catalog: Catalog | None = None,
    settings: ExitSettings | None = None,
    criticality: str = "criticality",
    portability: str = "portability",
    group_of: Callable[[str], Group] | None = None,
) -> SystemExit:
    """Days to leave the providers a system runs on, with the steps and the EU alternatives.

    Parameters
    ----------
    G : networkx.DiGraph
        A graph made by :func:`analyzer.graph.build_graph`.
    system : str
        A system node.
    catalog : Catalog, optional
        Where the EU alternatives come from; without it none are listed.
    settings : ExitSettings, optional
    criticality, portability : str
        The system and service node attributes that hold criticality and portability class.
    group_of : callable, optional
        :meth:`analyzer.closure.Rollup.group`: components with equal facts are placed once.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("system:s", kind="system", key="s", criticality="high")
    >>> G.add_node("component:db", kind="component", key="db", provider="p", holds_data=True, data_volume_gb=50_000)
    >>> G.add_node("service:p/sql", kind="service", key="p/sql", portability="medium")
    >>> G.add_node("provider:p", kind="provider", key="p")
    >>> G.add_edge("component:db", "system:s", type="part_of")
    >>> G.add_edge("component:db", "service:p/sql", type="runs_on"); G.add_edge("service:p/sql", "provider:p", type="provided_by")
    >>> ex = score_exit(G, "system:s")
    >>> ex.days, [(b["step"], b["days"]) for b in ex.breakdown]
    (85.0, [('notice', 60.0), ('refactoring', 30.0), ('overlap', -30.0), ('data-transfer', 5.0), ('parallel-run', 20.0)])
    """
    settings = settings or ExitSettings()
    attrs = G.nodes[system]
    comps = sorted(c for c, d in G._pred[system].items() if d["type"] == "part_of")  # noqa: SLF001
    services: dict[str, dict] = {}
    volume = 0.0
    nodes = G._node  # noqa: SLF001 - see _external
    for comp in comps:
        if group_of is None:
            external, service, provider = _external(G, comp)
        else:
            # Components with equal facts sit at the same provider and service.
            external, service, provider = group_of(comp).cached("external", lambda c=comp: _external(G, c))
        if not external:
            continue
        node = nodes[comp]
        key = service or provider or f"provider:{node.get('provider')}"
        entry = services.setdefault(key, {"service": service, "provider": provider, "components": 0})
        entry["components"] += 1
        if node.get("holds_data"):
            volume += float(node.get("data_volume_gb") or 0.0)
    if not services:
        return SystemExit(attrs["key"], 0.0, [{"step": "none", "days": 0.0, "detail": "nothing runs at an external provider"}], [])

    by_class: dict[str, list[str]] = {}
    for key, entry in services.items():
        cls = G.nodes[entry["service"]].get(portability) if entry["service"] else None
        cls = cls if cls in settings.refactoring_days else "unknown"
        by_class.setdefault(cls, []).append(key.split(":", 1)[1])
    total_effort = sum(settings.refactoring_days[c] * len(keys) for c, keys in by_class.items())
    longest = max(settings.refactoring_days[c] for c in by_class)
    refactoring = round(max(longest, total_effort / max(1, settings.workstreams)), 1)
    notice = float(settings.notice_days)
    overlap = -min(notice, refactoring)
    transfer = round(volume / (settings.throughput_tb_per_day * 1000.0), 1)
    crit = attrs.get(criticality) or "medium"
    parallel = float(settings.parallel_run_days.get(crit, settings.parallel_run_days.get("medium", 0.0)))
    order = ("low", "unknown", "medium", "high")
    breakdown = [
        {"step": "notice", "days": notice, "detail": "notice to the provider (EU Data Act art. 25: at most two months)"},
        {"step": "refactoring", "days": float(refactoring), "detail": "; ".join(
            f"{len(by_class[c])} {c} x {settings.refactoring_days[c]:g} days ({', '.join(sorted(by_class[c]))})"
            for c in order if c in by_class) + f"; {total_effort:g} days of work in {settings.workstreams} workstream(s)"},
        {"step": "overlap", "days": overlap, "detail": "the notice runs while the target is built"},
        {"step": "data-transfer", "days": transfer,
         "detail": f"{volume:,.0f} GB held at providers at {settings.throughput_tb_per_day:g} TB a day"},
        {"step": "parallel-run", "days": parallel, "detail": f"old and new side by side ({crit} system)"},
    ]
    days = round(sum(b["days"] for b in breakdown), 1)
    return SystemExit(attrs["key"], days, breakdown, _alternatives(G, services, catalog))


def _alternatives(G: nx.DiGraph, services: Mapping[str, dict], catalog: Catalog | None) -> list[dict]:
    if catalog is None:
        return []
    out = []
    for key in sorted(services):
        entry = services[key]
        label = key.split(":", 1)[1]
        row = {"service": label, "components": entry["components"], "alternatives": [], "from": None, "source": None, "as_of": None}
        service = catalog.service(*label.split("/", 1)) if entry["service"] else None
        provider = catalog.provider(G.nodes[entry["provider"]]["key"]) if entry["provider"] else None
        if service is not None and service.eu_alternatives:
            row.update(alternatives=list(service.eu_alternatives), source=service.source, as_of=service.as_of.isoformat())
            row["from"] = "service"
        elif provider is not None and provider.eu_alternatives:
            row.update(alternatives=list(provider.eu_alternatives), source=provider.source, as_of=provider.as_of.isoformat())
            row["from"] = "provider"
        out.append(row)
    return out
