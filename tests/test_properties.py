"""Properties the scores must keep on any estate (hypothesis): HHI bounds, monotone exposure, SEAL as a minimum."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer import build_graph
from analyzer.closure import Rollup
from analyzer.jurisdiction import compose_reach, system_components
from inventory.catalog import load_catalog
from inventory.merge import Inventory
from inventory.records import ComponentRecord, OperatorRecord, Organization, SiteRecord, SystemRecord
from scoring.assess import compose_unresolved
from scoring.concentration import compose_keys, hhi, score_concentration
from scoring.exposure import score_exposure
from scoring.sovereignty import compose_sovereignty, load_framework, score_component_sovereignty, score_sovereignty

from conftest import FIXTURES

# Loaded once: hypothesis runs the tests many times and the catalog never changes.
CATALOG = load_catalog(files=[FIXTURES / "catalog" / "mini.yaml"])
FRAMEWORK = load_framework()
SYSTEMS = ("s0", "s1", "s2")
PLACES = [
    ("bigco", "vm", "eu-central-1", None), ("bigco", "nosql", "us-east-1", None), ("bigco", "iam", None, None),
    ("bigco", "vm", "eusc-de-east-1", None), ("bigco", "nosql", "eu", None), ("euhost", "vm", "fsn1", None),
    (None, None, None, "dc"), ("nobody", "vm", "r1", None), ("bigco", "vm", "mars-1", None),
]
CUSTODY = [None, "provider", "customer-managed", "customer-held"]
US_SERVICES = [("vm", "eu-central-1"), ("vm", "us-east-1"), ("nosql", "eusc-de-east-1"), ("nosql", "eu"), ("iam", None)]

component_specs = st.lists(
    st.tuples(st.sampled_from(PLACES), st.sampled_from(SYSTEMS), st.booleans(), st.sampled_from(CUSTODY),
              st.lists(st.integers(0, 11), max_size=3)),
    min_size=1, max_size=12,
)
system_deps = st.lists(st.tuples(st.sampled_from(SYSTEMS), st.sampled_from(SYSTEMS)), max_size=3)
# Up to five edges among three systems: chains, diamonds and cycles.
system_graphs = st.lists(st.tuples(st.sampled_from(SYSTEMS), st.sampled_from(SYSTEMS)), max_size=5)
operator_on = st.one_of(st.none(), st.tuples(st.integers(0, 11), st.sampled_from(["admin", "support", "read"])))


def make_estate(specs, sys_deps, operator, extra=None) -> Inventory:
    deps = {s: tuple(sorted({b for a, b in sys_deps if a == s and b != s})) for s in SYSTEMS}
    comps = {}
    for i, ((provider, service, region, site), system, data, custody, on) in enumerate(specs):
        comps[f"c{i}"] = ComponentRecord(
            f"c{i}", system=system, provider=provider, service=service, region=region, site=site, holds_data=data,
            key_custody=custody, depends_on=tuple(sorted({f"c{j}" for j in on if j < len(specs) and j != i})),
        )
    operators = {}
    if operator is not None and operator[0] < len(specs):
        operators["desk"] = OperatorRecord("desk", "Desk", country="IN", operates=(f"c{operator[0]}",), access=operator[1])
    if extra is not None:
        new, attach_to = extra
        comps[new.id] = new
        if attach_to is not None:
            host = comps[attach_to]
            comps[attach_to] = ComponentRecord(**{**{n: getattr(host, n) for n in host.__slots__},
                                                  "depends_on": (*host.depends_on, new.id)})
    return Inventory(
        organization=Organization("Org", "NL", "EU"),
        systems={s: SystemRecord(s, s.upper(), criticality=c, depends_on=deps[s])
                 for s, c in zip(SYSTEMS, ("critical", "high", "low"))},
        components=comps, operators=operators, sites={"dc": SiteRecord("dc", "DC", country="NL")},
    )


def exposures(inv) -> dict[str, tuple[float, float]]:
    G = build_graph(inv, CATALOG)
    out = {}
    for s in SYSTEMS:
        e = score_exposure(G, f"system:{s}")
        out[s] = (e.confidentiality["score"], e.availability["score"])
    return out


@given(st.dictionaries(st.text(min_size=1, max_size=5), st.floats(0, 1e6, allow_nan=False), max_size=20))
def test_hhi_stays_within_0_and_10000(weights):
    assert 0.0 <= hhi(weights) <= 10000.0 + 1e-6


@given(st.text(min_size=1, max_size=5), st.floats(1e-6, 1e6, allow_nan=False))
def test_hhi_of_a_single_provider_is_10000(key, weight):
    assert abs(hhi({key: weight}) - 10000.0) < 1e-6


@settings(max_examples=60, deadline=None)
@given(component_specs, system_deps, operator_on, st.sampled_from(["provider", "parent", "jurisdiction"]))
def test_concentration_stays_in_bounds_and_one_provider_is_total(specs, sys_deps, operator, level):
    inv = make_estate(specs, sys_deps, operator)
    G = build_graph(inv, CATALOG)

    value = score_concentration(G, level).hhi
    only_bigco = nx.DiGraph(G)
    for c in [n for n, d in G.nodes(data=True) if d.get("kind") == "component" and G.nodes[n].get("provider") != "bigco"]:
        only_bigco.remove_node(c)

    assert 0.0 <= value <= 10000.0 + 1e-6
    single = score_concentration(only_bigco, "provider")
    assert single.hhi in (0.0, 10000.0)  # 0 only when no system rests on bigco


@settings(max_examples=80, deadline=None)
@given(component_specs, system_deps, operator_on,
       st.sampled_from(US_SERVICES), st.booleans(), st.sampled_from(CUSTODY), st.sampled_from(SYSTEMS + (None,)),
       st.integers(0, 11))
def test_a_dependency_on_a_us_parented_service_never_lowers_exposure(specs, sys_deps, operator, service, data, custody,
                                                                       system, host):
    new = ComponentRecord("new", system=system, provider="bigco", service=service[0], region=service[1], holds_data=data,
                          key_custody=custody)
    attach_to = f"c{host}" if (system is None or host % 2) and host < len(specs) else None

    before = exposures(make_estate(specs, sys_deps, operator))
    after = exposures(make_estate(specs, sys_deps, operator, extra=(new, attach_to)))

    for s in SYSTEMS:
        assert after[s][0] >= before[s][0], (s, "confidentiality", before[s], after[s])
        assert after[s][1] >= before[s][1], (s, "availability", before[s], after[s])


@settings(max_examples=60, deadline=None)
@given(component_specs, system_deps, operator_on)
def test_a_system_seal_is_never_above_any_of_its_components(specs, sys_deps, operator):
    G = build_graph(make_estate(specs, sys_deps, operator), CATALOG)
    cache: dict = {}

    for s in SYSTEMS:
        comps = system_components(G, f"system:{s}")
        sov = score_sovereignty(G, f"system:{s}", FRAMEWORK, catalog=CATALOG, cache=cache)
        component_seals = [score_component_sovereignty(G, c, FRAMEWORK, catalog=CATALOG).seal for c in comps]
        capped = [min(x["seal"] for x in score_component_sovereignty(G, c, FRAMEWORK, catalog=CATALOG).criteria
                      if x["seal"] is not None) for c in comps]

        if not comps:
            assert sov.seal is None
            continue
        assert all(sov.seal <= seal for seal in component_seals)
        assert sov.seal == min(capped)
        assert sov.score is None or 0.0 <= sov.score <= 100.0


def _composed(G, full: bool) -> dict:
    rollup = Rollup(G, full=full)
    reach = {s: (r.paths, r.held, r.data) for s, r in compose_reach(rollup, {}).items()}
    sov = {s: v.as_dict() for s, v in compose_sovereignty(rollup, FRAMEWORK, catalog=CATALOG, cache={}).items()}
    return {"reach": reach, "sovereignty": sov, "keys": compose_keys(rollup), "unresolved": compose_unresolved(rollup)}


@settings(max_examples=120, deadline=None)
@given(component_specs, system_graphs, operator_on)
def test_composing_along_system_dependencies_equals_walking_every_closure(specs, sys_deps, operator):
    # Every score of a system is composed from its local closure and the results of the
    # systems it depends on; walking each system's whole closure must give the very same
    # answers, paths included, on chains, diamonds and cycles.
    G = build_graph(make_estate(specs, sys_deps, operator), CATALOG)

    assert _composed(G, full=False) == _composed(G, full=True)
