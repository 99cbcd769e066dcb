"""Data for the dashboard pages and the exports: plain functions over the store and the graph.

No Streamlit here, so every function is testable on its own; ``dashboards.state`` adds
caching for the running app, and ``sovmap.exports`` builds its files from the same tables.
Frames hold plain values (text, numbers, lists); whatever a page shows, an export can write.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import networkx as nx
import pandas as pd

from analyzer.snapshot import SnapshotGraph, load_snapshot_graph
from dashboards.geo import country_name, iso3
from inventory.records import CRITICALITY_WEIGHT
from inventory.store import Store
from scoring.concentration import LEVELS, component_keys
from scoring.feasibility import all_dependents

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
STATUS_ORDER = {"implicit": 0, "expired": 1, "stated": 2}
CRITICALITIES = ("critical", "high", "medium", "low")
CLASSIFICATIONS = ("secret", "confidential", "internal", "public")
SEAL_NAMES = {
    0: "SEAL-0 no sovereignty", 1: "SEAL-1 jurisdictional", 2: "SEAL-2 data sovereignty",
    3: "SEAL-3 digital resilience", 4: "SEAL-4 full sovereignty",
}
#: The provider key of components whose provider the catalog does not know.
UNKNOWN = "UNKNOWN"

__all__ = [
    "CLASSIFICATIONS",
    "CRITICALITIES",
    "SEAL_NAMES",
    "SEVERITY_ORDER",
    "STATUS_ORDER",
    "UNKNOWN",
    "EstateIndex",
    "GraphView",
    "SnapshotGraph",
    "acceptances_frame",
    "blast_radius",
    "build_estate_index",
    "build_graph_view",
    "changes",
    "concentration_frame",
    "concentration_levels",
    "evidence_summary",
    "exit_alternatives_frame",
    "exit_breakdown_frame",
    "exposure_frame",
    "findings_frame",
    "geo_frame",
    "load_snapshot_graph",
    "migration_frame",
    "node_details",
    "overview",
    "pending_acceptances",
    "snapshot_choices",
    "sovereignty_frame",
    "spof_frame",
    "systems_frame",
]


# -- snapshots, findings, exposure ------------------------------------------------------
def snapshot_choices(store: Store) -> list[dict]:
    """Snapshots newest first, for the picker."""
    return list(reversed(store.snapshots()))


def evidence_summary(finding: dict[str, Any]) -> str:
    """One line that says why a finding exists: channels and laws, or the unknown field.

    >>> evidence_summary({"evidence": {"via": [{"kind": "legal-entity", "path": []}], "laws": ["us-cloud-act"]}})
    'via legal-entity; laws: us-cloud-act'
    """
    ev = finding.get("evidence") or {}
    parts = []
    if ev.get("via"):
        parts.append("via " + ", ".join(sorted({v["kind"] for v in ev["via"]})))
    if ev.get("laws"):
        parts.append("laws: " + ", ".join(ev["laws"]))
    if ev.get("resolution") == "UNKNOWN":
        parts.append(f"{ev.get('field')} '{ev.get('value')}' UNKNOWN")
    if ev.get("systems"):
        parts.append(f"{len(ev['systems'])} systems")
    if "score" in ev and not parts:
        parts.append(f"score {ev['score']}")
    return "; ".join(parts)


FINDING_COLUMNS = ["id", "status", "severity", "type", "system", "criticality", "jurisdiction", "finding",
                   "evidence", "acceptance"]


def _criticality_of(store: Store, snapshot_id: int) -> dict[str, str]:
    return {k: e["criticality"] for k, e in store.score_fields(snapshot_id, "exposure", ["criticality"]).items()}


def findings_frame(store: Store, snapshot_id: int, status: str | None = None) -> pd.DataFrame:
    """Findings, implicit and severe first, with the criticality of their system."""
    crit = _criticality_of(store, snapshot_id)
    rows = store.findings(snapshot_id, status=status)
    frame = pd.DataFrame(
        [
            {
                "id": r["id"], "status": r["status"], "severity": r["severity"], "type": r["type"],
                "system": r["system"], "criticality": crit.get(r["system"]) if r["system"] else None,
                "jurisdiction": (r["scope"] or {}).get("jurisdiction"), "finding": r["title"],
                "evidence": evidence_summary(r), "acceptance": r["acceptance_id"],
            }
            for r in rows
        ],
        columns=FINDING_COLUMNS,
    )
    if frame.empty:
        return frame
    frame["_s"] = frame["status"].map(STATUS_ORDER)
    frame["_v"] = frame["severity"].map(SEVERITY_ORDER)
    return frame.sort_values(["_s", "_v", "id"]).drop(columns=["_s", "_v"]).reset_index(drop=True)


def exposure_frame(store: Store, snapshot_id: int) -> pd.DataFrame:
    """Legal exposure per system, the most exposed first."""
    rows = []
    for e in store.scores(snapshot_id, "exposure").values():
        foreign = [j for j in e["jurisdictions"] if j["foreign"]]
        rows.append({
            "system": e["system"], "name": e["name"], "criticality": e["criticality"],
            "classification": e["classification"],
            "data countries": ", ".join(e["data_countries"]) or "-",
            "foreign jurisdictions": ", ".join(
                f"{j['code']} ({', '.join(v['kind'] for v in j['via'])})" for j in foreign
            ) or "-",
            "confidentiality": e["confidentiality"]["score"], "availability": e["availability"]["score"],
            "confidentiality level": e["confidentiality"]["level"], "availability level": e["availability"]["level"],
            "unresolved": len(e.get("unresolved") or []),
        })
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    return frame.sort_values(["confidentiality", "availability", "system"], ascending=[False, False, True]).reset_index(drop=True)


def sovereignty_frame(store: Store, snapshot_id: int) -> pd.DataFrame:
    """SEAL level (0-4) and score (0-100) per system; empty when the snapshot has none."""
    # Only the fields shown: a system's sovereignty evidence is tens of KB on a large estate.
    exposure = store.score_fields(snapshot_id, "exposure", ["name", "criticality"])
    rows = []
    for key, s in store.score_fields(snapshot_id, "sovereignty", ["seal", "score"]).items():
        e = exposure.get(key, {})
        rows.append({
            "system": key, "name": e.get("name") or key, "criticality": e.get("criticality"),
            "seal": s.get("seal"), "score": s.get("score"),
            "level": SEAL_NAMES.get(s.get("seal")),
        })
    frame = pd.DataFrame(rows, columns=["system", "name", "criticality", "seal", "score", "level"])
    if frame.empty:
        return frame
    return frame.sort_values(["seal", "score", "system"]).reset_index(drop=True)


def overview(store: Store, snapshot_id: int) -> dict[str, Any]:
    """Headline figures of one snapshot, and the change since the snapshot before it."""
    snap = store.snapshot(snapshot_id)
    counts = store.finding_counts(snapshot_id)
    previous_id = _previous_snapshot(store, snapshot_id)
    previous = store.finding_counts(previous_id) if previous_id is not None else None
    return {
        "snapshot": snap,
        "previous_id": previous_id,
        "implicit": counts.get("implicit", 0),
        "expired": counts.get("expired", 0),
        "stated": counts.get("stated", 0),
        "implicit_delta": counts.get("implicit", 0) - previous.get("implicit", 0) if previous is not None else None,
        "systems": snap["counts"].get("systems", 0),
        "components": snap["counts"].get("components", 0),
        "coverage_gaps": [c for c in snap["coverage"] or [] if c["status"] != "read"],
    }


def _previous_snapshot(store: Store, snapshot_id: int) -> int | None:
    earlier = [s["id"] for s in store.snapshots() if s["id"] < snapshot_id]
    return earlier[-1] if earlier else None


def changes(store: Store, snapshot_id: int) -> dict[str, Any]:
    """What changed since the previous snapshot: findings new, gone and with a new status.

    Finding ids are stable across snapshots (``type:system:qualifier``), so the
    difference is a comparison of ids.
    """
    previous_id = _previous_snapshot(store, snapshot_id)
    empty = pd.DataFrame(columns=["id", "severity", "type", "system", "finding", "was", "now"])
    if previous_id is None:
        return {"previous_id": None, "new": empty, "gone": empty, "status": empty, "systems_added": [], "systems_removed": []}
    now = {r["id"]: r for r in store.findings(snapshot_id)}
    before = {r["id"]: r for r in store.findings(previous_id)}

    def frame(ids: Iterable[str], source: Mapping[str, dict], other: Mapping[str, dict]) -> pd.DataFrame:
        rows = [{"id": i, "severity": source[i]["severity"], "type": source[i]["type"], "system": source[i]["system"],
                 "finding": source[i]["title"], "was": other[i]["status"] if i in other else None,
                 "now": source[i]["status"] if source is now else None} for i in ids]
        out = pd.DataFrame(rows, columns=empty.columns)
        if out.empty:
            return out
        return out.assign(_v=out["severity"].map(SEVERITY_ORDER)).sort_values(["_v", "id"]).drop(columns="_v").reset_index(drop=True)

    systems_now = set(store.score_fields(snapshot_id, "exposure", ()))
    systems_before = set(store.score_fields(previous_id, "exposure", ()))
    return {
        "previous_id": previous_id,
        "new": frame(sorted(now.keys() - before.keys()), now, before),
        "gone": frame(sorted(before.keys() - now.keys()), before, now),
        "status": frame(sorted(i for i in now.keys() & before.keys() if now[i]["status"] != before[i]["status"]), now, before),
        "systems_added": sorted(systems_now - systems_before),
        "systems_removed": sorted(systems_before - systems_now),
    }


# -- concentration, migration --------------------------------------------------------
def concentration_levels(store: Store, snapshot_id: int) -> dict[str, dict]:
    """The stored concentration per level (provider, parent, jurisdiction), in that order."""
    stored = store.scores(snapshot_id, "concentration")
    return {level: stored[level] for level in LEVELS if level in stored}


def concentration_frame(store: Store, snapshot_id: int, level: str) -> pd.DataFrame:
    """Shares at one level: key, share, weight and the systems that depend on it."""
    data = store.scores(snapshot_id, "concentration", level).get(level)
    columns = ["key", "share", "weight", "systems", "system list"]
    if data is None:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(
        [{"key": s["key"], "share": s["share"], "weight": s["weight"], "systems": len(s["systems"]),
          "system list": ", ".join(s["systems"])} for s in data["shares"]],
        columns=columns,
    )


def spof_frame(store: Store, snapshot_id: int) -> pd.DataFrame:
    """Single points of failure: shared components whose loss cuts critical systems off."""
    rows = [
        {"component": f["scope"].get("component"), "owner system": f["system"], "severity": f["severity"],
         "status": f["status"], "systems": len(f["evidence"].get("systems", [])),
         "system list": ", ".join(f["evidence"].get("systems", [])), "finding": f["title"], "acceptance": f["acceptance_id"]}
        for f in store.findings(snapshot_id) if f["type"] == "single-point-of-failure"
    ]
    frame = pd.DataFrame(rows, columns=["component", "owner system", "severity", "status", "systems", "system list",
                                        "finding", "acceptance"])
    if frame.empty:
        return frame
    return frame.sort_values(["systems", "component"], ascending=[False, True]).reset_index(drop=True)


def _factor(feas: dict, name: str) -> dict:
    return next((f for f in feas.get("factors", []) if f["factor"] == name), {})


def migration_frame(store: Store, snapshot_id: int) -> pd.DataFrame:
    """Per system: feasibility against criticality, exit time, alternatives, data to move."""
    exposure = store.scores(snapshot_id, "exposure")
    rows = []
    for key, f in store.scores(snapshot_id, "feasibility").items():
        e = exposure.get(key, {})
        exit_ = f.get("exit") or {}
        named = _factor(f, "alternatives").get("detail")
        rows.append({
            "system": key, "name": e.get("name", key), "criticality": e.get("criticality"),
            "feasibility": f["score"], "band": f["band"],
            "exit days": exit_.get("days"),
            "alternatives named": None if named in (None, "none named") else named,
            "EU alternatives": ", ".join(_alternative_names(exit_.get("eu_alternatives"))) or None,
            "data GB": f.get("data_volume_gb"), "egress USD": f.get("egress_cost_usd"),
            "portability": _factor(f, "portability").get("detail"),
            "exit plan": _factor(f, "exit_plan").get("score") == 100.0,
        })
    frame = pd.DataFrame(rows, columns=["system", "name", "criticality", "feasibility", "band", "exit days",
                                        "alternatives named", "EU alternatives", "data GB", "egress USD",
                                        "portability", "exit plan"])
    if frame.empty:
        return frame
    frame["_c"] = frame["criticality"].map({c: i for i, c in enumerate(CRITICALITIES)})
    return frame.sort_values(["_c", "feasibility", "system"]).drop(columns="_c").reset_index(drop=True)


def _alternative_names(entries: Iterable[Any] | None) -> list[str]:
    """Alternatives named by the catalog for a system's services, each once.

    >>> _alternative_names([{"service": "aws/s3", "alternatives": ["ovhcloud", "ionos"]}, {"alternatives": ["ionos"]}])
    ['ovhcloud', 'ionos']
    """
    names: dict[str, None] = {}
    for entry in entries or ():
        for name in (entry.get("alternatives") or ()) if isinstance(entry, Mapping) else (entry,):
            names[str(name)] = None
    return list(names)


def exit_alternatives_frame(store: Store, snapshot_id: int, system: str) -> pd.DataFrame:
    """Per service of a system: the EU alternatives the catalog names, with their source."""
    f = store.scores(snapshot_id, "feasibility", system).get(system) or {}
    rows = [
        {"service": e.get("service"), "components": e.get("components"), "alternatives": ", ".join(e.get("alternatives") or ()),
         "named for": e.get("from"), "source": e.get("source"), "as of": e.get("as_of")}
        for e in (f.get("exit") or {}).get("eu_alternatives") or () if isinstance(e, Mapping)
    ]
    return pd.DataFrame(rows, columns=["service", "components", "alternatives", "named for", "source", "as of"])


def exit_breakdown_frame(store: Store, snapshot_id: int, system: str) -> pd.DataFrame:
    """The steps of one system's exit and their days; empty when the snapshot has no exit time."""
    f = store.scores(snapshot_id, "feasibility", system).get(system) or {}
    steps = (f.get("exit") or {}).get("breakdown") or []
    return pd.DataFrame([{"step": s["step"], "days": s["days"], "detail": s.get("detail")} for s in steps],
                        columns=["step", "days", "detail"])


def systems_frame(store: Store, snapshot_id: int) -> pd.DataFrame:
    """One row per system: exposure, feasibility, exit time and sovereignty level side by side."""
    exp = exposure_frame(store, snapshot_id)
    if exp.empty:
        return exp
    mig = migration_frame(store, snapshot_id)[["system", "feasibility", "band", "exit days"]]
    sov = sovereignty_frame(store, snapshot_id)[["system", "seal", "score"]].rename(columns={"score": "sovereignty score"})
    return exp.merge(mig, on="system", how="left").merge(sov, on="system", how="left")


# -- jurisdictions on a map -------------------------------------------------------------
def geo_frame(
    store: Store,
    snapshot_id: int,
    *,
    classifications: Iterable[str] | None = None,
    criticalities: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Per country: the systems whose data sits there and the systems it reaches by law.

    Only systems of the given classifications and criticalities count (all when None).
    ``data systems`` hold data in the country; ``reached systems`` are reached by its
    jurisdiction through any channel (location, legal entity, control plane, operator...).
    """
    classes = set(classifications) if classifications is not None else None
    crits = set(criticalities) if criticalities is not None else None
    data: dict[str, set[str]] = {}
    reached: dict[str, set[str]] = {}
    vias: dict[str, set[str]] = {}
    foreign: dict[str, bool] = {}
    bloc: dict[str, str | None] = {}
    for key, e in store.scores(snapshot_id, "exposure").items():
        if classes is not None and e["classification"] not in classes:
            continue
        if crits is not None and e["criticality"] not in crits:
            continue
        for code in e["data_countries"]:
            data.setdefault(code, set()).add(key)
        for j in e["jurisdictions"]:
            reached.setdefault(j["code"], set()).add(key)
            vias.setdefault(j["code"], set()).update(v["kind"] for v in j["via"])
            foreign[j["code"]] = j["foreign"]
            bloc[j["code"]] = j.get("bloc")
    rows = [
        {"code": code, "iso3": iso3(code), "country": country_name(code), "bloc": bloc.get(code),
         "foreign": foreign.get(code, False), "data systems": len(data.get(code, ())),
         "reached systems": len(reached.get(code, ())), "via": ", ".join(sorted(vias.get(code, ()))),
         "systems with data there": ", ".join(sorted(data.get(code, ())))}
        for code in sorted(set(data) | set(reached))
    ]
    return pd.DataFrame(rows, columns=["code", "iso3", "country", "bloc", "foreign", "data systems", "reached systems",
                                       "via", "systems with data there"])


# -- the risk register -------------------------------------------------------------------
def acceptances_frame(store: Store, snapshot_id: int) -> pd.DataFrame:
    """Register entries as the snapshot read them: state (current, expired, stale) and what they cover."""
    snap = store.snapshot(snapshot_id)
    as_of: date = snap["as_of"]
    stale = {e["id"] for e in (store.scores(snapshot_id, "register").get("stale") or {}).get("entries", [])}
    covered = Counter(f["acceptance_id"] for f in store.findings(snapshot_id) if f["acceptance_id"])
    rows = []
    for a in store.acceptances(snapshot_id):
        state = "stale" if a["id"] in stale else "expired" if a["review_by"] and a["review_by"] < as_of else "current"
        rows.append({
            "id": a["id"], "risk": a["risk"], "scope": ", ".join(f"{k}={v}" for k, v in sorted(a["scope"].items())),
            "owner": a["owner"], "state": state, "findings covered": covered.get(a["id"], 0),
            "decided on": a["decided_on"], "review by": a["review_by"], "rationale": a["rationale"],
            "recorded by": a.get("recorded_by"), "recorded at": a.get("recorded_at"), "origin": a["origin"],
        })
    return pd.DataFrame(rows, columns=["id", "risk", "scope", "owner", "state", "findings covered", "decided on",
                                       "review by", "rationale", "recorded by", "recorded at", "origin"])


def pending_acceptances(store: Store, snapshot_id: int) -> pd.DataFrame:
    """Acceptances recorded from the dashboard that this snapshot has not read yet."""
    known = {a["id"] for a in store.acceptances(snapshot_id)}
    snap_time = store.snapshot(snapshot_id)["created_at"]
    rows = [
        {"id": e["acceptance_id"], "risk": e["entry"].get("risk"),
         "scope": ", ".join(f"{k}={v}" for k, v in sorted((e["entry"].get("scope") or {}).items())),
         "owner": e["entry"].get("owner"), "review by": e["entry"].get("review_by"),
         "recorded by": e["by"], "recorded at": e["at"], "file": e["file"]}
        for e in store.register_events()
        if e["action"] == "accept" and e["acceptance_id"] not in known and _naive(e["at"]) >= _naive(snap_time)
    ]
    return pd.DataFrame(rows, columns=["id", "risk", "scope", "owner", "review by", "recorded by", "recorded at", "file"])


def _naive(value):
    # SQLite hands back naive datetimes, PostgreSQL aware ones; both are UTC here.
    return value.replace(tzinfo=None) if getattr(value, "tzinfo", None) else value


def rebuild_days(hit: Mapping, exit_days: Mapping[str, float] | None) -> float | None:
    """How long a system hit by a scenario without end stays down: until what it rests on is rebuilt.

    That is the longest exit time (days) of the systems on its path to what was hit, its
    own included; None when none is known.

    >>> rebuild_days({"system": "b", "path": ["system:b", "system:a", "component:x"]}, {"a": 120.0, "b": 0.0})
    120.0
    """
    if not exit_days:
        return None
    on_path = [hit["system"], *(str(n).split(":", 1)[1] for n in hit.get("path") or () if str(n).startswith("system:"))]
    known = [float(exit_days[s]) for s in on_path if exit_days.get(s) is not None and not pd.isna(exit_days[s])]
    positive = [d for d in known if d > 0]
    return max(positive) if positive else None


# -- the graph -----------------------------------------------------------------------------
@dataclass
class EstateIndex:
    """The estate aggregated to systems, providers and countries: what the explorer draws.

    Built once per snapshot from the graph; a provider is ``UNKNOWN`` when the catalog
    does not know it, ``own`` for own data centres.
    """

    systems: dict[str, dict] = field(default_factory=dict)  # key -> name, criticality, classification
    components: dict[str, list[str]] = field(default_factory=dict)  # system -> its component keys
    system_providers: dict[str, Counter] = field(default_factory=dict)  # system -> provider -> components
    provider_countries: dict[str, dict[str, set[str]]] = field(default_factory=dict)  # provider -> country -> how
    uses: dict[str, set[str]] = field(default_factory=dict)  # system -> systems it depends on
    component_keys: dict[str, dict] = field(default_factory=dict)  # component key -> provider, service, region, country


#: The edges that place a component: what it runs on and where it stores data.
_PLACED = frozenset({"runs_on", "stores_data_in"})


def _location_country(G: nx.DiGraph, comp: str) -> str | None:
    for _, place, d in G.out_edges(comp, data=True):
        if d["type"] in _PLACED and G.nodes[place].get("kind") in ("region", "site"):
            for _, country, d2 in G.out_edges(place, data=True):
                if d2["type"] == "located_in":
                    return country.split(":", 1)[1]
    return None


def build_estate_index(G: nx.DiGraph) -> EstateIndex:
    """Aggregate a graph made by :func:`analyzer.graph.build_graph` for the explorer.

    >>> G = nx.DiGraph()
    >>> G.add_node("system:s", kind="system", key="s", name="S", criticality="high", classification="internal")
    >>> G.add_node("component:c", kind="component", key="c", system="s", provider="acme", service=None, region=None)
    >>> G.add_edge("component:c", "system:s", type="part_of")
    >>> idx = build_estate_index(G)
    >>> dict(idx.system_providers["s"])
    {'UNKNOWN': 1}
    """
    idx = EstateIndex()
    for node, a in G.nodes(data=True):
        if a.get("kind") == "system":
            idx.systems[a["key"]] = {"name": a.get("name", a["key"]), "criticality": a.get("criticality", "medium"),
                                     "classification": a.get("classification", "internal")}
            idx.components.setdefault(a["key"], [])
            idx.uses.setdefault(a["key"], set())
    succ = G.succ
    # Components placed on the same services, regions and sites have the same provider,
    # jurisdiction and country: looked up once per placement, not once per component.
    by_placement: dict[tuple[str, ...], tuple[dict, str | None]] = {}
    for node, a in G.nodes(data=True):
        if a.get("kind") != "component":
            continue
        placement = tuple(t for t, d in succ[node].items() if d["type"] in _PLACED)
        found = by_placement.get(placement)
        if found is None:
            found = by_placement[placement] = (component_keys(G, node), _location_country(G, node))
        keys, country = found
        provider = keys["provider"] or UNKNOWN
        idx.component_keys[a["key"]] = {"provider": provider, "service": a.get("service"), "region": a.get("region") or a.get("site"),
                                        "country": country, "holds_data": bool(a.get("holds_data")), "system": a.get("system")}
        places = idx.provider_countries.setdefault(provider, {})
        if country:
            places.setdefault(country, set()).add("location")
        if keys["jurisdiction"] and provider != "own":
            places.setdefault(keys["jurisdiction"], set()).add("legal-entity")
        owner = a.get("system")
        if owner is None or owner not in idx.systems:
            continue
        idx.components[owner].append(a["key"])
        idx.system_providers.setdefault(owner, Counter())[provider] += 1
    # Which systems each system uses: the dependents relation the feasibility score counts, turned round.
    for used, users in all_dependents(G).items():
        for user in users:
            idx.uses[user.split(":", 1)[1]].add(used.split(":", 1)[1])
    return idx


def _dependents(idx: EstateIndex, start: Iterable[str]) -> dict[str, int]:
    """Systems that depend on any of ``start``, transitively, with their distance (start = 0)."""
    users: dict[str, set[str]] = {}
    for s, deps in idx.uses.items():
        for d in deps:
            users.setdefault(d, set()).add(s)
    dist = {s: 0 for s in start}
    queue = deque(dist)
    while queue:
        s = queue.popleft()
        for u in users.get(s, ()):
            if u not in dist:
                dist[u] = dist[s] + 1
                queue.append(u)
    return dist


def blast_radius(idx: EstateIndex, kind: str, key: str) -> dict[str, int]:
    """Systems hit when a system, provider or jurisdiction is lost, with their distance.

    Distance 0: the system itself, or the systems with components on the provider or
    in the jurisdiction (by location or by the provider's legal chain); each dependency
    step further adds one.
    """
    if kind == "system":
        return _dependents(idx, [key]) if key in idx.systems else {}
    if kind == "provider":
        direct = [s for s, provs in idx.system_providers.items() if key in provs]
    elif kind == "jurisdiction":
        provs = {p for p, places in idx.provider_countries.items() if key in places}
        direct = []
        for s, comps in idx.components.items():
            if any(idx.component_keys[c]["country"] == key for c in comps) or provs & set(idx.system_providers.get(s, ())):
                direct.append(s)
    else:
        raise ValueError(f"kind must be system, provider or jurisdiction, not {kind!r}")
    return _dependents(idx, direct)


@dataclass
class GraphView:
    """What the explorer draws: nodes in columns, edges between them, what was left out."""

    nodes: list[dict] = field(default_factory=list)  # id, label, kind, column, hit, detail
    edges: list[dict] = field(default_factory=list)  # source, target, label, kind
    columns: list[str] = field(default_factory=list)
    hidden: dict[str, int] = field(default_factory=dict)  # column title -> nodes left out
    hit: dict[str, int] = field(default_factory=dict)  # systems in the blast radius -> distance


def _rank_systems(idx: EstateIndex, keys: Iterable[str], hit: Mapping[str, int]) -> list[str]:
    return sorted(keys, key=lambda s: (hit.get(s, 99), -CRITICALITY_WEIGHT.get(idx.systems[s]["criticality"], 1), s))


def build_graph_view(
    idx: EstateIndex,
    focus: tuple[str, str] | None = None,
    *,
    components: bool = False,
    per_column: int = 25,
) -> GraphView:
    """A readable view of the estate, or of one system, provider or jurisdiction.

    Parameters
    ----------
    idx : EstateIndex
    focus : (kind, key), optional
        ``("system", id)``, ``("provider", key)`` or ``("jurisdiction", code)``; the whole
        estate, aggregated, when None.
    components : bool
        With a system in focus: draw its components (drill-down) instead of its providers.
    per_column : int
        Nodes drawn per column at most; the rest are counted in one "+ N more" node, so
        that no view ever draws more than ``5 * (per_column + 1)`` nodes.

    Examples
    --------
    >>> idx = EstateIndex(systems={"a": {"name": "A", "criticality": "high", "classification": "internal"}},
    ...                   components={"a": ["c"]}, system_providers={"a": Counter({"aws": 1})},
    ...                   provider_countries={"aws": {"US": {"legal-entity"}}}, uses={"a": set()})
    >>> view = build_graph_view(idx, ("provider", "aws"))
    >>> [(n["id"], n["hit"]) for n in view.nodes]
    [('system:a', True), ('provider:aws', True), ('jurisdiction:US', False)]
    """
    kind, key = focus if focus else (None, None)
    hit = blast_radius(idx, kind, key) if focus else {}
    view = GraphView(hit=hit)
    edges: list[tuple[str, str, str, str]] = []

    placed: set[str] = set()

    def take(title: str, prefix: str, keys: list[str]) -> list[str]:
        # A system in a dependency cycle would stand in two columns: draw it once.
        keys = [k for k in keys if f"{prefix}:{k}" not in placed]
        if len(keys) > per_column:
            view.hidden[title] = len(keys) - per_column
            keys = keys[:per_column]
        column = len(view.columns)
        view.columns.append(title)
        for k in keys:
            node = f"{prefix}:{k}"
            placed.add(node)
            if prefix == "system":
                text, crit, is_hit = idx.systems[k]["name"], idx.systems[k]["criticality"], k in hit
            else:
                text, crit, is_hit = k, None, focus == (prefix, k)
            view.nodes.append({"id": node, "label": text, "kind": prefix, "column": column, "hit": is_hit, "criticality": crit})
        if title in view.hidden:
            view.nodes.append({"id": f"more:{column}", "label": f"+ {view.hidden[title]} more", "kind": "more",
                               "column": column, "hit": False, "criticality": None})
        return keys

    def provider_edges(systems: Iterable[str], providers: set[str]) -> None:
        for s in systems:
            for p, n in idx.system_providers.get(s, {}).items():
                if p in providers:
                    edges.append((f"system:{s}", f"provider:{p}", f"{n} component(s)", "runs_on"))

    def country_edges(providers: Iterable[str], countries: set[str]) -> None:
        for p in providers:
            for c, how in idx.provider_countries.get(p, {}).items():
                if c in countries:
                    edges.append((f"provider:{p}", f"jurisdiction:{c}", ", ".join(sorted(how)), "reach"))

    def dependency_edges(sources: Iterable[str], targets: set[str]) -> None:
        for s in sources:
            for d in idx.uses.get(s, ()):
                if d in targets:
                    edges.append((f"system:{s}", f"system:{d}", "depends on", "depends_on"))

    if kind is None:
        systems = take("systems", "system", _rank_systems(idx, idx.systems, {}))
        weight: Counter = Counter()
        for s in idx.systems:
            for p in idx.system_providers.get(s, {}):
                weight[p] += CRITICALITY_WEIGHT.get(idx.systems[s]["criticality"], 1)
        providers = take("providers", "provider", [p for p, _ in weight.most_common()])
        countries = take("jurisdictions", "jurisdiction", sorted({c for p in providers for c in idx.provider_countries.get(p, {})}))
        provider_edges(systems, set(providers))
        country_edges(providers, set(countries))
    elif kind == "system":
        dependents = take("systems that depend on it", "system", _rank_systems(idx, [s for s in hit if s != key], hit))
        take("system", "system", [key])
        upstream = take("systems it uses", "system", _rank_systems(idx, idx.uses.get(key, set()), {}))
        dependency_edges(dependents, {key, *dependents})
        dependency_edges([key], set(upstream))
        if components:
            comps = take("components", "component", sorted(idx.components.get(key, [])))
            provs = take("providers", "provider", sorted({idx.component_keys[c]["provider"] for c in comps}))
            for c in comps:
                ck = idx.component_keys[c]
                edges.append((f"system:{key}", f"component:{c}", "part of", "part_of"))
                where = "/".join(x for x in (ck["service"], ck["region"]) if x) or "runs on"
                edges.append((f"component:{c}", f"provider:{ck['provider']}", where, "runs_on"))
        else:
            provs = take("providers", "provider", sorted(
                set(idx.system_providers.get(key, {})) | {p for d in upstream for p in idx.system_providers.get(d, {})}))
            provider_edges([key, *upstream], set(provs))
        countries = take("jurisdictions", "jurisdiction", sorted({c for p in provs for c in idx.provider_countries.get(p, {})}))
        country_edges(provs, set(countries))
    elif kind == "provider":
        indirect = take("systems hit through a dependency", "system", _rank_systems(idx, [s for s, d in hit.items() if d > 0], hit))
        direct = take("systems on it", "system", _rank_systems(idx, [s for s, d in hit.items() if d == 0], hit))
        take("provider", "provider", [key])
        countries = take("jurisdictions", "jurisdiction", sorted(idx.provider_countries.get(key, {})))
        dependency_edges(indirect, set(direct) | set(indirect))
        provider_edges(direct, {key})
        country_edges([key], set(countries))
    elif kind == "jurisdiction":
        systems = take("systems it reaches", "system", _rank_systems(idx, list(hit), hit))
        provs = take("providers under it", "provider", sorted(p for p, places in idx.provider_countries.items() if key in places))
        take("jurisdiction", "jurisdiction", [key])
        provider_edges(systems, set(provs))
        country_edges(provs, {key})
    else:
        raise ValueError(f"focus kind must be system, provider or jurisdiction, not {kind!r}")

    drawn = {n["id"] for n in view.nodes}
    seen: set[tuple[str, str]] = set()
    for a, b, text, etype in edges:
        if a in drawn and b in drawn and (a, b) not in seen:
            seen.add((a, b))
            view.edges.append({"source": a, "target": b, "label": text, "kind": etype})
    return view


def node_details(
    sg: SnapshotGraph, idx: EstateIndex, kind: str, key: str, *, exposure: Mapping[str, dict] | None = None
) -> dict[str, Any]:
    """What the explorer shows beside the graph for one system, provider or jurisdiction."""
    G, catalog = sg.graph, sg.catalog
    hit = blast_radius(idx, kind, key)
    out: dict[str, Any] = {"kind": kind, "key": key, "blast_radius": sorted(hit, key=lambda s: (hit[s], s))}
    if kind == "system":
        a = G.nodes.get(f"system:{key}", {})
        out["facts"] = {k: a.get(k) for k in ("name", "criticality", "classification", "owner", "rto_hours",
                                              "rpo_hours", "exit_plan", "substitutability")}
        out["facts"]["alternatives"] = ", ".join(a.get("alternatives") or ()) or None
        out["components"] = len(idx.components.get(key, []))
        out["providers"] = dict(idx.system_providers.get(key, {}))
        if exposure and key in exposure:
            e = exposure[key]
            out["exposure"] = {"confidentiality": e["confidentiality"], "availability": e["availability"],
                               "jurisdictions": [j for j in e["jurisdictions"] if j["foreign"]]}
    elif kind == "provider":
        p = catalog.provider(key)
        out["facts"] = {"name": key if p is None else p.name, "kind": None if p is None else p.kind}
        if p is not None:
            chain = catalog.ownership_chain(p.contracting_entity)
            out["facts"]["contracting entity"] = p.contracting_entity
            out["ownership"] = [{"entity": e.key, "name": e.name, "country": e.country, "lei": e.lei} for e in chain]
            out["facts"]["EU alternatives"] = ", ".join(p.eu_alternatives) or None
            out["catalog"] = catalog.fact("providers", key)
        out["countries"] = {c: sorted(how) for c, how in idx.provider_countries.get(key, {}).items()}
        out["systems on it"] = sorted(s for s, d in hit.items() if d == 0)
    elif kind == "jurisdiction":
        country = catalog.country(key)
        out["facts"] = {"name": country.name if country else key, "bloc": country.bloc if country else None}
        out["laws"] = [{"law": law.key, "name": law.name, "citation": law.citation, "reach": ", ".join(law.reach),
                        "extraterritorial": law.extraterritorial} for law in catalog.laws_of(key)]
        out["providers"] = sorted(p for p, places in idx.provider_countries.items() if key in places)
    else:
        raise ValueError(f"kind must be system, provider or jurisdiction, not {kind!r}")
    return out
