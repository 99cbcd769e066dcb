"""Sources that disagree about where a resource is: ``source-conflict`` findings.

When two sources describe one resource (see :mod:`inventory.merge`), the merged record
takes each field from the more authoritative source, and the match report keeps every
disagreement. A disagreement about the provider, the region, the site or a site's country
is one that matters: whoever reads the other source believes the data sits somewhere it
does not. Each becomes a finding, with both values, the country each one puts the data in
(from the catalog), and the source whose value the analysis used.

Severity: **high** when the values put the data in different countries (or behind
different providers), **critical** when that is so for a critical system; **medium** when
the catalog cannot place one of the values; **low** when both values lie in the same
country (the record is wrong, the jurisdictions are not).
"""

from __future__ import annotations

from collections.abc import Iterable

from inventory.catalog import Catalog
from inventory.merge import Inventory, MatchReport
from scoring.assess import Assessment
from scoring.findings import Finding, match_register

__all__ = ["add_conflict_findings", "build_conflict_findings"]

FINDING_TYPE = "source-conflict"


def _home_country(catalog: Catalog, provider: str | None) -> str | None:
    entry = catalog.provider(provider) if provider else None
    if entry is None:
        return None
    key, seen = entry.contracting_entity, set()
    country = None
    # The ultimate parent decides whose law reaches the provider: walk the chain to its top.
    while key and key not in seen and key in catalog.entities:
        seen.add(key)
        country = catalog.entities[key].country
        key = catalog.entities[key].parent
    return country


def _country(catalog: Catalog, inv: Inventory, field: str, value: object, provider: str | None) -> str | None:
    if not isinstance(value, str):
        return None
    if field == "placement":
        what, _, where = value.partition(" ")
        if what == "region":
            provider, _, value = where.partition("/")
            field = "region"
        else:
            value, field = where, "site"
    if field == "region":
        region = catalog.region(provider, value) if provider else None
        return region.country if region is not None else None
    if field == "site":
        site = inv.sites.get(value)
        return site.country if site is not None else None
    if field == "country":
        return value if catalog.country(value) is not None else None
    if field == "provider":
        return _home_country(catalog, value)
    return None


def _severity(countries: list[str | None], critical: bool) -> str:
    if any(c is None for c in countries):
        return "medium"
    if len(set(countries)) > 1:
        return "critical" if critical else "high"
    return "low"


def build_conflict_findings(report: MatchReport, inv: Inventory, catalog: Catalog) -> list[Finding]:
    """One finding per disagreement that matters (status still to be matched to the register).

    Examples
    --------
    >>> from inventory.catalog import Catalog
    >>> from inventory.merge import merge_batches
    >>> from inventory.records import ComponentRecord, InventoryBatch
    >>> ea = InventoryBatch("ea", components=[ComponentRecord("db", provider="aws", region="eu-central-1")])
    >>> tf = InventoryBatch("tf", components=[ComponentRecord("db", provider="aws", region="us-east-1")])
    >>> inv = merge_batches([ea, tf], source_types=["archimate", "terraform"])
    >>> [(f.id, f.severity) for f in build_conflict_findings(inv.matching, inv, Catalog())]
    [('source-conflict:-:component:db:region', 'medium')]
    """
    matched_by = {(m["kind"], m["id"]): m["by"] for m in report.matches}
    out: list[Finding] = []
    for conflict in report.conflicts:
        if not conflict["matters"]:
            continue
        kind, ident, field = conflict["kind"], conflict["id"], conflict["field"]
        system = None
        if kind == "component" and ident in inv.components:
            system = inv.components[ident].system
        elif kind == "system":
            system = ident
        values = [
            {**v, "country": _country(catalog, inv, field, v["value"], v.get("provider"))}
            for v in conflict["values"]
        ]
        crit = system is not None and system in inv.systems and inv.systems[system].criticality == "critical"
        sev = _severity([v["country"] for v in values], crit)
        if field == "provider":
            # Another provider is another legal entity, whatever the countries.
            sev = "critical" if crit else "high" if sev == "low" else sev
        scope = {"system": system, kind: ident} if kind in ("component", "system") else {kind: ident}
        said = "; ".join(f"{v['source']} says {v['value']}" + (f" ({v['country']})" if v["country"] else "") for v in values)
        out.append(Finding(
            id=f"{FINDING_TYPE}:{system or '-'}:{kind}:{ident}:{field}",
            type=FINDING_TYPE,
            system=system,
            scope={k: v for k, v in scope.items() if v is not None},
            severity=sev,
            title=f"{kind} {ident}: sources disagree on {field}: {said}; the analysis uses {conflict['chosen']['source']}'s",
            evidence={"kind": kind, "id": ident, "field": field, "chosen": conflict["chosen"], "values": values,
                      "matched_by": matched_by.get((kind, ident), [])},
        ))
    return out


def add_conflict_findings(result: Assessment, inv: Inventory, catalog: Catalog) -> list[Finding]:
    """Add the conflict findings of ``inv`` to an assessment, matched against the register.

    :func:`scoring.assess` matched the register before these findings existed, so every
    ``source-conflict`` entry counted as covering nothing; that part is redone here.
    """
    findings = build_conflict_findings(inv.matching, inv, catalog)
    entries: Iterable = [a for a in inv.acceptances.values() if a.risk == FINDING_TYPE]
    stale = match_register(findings, entries, result.as_of)
    result.findings.extend(findings)
    result.stale_acceptances = [a for a in result.stale_acceptances if a.risk != FINDING_TYPE] + stale
    return findings
