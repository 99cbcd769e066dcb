"""Findings, and their status against the risk register.

A finding is (type, system or scope, severity, evidence, status). Its id is stable
across snapshots (``type:system:qualifier``), so that drift and pipelines can tell a new
finding from an old one. Status:

- **stated**: a register entry of the same type covers its scope and is still current;
- **expired**: entries cover it, but every one is past its ``review_by`` date;
- **implicit**: nothing covers it: a risk carried without ever being stated.

An entry covers a finding when its ``risk`` equals the finding type and every key of its
scope (system, component, provider, jurisdiction, region) equals the finding's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import networkx as nx

from analyzer.closure import Rollup
from inventory.catalog import Catalog
from inventory.records import AcceptanceRecord

SEVERITIES = ("low", "medium", "high", "critical")
_RANK = {"critical": 3, "high": 2, "medium": 1, "low": 0}

__all__ = ["SEVERITIES", "Finding", "catalog_facts", "match_register", "severity"]


@dataclass
class Finding:
    id: str
    type: str
    system: str | None
    scope: dict[str, str]
    severity: str
    title: str
    evidence: dict[str, Any] = field(default_factory=dict)
    status: str = "implicit"
    acceptance_id: str | None = None

    def as_dict(self) -> dict:
        return {"id": self.id, "type": self.type, "system": self.system, "severity": self.severity,
                "status": self.status, "acceptance_id": self.acceptance_id, "title": self.title,
                "scope": self.scope, "evidence": self.evidence}


def severity(base: str, *, up: int = 0) -> str:
    """Move a severity ``up`` steps (negative: down), staying within low..critical.

    >>> severity("high", up=1), severity("low", up=-1), severity("critical", up=2)
    ('critical', 'low', 'critical')
    """
    return SEVERITIES[max(0, min(3, _RANK[base] + up))]


_SECTION_OF = {"region": "regions", "entity": "legal_entities", "country": "countries", "law": "laws",
               "provider": "providers", "service": "services", "model": "models"}


def catalog_facts(catalog: Catalog, nodes: Iterable[str], memo: dict | None = None) -> list[dict]:
    """The catalog entries behind graph nodes, each with its source and as-of date.

    ``memo``, shared between calls, looks each node up once (findings repeat the same
    providers, entities and laws for every system).
    """
    facts = []
    seen: set[str] = set()
    for node in nodes:
        if node in seen:
            continue
        seen.add(node)
        if memo is not None:
            fact = memo.get(node)
            if fact is None:
                found = catalog_facts(catalog, [node])
                fact = memo[node] = found[0] if found else {}
            if fact:
                facts.append(fact)
            continue
        kind, _, key = node.partition(":")
        section = _SECTION_OF.get(kind)
        if section is None:
            continue
        lookup: Any = tuple(key.split("/", 1)) if section in ("regions", "services") else key
        table = {"regions": catalog.regions, "services": catalog.services, "legal_entities": catalog.entities,
                 "countries": catalog.countries, "laws": catalog.laws, "providers": catalog.providers,
                 "models": catalog.models}[section]
        if lookup in table:
            facts.append(catalog.fact(section, lookup))
    return facts


def _covers(entry: AcceptanceRecord, finding: Finding) -> bool:
    if entry.risk != finding.type:
        return False
    return all(finding.scope.get(k) == v for k, v in entry.scope.items())


def match_register(
    findings: list[Finding], acceptances: Mapping[str, AcceptanceRecord] | Iterable[AcceptanceRecord], as_of: date
) -> list[AcceptanceRecord]:
    """Set each finding's status from the register; return the entries that cover nothing (stale).

    >>> from inventory.records import AcceptanceRecord
    >>> f = Finding("foreign-law-access:s:US", "foreign-law-access", "s", {"system": "s", "jurisdiction": "US"}, "high", "t")
    >>> a = AcceptanceRecord("RA-1", "foreign-law-access", {"system": "s"}, "CISO", review_by=date(2026, 3, 1))
    >>> match_register([f], [a], date(2026, 11, 22))
    []
    >>> f.status, f.acceptance_id
    ('expired', 'RA-1')
    """
    entries = list(acceptances.values()) if isinstance(acceptances, Mapping) else list(acceptances)
    used: set[str] = set()
    # Most entries name a system: look only at those of the finding's system, and the rest.
    by_key: dict[tuple[str, str | None], list[AcceptanceRecord]] = {}
    for e in entries:
        by_key.setdefault((e.risk, e.scope.get("system")), []).append(e)
    none: list[AcceptanceRecord] = []
    for f in findings:
        system = f.scope.get("system")
        candidates = by_key.get((f.type, None), none)
        if system is not None:
            candidates = by_key.get((f.type, system), none) + candidates
        covering = [e for e in candidates if _covers(e, f)]
        if not covering:
            f.status, f.acceptance_id = "implicit", None
            continue
        used.update(e.id for e in covering)
        current = [e for e in covering if e.review_by is None or e.review_by >= as_of]
        if current:
            best = max(current, key=lambda e: (e.review_by or date.max, e.id))
            f.status, f.acceptance_id = "stated", best.id
        else:
            best = max(covering, key=lambda e: (e.review_by, e.id))
            f.status, f.acceptance_id = "expired", best.id
        f.evidence["acceptance"] = {
            "id": best.id, "owner": best.owner, "rationale": best.rationale,
            "decided_on": best.decided_on.isoformat() if best.decided_on else None,
            "review_by": best.review_by.isoformat() if best.review_by else None,
        }
    return [e for e in entries if e.id not in used]


def build_findings(
    G: nx.DiGraph,
    catalog: Catalog,
    exposures: Mapping[str, Any],
    feasibility: Mapping[str, Any],
    concentration: Mapping[str, Any],
    rollup: Rollup,
    *,
    home_bloc: str = "EU",
) -> list[Finding]:
    """Every finding of one snapshot (status still to be matched against the register)."""
    out: list[Finding] = []
    facts: dict[str, dict] = {}
    for system_node, exp in exposures.items():
        attrs = G.nodes[system_node]
        sid = attrs["key"]
        crit = attrs.get("criticality", "medium")
        sensitive = attrs.get("classification") in ("confidential", "secret") or bool(attrs.get("personal_data"))
        by_code = {j["code"]: j for j in exp.jurisdictions}
        for factor in exp.confidentiality["factors"]:
            code = factor["jurisdiction"]
            paths = [v for v in by_code[code]["via"]]
            up = (1 if sensitive else 0) - (1 if factor["score"] < 70 else 0)
            out.append(Finding(
                id=f"foreign-law-access:{sid}:{code}", type="foreign-law-access", system=sid,
                scope={"system": sid, "jurisdiction": code}, severity=severity(crit, up=up),
                title=f"{attrs.get('name', sid)}: data reachable by {code} law ({', '.join(factor['laws']) or 'no law catalogued'})",
                evidence={"score": factor["score"], "reason": factor["reason"], "laws": factor["laws"],
                          "via": paths, "catalog": catalog_facts(catalog, _nodes(paths, factor["laws"]), facts)},
            ))
        for factor in exp.availability["factors"]:
            if factor["score"] < 40:
                continue
            code = factor["jurisdiction"]
            paths = [v for v in by_code[code]["via"] if v["kind"] in factor["via"]]
            out.append(Finding(
                id=f"foreign-suspension:{sid}:{code}", type="foreign-suspension", system=sid,
                scope={"system": sid, "jurisdiction": code},
                severity=severity(crit, up=-1 if factor["score"] < 70 else 0),
                title=f"{attrs.get('name', sid)}: service can be suspended under {code} law ({', '.join(factor['laws'])})",
                evidence={"score": factor["score"], "reason": factor["reason"], "laws": factor["laws"],
                          "via": paths, "catalog": catalog_facts(catalog, _nodes(paths, factor["laws"]), facts)},
            ))
        for code in exp.data_countries:
            j = by_code[code]
            if not j["foreign"]:
                continue
            up = (1 if crit == "critical" else 0) - (1 if j["bloc"] == "adequacy" else 0)
            paths = [v for v in j["via"] if v["kind"] == "location"]
            out.append(Finding(
                id=f"data-outside-eu:{sid}:{code}", type="data-outside-eu", system=sid,
                scope={"system": sid, "jurisdiction": code},
                severity=severity("high" if sensitive else "medium", up=up),
                title=f"{attrs.get('name', sid)}: data stored in {code} ({j['bloc'] or 'unknown bloc'})",
                evidence={"bloc": j["bloc"], "via": paths, "catalog": catalog_facts(catalog, _nodes(paths, []), facts)},
            ))
        for j in exp.jurisdictions:
            op_paths = [v for v in j["via"] if v["kind"] == "operator"]
            if not j["foreign"] or not op_paths:
                continue
            # Every operator through which the jurisdiction reaches counts, not only the one on
            # the shortest path (older stored results have no list: read it off the paths).
            access = j.get("operator_access") or [
                G.nodes[n].get("access") for v in op_paths for n in v["path"] if n.startswith("operator:")]
            base = "high" if "admin" in access else "medium" if "support" in access else "low"
            out.append(Finding(
                id=f"operator-access:{sid}:{j['code']}", type="operator-access", system=sid,
                scope={"system": sid, "jurisdiction": j["code"]},
                severity=severity(base, up=1 if crit == "critical" else 0),
                title=f"{attrs.get('name', sid)}: operational access ({', '.join(sorted(set(a for a in access if a)))}) from {j['code']}",
                evidence={"via": op_paths, "catalog": catalog_facts(catalog, _nodes(op_paths, []), facts)},
            ))
        feas = feasibility.get(system_node)
        if feas is not None and feas.band == "low" and crit in ("critical", "high"):
            out.append(Finding(
                id=f"low-exit-feasibility:{sid}", type="low-exit-feasibility", system=sid, scope={"system": sid},
                severity=crit, title=f"{attrs.get('name', sid)}: migration feasibility {feas.score:.0f}/100",
                evidence={"score": feas.score, "factors": feas.factors},
            ))
    out.extend(_unknown_findings(G))
    out.extend(_spof_findings(G, rollup))
    prov = concentration.get("provider")
    if prov is not None and prov.band == "high":
        for share in prov.shares:
            # Own data centres are no third party: DORA's concentration is about ICT providers.
            if share["share"] >= 0.25 and share["key"] != "own":
                out.append(Finding(
                    id=f"provider-concentration:-:{share['key']}", type="provider-concentration", system=None,
                    scope={"provider": share["key"]}, severity="high",
                    title=f"{share['key']}: {share['share']:.0%} of weighted system dependence (HHI {prov.hhi:.0f}, {prov.band})",
                    evidence={"hhi": round(prov.hhi, 1), "band": prov.band, "share": share["share"],
                              "systems": share["systems"], "catalog": catalog_facts(catalog, [f"provider:{share['key']}"], facts)},
                ))
    return out


def _nodes(paths: list[dict], laws: list[str]) -> list[str]:
    return [n for v in paths for n in v["path"]] + [f"law:{law}" for law in laws]


_UNKNOWN_TYPE = {"provider": "unknown-provider", "service": "unknown-service", "region": "unknown-location",
                 "location": "unknown-location", "site_country": "unknown-location",
                 "legal_entity": "unknown-legal-entity", "country": "unknown-location", "model": "unknown-model"}


def _unknown_findings(G: nx.DiGraph) -> list[Finding]:
    out = []
    for node, attrs in G.nodes(data=True):
        kind = attrs.get("kind")
        if kind == "component" and attrs.get("system") is None:
            out.append(Finding(
                id=f"unattributed-resource:-:{attrs['key']}", type="unattributed-resource", system=None,
                scope={"component": attrs["key"]}, severity="low",
                title=f"{attrs['key']}: attributed to no system ({attrs.get('attribution_note') or 'no tag, no rule'})",
                evidence={"component": attrs["key"], "provider": attrs.get("provider"), "region": attrs.get("region"),
                          "note": attrs.get("attribution_note")},
            ))
        unresolved = attrs.get("unresolved")
        if not unresolved:
            continue
        system = attrs.get("system") if kind == "component" else None
        crit = G.nodes[f"system:{system}"].get("criticality", "medium") if system and f"system:{system}" in G else "medium"
        for what, value in unresolved.items():
            ftype = _UNKNOWN_TYPE[what]
            scope = {"system": system, "component": attrs["key"]} if kind == "component" else {"operator": attrs["key"]}
            scope = {k: v for k, v in scope.items() if v is not None}
            out.append(Finding(
                id=f"{ftype}:{system or '-'}:{kind}:{attrs['key']}:{what}", type=ftype, system=system, scope=scope,
                severity=severity("medium", up=1 if crit == "critical" else 0),
                title=f"{kind} {attrs['key']}: {what} '{value}' is not in the catalog: jurisdiction UNKNOWN",
                evidence={kind: attrs["key"], "field": what, "value": value, "resolution": "UNKNOWN"},
            ))
    return out


def _spof_findings(G: nx.DiGraph, rollup: Rollup) -> list[Finding]:
    """Shared components whose loss cuts off two or more critical or high systems.

    A component is shared when a path of component dependencies leads to it from a
    component of another system (a shared identity tenant, a key vault, a network link).
    System-level ``depends_on`` does not make a component shared: it says the system
    needs the other system, not which of its parts, and would mark every part as shared.

    Its loss cuts off every system whose dependency closure holds it (dependencies are
    all needed: nothing in the inventory says one part can stand in for another): the
    systems whose components lead to it and every system that depends on those, directly
    or transitively. That set, found from the graph, decides the severity: critical when
    two or more critical systems are cut off.
    """
    position = {s: i for i, s in enumerate(rollup.order)}
    out = []
    for comp, direct in rollup.users().items():
        owner = G.nodes[comp].get("system")
        owner_node = f"system:{owner}" if owner else None
        if not (direct - {owner_node}):
            continue  # used by its own system only
        systems = rollup.dependents(direct)
        crits = {s: G.nodes[s].get("criticality") for s in systems}
        critical = sorted(G.nodes[s]["key"] for s, c in crits.items() if c == "critical")
        if len(critical) + sum(1 for c in crits.values() if c == "high") < 2:
            continue
        # The canonical path from each cut-off system, composed in dependency order.
        paths: dict[str, tuple[str, ...]] = {}
        for s in sorted(systems, key=position.__getitem__):
            explicit, deps = rollup.parts(s)
            best = explicit.get(comp)
            for dep in deps:
                sub = paths.get(dep)
                if sub is not None and (best is None or (len(sub) + 1, (s, *sub)) < (len(best), best)):
                    best = (s, *sub)
            paths[s] = best
        attrs = G.nodes[comp]
        ordered = sorted(systems, key=lambda s: (len(paths[s]), s))
        out.append(Finding(
            id=f"single-point-of-failure:-:{attrs['key']}", type="single-point-of-failure", system=owner,
            scope={"component": attrs["key"]}, severity="critical" if len(critical) >= 2 else "high",
            title=f"{attrs.get('name') or attrs['key']}: its loss cuts off {len(systems)} systems ({len(critical)} critical)",
            evidence={"component": attrs["key"], "systems": sorted(G.nodes[s]["key"] for s in systems),
                      "direct": sorted(G.nodes[s]["key"] for s in direct), "critical": critical,
                      "rto_hours": {G.nodes[s]["key"]: G.nodes[s].get("rto_hours") for s in sorted(systems)
                                    if crits[s] in ("critical", "high")},
                      "paths": [list(paths[s]) for s in ordered[:5]]},
        ))
    return out
