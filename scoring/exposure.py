"""Legal exposure per system: confidentiality (compelled access) and availability (suspension).

Each foreign jurisdiction that reaches a system scores by the strongest law it can use
through the channels that reach it:

confidentiality
    content or assistance 80, metadata only 50, no law catalogued 30;
    +20 when the data sits in that country (``location``); halved when everything it
    reaches is a data store encrypted with customer-held keys (the provider can be
    compelled, but holds only ciphertext; a compute component or an operator would see
    the data in clear).
availability
    a suspension law (sanctions) through the legal entity chain, a control plane or the
    location 80; through a technology licensor or model developer only 50; through an
    operator or the provider's operations staff only 40;
    a foreign jurisdiction with no suspension law catalogued 20. Customer-held keys do
    not help here.

A system's score is the highest of its jurisdictions' scores (0..100); the level is
none (0), low (below 40), medium (below 70) or high. "Foreign" means outside the
organisation's home bloc (EU and EEA for an EU organisation).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx

from analyzer.jurisdiction import CHANNELS, Jurisdiction, laws_for, system_components, system_reach

HOME_BLOCS = {"EU": frozenset({"EU", "EEA"}), "EEA": frozenset({"EU", "EEA"})}

__all__ = ["HOME_BLOCS", "SystemExposure", "is_foreign", "level", "score_exposure"]


def level(score: float) -> str:
    """The level of a 0..100 exposure score.

    >>> [level(s) for s in (0, 10, 40, 70, 100)]
    ['none', 'low', 'medium', 'high', 'high']
    """
    if score <= 0:
        return "none"
    if score < 40:
        return "low"
    if score < 70:
        return "medium"
    return "high"


def is_foreign(G: nx.DiGraph, code: str, home_bloc: str = "EU") -> bool:
    """Whether a country lies outside the home bloc (unknown countries count as foreign)."""
    node = G.nodes.get(f"country:{code}")
    return node is None or node.get("bloc") not in HOME_BLOCS.get(home_bloc, frozenset({home_bloc}))


@dataclass
class SystemExposure:
    system: str
    name: str
    criticality: str
    classification: str
    data_countries: list[str]
    jurisdictions: list[dict]
    confidentiality: dict
    availability: dict
    unresolved: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "system": self.system,
            "name": self.name,
            "criticality": self.criticality,
            "classification": self.classification,
            "data_countries": self.data_countries,
            "jurisdictions": self.jurisdictions,
            "confidentiality": self.confidentiality,
            "availability": self.availability,
            "unresolved": self.unresolved,
        }


def _law_reach(G: nx.DiGraph, laws: list[str]) -> set[str]:
    out: set[str] = set()
    for law in laws:
        out |= set(G.nodes[f"law:{law}"].get("reach", ()))
    return out


def _score_jurisdiction(G: nx.DiGraph, j: Jurisdiction) -> tuple[dict | None, dict | None]:
    conf_vias = [v for v in j.paths if "confidentiality" in CHANNELS[v]]
    avail_vias = [v for v in j.paths if "availability" in CHANNELS[v]]
    conf = avail = None
    if conf_vias:
        laws = laws_for(G, j.code, conf_vias)
        reach = _law_reach(G, laws)
        if reach & {"content", "assistance"}:
            base, why = 80, "compelled access to content"
        elif "metadata" in reach:
            base, why = 50, "compelled access to metadata"
        else:
            base, why = 30, "reached, but no law with compelled access is catalogued"
        score = base + (20 if "location" in conf_vias else 0)
        # Keys only protect data at rest: a reached component that computes on the data, or
        # an operator of the whole system, sees it in clear, so every reached component must
        # be a data store with customer-held keys for the halving to apply.
        if j.held:
            score = score / 2
            why += "; halved: everything it reaches is a data store with customer-held keys"
        conf = {"jurisdiction": j.code, "score": min(100.0, float(score)), "laws": [l for l in laws if _law_reach(G, [l]) - {"suspension"}],
                "via": sorted(conf_vias), "reason": why}
    if avail_vias:
        laws = [l for l in laws_for(G, j.code, avail_vias) if "suspension" in _law_reach(G, [l])]
        if laws and set(avail_vias) & {"legal-entity", "control-plane", "location"}:
            score, why = 80, "a suspension law binds the provider or the place"
        elif laws and set(avail_vias) & {"technology-licensor", "model-provenance"}:
            score, why = 50, "a suspension law binds the technology licensor or model developer"
        elif laws:
            score, why = 40, "a suspension law binds an operator or the provider's operations staff"
        else:
            score, why = 20, "reached, but no suspension law is catalogued"
        avail = {"jurisdiction": j.code, "score": float(score), "laws": laws, "via": sorted(avail_vias), "reason": why}
    return conf, avail


def score_exposure(
    G: nx.DiGraph,
    system: str,
    *,
    home_bloc: str = "EU",
    reach: Mapping[str, Jurisdiction] | None = None,
    unresolved: Iterable[str] | None = None,
    cache: dict | None = None,
) -> SystemExposure:
    """Legal exposure of one system, with the jurisdictions, laws and paths behind it.

    Parameters
    ----------
    G : networkx.DiGraph
        A graph made by :func:`analyzer.graph.build_graph`.
    system : str
        A system node, e.g. ``"system:ecom-declarations"``.
    home_bloc : str
        The organisation's bloc; jurisdictions outside it are foreign.
    reach : mapping, optional
        Precomputed :func:`~analyzer.jurisdiction.system_reach` of the system.
    unresolved : iterable of str, optional
        The components it rests on that hold something the catalog could not resolve;
        found by walking its closure when not given.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("system:s", kind="system", key="s", name="S", criticality="high", classification="internal")
    >>> G.add_node("component:c", kind="component", holds_data=True)
    >>> G.add_node("region:p/r", kind="region"); G.add_node("country:US", kind="country", bloc="adequacy")
    >>> G.add_node("law:x", kind="law", reach=("content",), extraterritorial=True)
    >>> G.add_edge("component:c", "system:s", type="part_of")
    >>> G.add_edge("component:c", "region:p/r", type="stores_data_in")
    >>> G.add_edge("region:p/r", "country:US", type="located_in")
    >>> G.add_edge("country:US", "law:x", type="subject_to")
    >>> e = score_exposure(G, "system:s")
    >>> e.data_countries, e.confidentiality["score"], e.confidentiality["level"]
    (['US'], 100.0, 'high')
    """
    attrs = G.nodes[system]
    if unresolved is None:
        unresolved = [c for c in system_components(G, system) if G.nodes[c].get("unresolved")]
    reach = reach if reach is not None else system_reach(G, system, cache)
    data_countries = {code for code, j in reach.items() if j.data and "location" in j.paths}
    unknown = [{"component": comp.split(":", 1)[1], **G.nodes[comp]["unresolved"]} for comp in sorted(unresolved)]
    jurisdictions = []
    conf_factors = []
    avail_factors = []
    for code in sorted(reach):
        j = reach[code]
        foreign = is_foreign(G, code, home_bloc)
        laws = laws_for(G, code, j.paths)
        jurisdictions.append({
            "code": code,
            "bloc": G.nodes.get(f"country:{code}", {}).get("bloc"),
            "foreign": foreign,
            "laws": laws,
            "via": [{"kind": via, "path": list(path)} for via, path in sorted(j.paths.items())],
            "operator_access": sorted(j.access),
        })
        if not foreign:
            continue
        conf, avail = _score_jurisdiction(G, j)
        if conf:
            conf_factors.append(conf)
        if avail:
            avail_factors.append(avail)
    conf_score = max((f["score"] for f in conf_factors), default=0.0)
    avail_score = max((f["score"] for f in avail_factors), default=0.0)
    return SystemExposure(
        system=attrs["key"],
        name=attrs.get("name", attrs["key"]),
        criticality=attrs.get("criticality", "medium"),
        classification=attrs.get("classification", "internal"),
        data_countries=sorted(data_countries),
        jurisdictions=jurisdictions,
        confidentiality={"score": conf_score, "level": level(conf_score),
                         "factors": sorted(conf_factors, key=lambda f: -f["score"])},
        availability={"score": avail_score, "level": level(avail_score),
                      "factors": sorted(avail_factors, key=lambda f: -f["score"])},
        unresolved=unknown,
    )
