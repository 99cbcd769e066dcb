"""A DORA-style register of information: the fields of B_05.01, B_02.02 and B_07.01 the graph can fill.

Commission Implementing Regulation (EU) 2024/2956 sets the templates; columns carry their
codes (``c0010``...) and values use the EBA taxonomy's value lists (``eba_GA:DE`` for a
country, ``eba_TA:S17`` for IaaS, ``eba_BT:x28`` for yes...). The graph knows providers,
their legal entities and ultimate parents, services, where data sits, the systems
(functions) that rely on them and their criticality; it does not know contracts, costs
or dates, so those columns stay empty for the organisation to fill. Columns named
``sovmap: ...`` after the template's own are not part of the register: they say where
each row comes from. The workbook's first sheet explains every derived value.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import networkx as nx

from inventory.catalog import Catalog
from inventory.records import CRITICALITY_WEIGHT
from sovmap.exports.cells import neutralise
from sovmap.exports.tabular import write_sheet

__all__ = ["B_02_02", "B_05_01", "B_07_01", "dora_bytes", "dora_rows"]

LEI = "eba_qCO:qx2000"
LEGAL_PERSON = "eba_CT:x212"
YES, NO = "eba_BT:x28", "eba_BT:x29"
SENSITIVENESS = {"low": "eba_ZZ:x791", "medium": "eba_ZZ:x792", "high": "eba_ZZ:x793"}
RELIANCE = {"not significant": "eba_ZZ:x794", "low": "eba_ZZ:x795", "material": "eba_ZZ:x796", "full": "eba_ZZ:x797"}
SUBSTITUTABILITY = {"not-substitutable": "eba_ZZ:x959", "highly-complex": "eba_ZZ:x960", "medium": "eba_ZZ:x961",
                    "easy": "eba_ZZ:x962"}
REASON = {"alternatives": "eba_ZZ:x963", "migration": "eba_ZZ:x964", "both": "eba_ZZ:x965"}
REINTEGRATION = {"high": "eba_ZZ:x798", "medium": "eba_ZZ:x966", "low": "eba_ZZ:x967"}
IMPACT = {"low": "eba_ZZ:x791", "medium": "eba_ZZ:x792", "high": "eba_ZZ:x793"}
#: DORA's service type for colocation and hosting outside the cloud.
HOSTING = "S07"

B_05_01 = [
    ("c0010", "Identification code of ICT third-party service provider"),
    ("c0020", "Type of code to identify the ICT third-party service provider"),
    ("c0030", "Additional identification code of ICT third-party service provider"),
    ("c0040", "Type of additional identification code of the ICT third-party service provider"),
    ("c0050", "Legal name of the ICT third-party service provider"),
    ("c0060", "Name of the ICT third-party service provider in Latin alphabet"),
    ("c0070", "Type of person of the ICT third-party service provider"),
    ("c0080", "Country of the ICT third-party service provider's headquarters"),
    ("c0090", "Currency of the amount reported in RT.05.01.0100"),
    ("c0100", "Total annual expense or estimated cost of the ICT third-party service provider"),
    ("c0110", "Identification code of the ICT third-party service provider's ultimate parent undertaking"),
    ("c0120", "Type of code to identify the ICT third-party service provider's ultimate parent undertaking"),
]
B_02_02 = [
    ("c0010", "Contractual arrangement reference number"),
    ("c0020", "LEI of the entity making use of the ICT service(s)"),
    ("c0030", "Identification code of the ICT third-party service provider"),
    ("c0040", "Type of code to identify the ICT third-party service provider"),
    ("c0050", "Function identifier"),
    ("c0060", "Type of ICT services"),
    ("c0070", "Start date of the contractual arrangement"),
    ("c0080", "End date of the contractual arrangement"),
    ("c0090", "Reason of the termination or ending of the contractual arrangement"),
    ("c0100", "Notice period for the financial entity making use of the ICT service(s)"),
    ("c0110", "Notice period for the ICT third-party service provider"),
    ("c0120", "Country of the governing law of the contractual arrangement"),
    ("c0130", "Country of provision of the ICT services"),
    ("c0140", "Storage of data"),
    ("c0150", "Location of the data at rest (storage)"),
    ("c0160", "Location of management of the data (processing)"),
    ("c0170", "Sensitiveness of the data stored by the ICT third-party service provider"),
    ("c0180", "Level of reliance on the ICT service supporting the critical or important function"),
]
B_07_01 = [
    ("c0010", "Contractual arrangement reference number"),
    ("c0020", "Identification code of the ICT third-party service provider"),
    ("c0030", "Type of code to identify the ICT third-party service provider"),
    ("c0040", "Type of ICT services"),
    ("c0050", "Substitutability of the ICT third-party service provider"),
    ("c0060", "Reason if the ICT third-party service provider is considered not substitutable or difficult to be substitutable"),
    ("c0070", "Date of the last audit on the ICT third-party service provider"),
    ("c0080", "Existence of an exit plan"),
    ("c0090", "Possibility of reintegration of the contracted ICT service"),
    ("c0100", "Impact of discontinuing the ICT services"),
    ("c0110", "Are there alternative ICT third-party service providers identified?"),
    ("c0120", "Identification of alternative ICT TPP"),
]

ABOUT = [
    ("What this is", ("The fields of the DORA register of information (Implementing Regulation (EU) 2024/2956) that sovmap "
                     "can fill from its dependency graph, in the templates' column codes and the EBA value lists. "
                     "Empty columns need contract data the graph does not hold (references, dates, costs, notice periods).")),
    ("ICT third-party service provider", ("The legal entity that provides the service: the operating entity of the region "
                                          "when the catalog names one (e.g. a sovereign-cloud subsidiary), else the provider's "
                                          "contracting entity; the operator of a colocation site. Own data centres are left out.")),
    ("c0010 / c0020 (identification)", ("The LEI from the knowledge catalog, type eba_qCO:qx2000 (LEI). Empty when the "
                                        "catalog holds no LEI for the entity: fill it in.")),
    ("B_05.01 c0110", "The LEI of the last parent in the catalog's ownership chain (the ultimate parent)."),
    ("B_02.02 c0050 (function)", "The sovmap system id: a system is the business function the service supports."),
    ("B_02.02 c0130, c0150, c0160", ("The country of the region or site the components run in; data at rest only for "
                                    "components that hold data. A global service without a region leaves them empty.")),
    ("B_02.02 c0170 (sensitiveness)", ("From the system's classification: secret and confidential high, internal medium, "
                                      "public low; personal data makes it at least medium.")),
    ("B_02.02 c0180 (reliance)", ("The share of the system's components on this provider and service type: all of them full, "
                                 "half or more material, less low.")),
    ("B_07.01 c0050 (substitutability)", "The hardest substitutability declared by the systems that use the service."),
    ("B_07.01 c0060 (reason)", ("No alternatives named by those systems: lack of real alternatives; a service of low "
                               "portability (proprietary PaaS, serverless, AI): difficulties in migrating; both: both.")),
    ("B_07.01 c0080 (exit plan)", "Yes when every system using the service declares an exit plan."),
    ("B_07.01 c0090 (reintegration)", "From the lowest portability of the services: high easy, medium difficult, low highly complex."),
    ("B_07.01 c0100 (impact)", "From the highest criticality of the systems using it: critical and high high, medium medium, low low."),
    ("B_07.01 c0110 / c0120", "Yes when a system using the service names alternatives; their names (not identification codes)."),
]


def _code(country: str | None) -> str | None:
    return f"eba_GA:{country}" if country else None


def _follow(G: nx.DiGraph, node: str, edge_type: str) -> str | None:
    return next((t for _, t, d in G.out_edges(node, data=True) if d["type"] == edge_type), None)


@dataclass
class _Use:
    """One component's use of a provider: the entity, the service type and where."""

    entity: str
    provider: str
    dora_type: str | None
    country: str | None
    holds_data: bool
    portability: str | None
    service: str | None


@dataclass
class Rows:
    b_05_01: list[list] = field(default_factory=list)
    b_02_02: list[list] = field(default_factory=list)
    b_07_01: list[list] = field(default_factory=list)


def _use(G: nx.DiGraph, comp: str, own: set[str]) -> _Use | None:
    service = region = site = provider = None
    for _, target, d in G.out_edges(comp, data=True):
        if d["type"] not in ("runs_on", "stores_data_in"):
            continue
        kind = G.nodes[target].get("kind")
        if kind == "service":
            service = target
        elif kind == "region":
            region = target
        elif kind == "site":
            site = target
        elif kind == "provider":
            provider = target
    attrs = G.nodes[comp]
    place = region or site
    country = _follow(G, place, "located_in") if place else None
    country = country.split(":", 1)[1] if country else None
    if service is not None:
        provider = _follow(G, service, "provided_by")
    if provider is not None:
        entity = (_follow(G, region, "operated_by") if region else None) or \
                 (_follow(G, service, "offered_by") if service else None) or _follow(G, provider, "contracts_via")
        if entity is None:
            return None
        svc = G.nodes[service] if service else {}
        return _Use(entity.split(":", 1)[1], provider.split(":", 1)[1], svc.get("dora_type"), country,
                    bool(attrs.get("holds_data")), svc.get("portability"), service.split(":", 1)[1] if service else None)
    if site is not None:
        entity = _follow(G, site, "operated_by")  # colocation; an own data centre is no third party
        if entity is not None and G.nodes[entity].get("name") not in own:
            return _Use(entity.split(":", 1)[1], entity.split(":", 1)[1], HOSTING, country, bool(attrs.get("holds_data")), None, None)
    return None


def dora_rows(G: nx.DiGraph, catalog: Catalog) -> Rows:
    """The rows of the three templates, each row the template's columns then the ``sovmap:`` ones."""
    systems = {n: a for n, a in G.nodes(data=True) if a.get("kind") == "system"}
    # The organisation's own legal entity runs its own data centres: that is no third party.
    own = {a.get("name") for _, a in G.nodes(data=True) if a.get("kind") == "organization"}
    per_system_total: Counter = Counter()
    groups: dict[tuple, dict] = {}
    assessments: dict[tuple, dict] = {}
    entities: dict[str, set[str]] = defaultdict(set)
    for comp, attrs in G.nodes(data=True):
        if attrs.get("kind") != "component" or not attrs.get("system"):
            continue
        system = attrs["system"]
        per_system_total[system] += 1
        use = _use(G, comp, own)
        if use is None:
            continue
        entities[use.entity].add(use.provider)
        g = groups.setdefault((system, use.entity, use.dora_type, use.country),
                              {"count": 0, "data": False, "provider": use.provider, "services": set()})
        g["count"] += 1
        g["data"] |= use.holds_data
        if use.service:
            g["services"].add(use.service)
        a = assessments.setdefault((use.entity, use.dora_type), {"systems": set(), "portability": set(), "provider": use.provider})
        a["systems"].add(system)
        if use.portability:
            a["portability"].add(use.portability)

    def ident(entity: str) -> tuple[str | None, str | None]:
        e = catalog.entities.get(entity)
        return (e.lei, LEI) if e is not None and e.lei else (None, None)

    rows = Rows()
    for entity in sorted(entities):
        e = catalog.entities.get(entity)
        chain = catalog.ownership_chain(entity) if e is not None else []
        top = chain[-1] if chain else None
        lei, lei_type = ident(entity)
        top_lei, top_type = (top.lei, LEI) if top is not None and top.lei else (None, None)
        rows.b_05_01.append([
            lei, lei_type, None, None, e.name if e else entity, e.name if e else entity, LEGAL_PERSON,
            _code(e.country if e else None), None, None, top_lei, top_type,
            entity, ", ".join(sorted(entities[entity])), f"{top.name} ({top.country})" if top else None,
        ])
    for (system, entity, dora_type, country), g in sorted(groups.items(), key=lambda kv: tuple(str(k) for k in kv[0])):
        s = systems.get(f"system:{system}", {})
        lei, lei_type = ident(entity)
        classification = s.get("classification", "internal")
        sensitive = "high" if classification in ("secret", "confidential") else "low" if classification == "public" else "medium"
        if s.get("personal_data") and sensitive == "low":
            sensitive = "medium"
        share = g["count"] / per_system_total[system]
        reliance = "full" if share >= 1 else "material" if share >= 0.5 else "low"
        rows.b_02_02.append([
            None, None, lei, lei_type, system, f"eba_TA:{dora_type}" if dora_type else None, None, None, None, None, None,
            None, _code(country), YES if g["data"] else NO, _code(country) if g["data"] else None, _code(country),
            SENSITIVENESS[sensitive] if g["data"] else None, RELIANCE[reliance],
            s.get("name"), g["provider"], ", ".join(sorted(g["services"])) or None, g["count"],
        ])
    order = ["easy", "medium", "highly-complex", "not-substitutable"]
    for (entity, dora_type), a in sorted(assessments.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        attrs = [systems.get(f"system:{s}", {}) for s in sorted(a["systems"])]
        declared = [x.get("substitutability") for x in attrs if x.get("substitutability") in order]
        hardest = max(declared, key=order.index) if declared else None
        alternatives = sorted({alt for x in attrs for alt in (x.get("alternatives") or ())})
        hard_to_move = "low" in a["portability"]
        reason = None
        if hardest not in (None, "easy"):
            if hard_to_move and not alternatives:
                reason = REASON["both"]
            elif hard_to_move:
                reason = REASON["migration"]
            elif not alternatives:
                reason = REASON["alternatives"]
        worst_port = next((p for p in ("low", "medium", "high") if p in a["portability"]), None)
        top_crit = max((x.get("criticality", "medium") for x in attrs), key=lambda c: CRITICALITY_WEIGHT.get(c, 1), default=None)
        impact = {"critical": "high", "high": "high", "medium": "medium", "low": "low"}.get(top_crit)
        lei, lei_type = ident(entity)
        rows.b_07_01.append([
            None, lei, lei_type, f"eba_TA:{dora_type}" if dora_type else None,
            SUBSTITUTABILITY.get(hardest), reason, None,
            YES if attrs and all(x.get("exit_plan") for x in attrs) else NO,
            REINTEGRATION.get(worst_port), IMPACT.get(impact), YES if alternatives else NO, ", ".join(alternatives) or None,
            entity, a["provider"], ", ".join(sorted(a["systems"])),
        ])
    return rows


def dora_bytes(G: nx.DiGraph, catalog: Catalog) -> bytes:
    """The register as a workbook: an explanation sheet, then B_05.01, B_02.02 and B_07.01."""
    from openpyxl import Workbook

    rows = dora_rows(G, catalog)
    wb = Workbook(write_only=True)
    write_sheet(wb, "About", ["item", "how sovmap fills it"], ([k, v] for k, v in ABOUT), widths=[34, 120])
    extra = {
        "B_05.01": ["sovmap: legal entity", "sovmap: provider", "sovmap: ultimate parent"],
        "B_02.02": ["sovmap: system name", "sovmap: provider", "sovmap: services", "sovmap: components"],
        "B_07.01": ["sovmap: legal entity", "sovmap: provider", "sovmap: systems using it"],
    }
    for name, columns, body in (("B_05.01", B_05_01, rows.b_05_01), ("B_02.02", B_02_02, rows.b_02_02),
                                ("B_07.01", B_07_01, rows.b_07_01)):
        header = [code for code, _ in columns] + extra[name]
        labels = [label for _, label in columns] + ["not a register column"] * len(extra[name])
        write_sheet(wb, name, header, ([neutralise(v) for v in row] for row in body),
                    widths=[18] * len(columns) + [28] * len(extra[name]), subheader=labels)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
