"""Jurisdiction reach, exposure and findings on small named estates (mini catalog)."""

from __future__ import annotations

from datetime import date

import pytest

from analyzer import build_graph, system_reach
from inventory.merge import Inventory
from inventory.records import AcceptanceRecord, ComponentRecord, OperatorRecord, Organization, SiteRecord, SystemRecord
from scoring import assess
from scoring.exposure import score_exposure

AS_OF = date(2026, 11, 22)


def estate(*components, systems=None, operators=(), sites=(), acceptances=()) -> Inventory:
    systems = systems or [SystemRecord("s", "System S", criticality="critical", classification="confidential")]
    return Inventory(
        organization=Organization("Org", "NL", "EU"),
        systems={s.id: s for s in systems},
        components={c.id: c for c in components},
        operators={o.id: o for o in operators},
        sites={s.id: s for s in sites},
        acceptances={a.id: a for a in acceptances},
    )


def reach_set(inv, catalog, system="s"):
    G = build_graph(inv, catalog)
    return {(code, via) for code, j in system_reach(G, f"system:{system}").items() for via in j.paths}


def test_data_in_germany_at_a_us_parented_provider_is_reached_by_us_law(mini_catalog):
    inv = estate(ComponentRecord("db", system="s", provider="bigco", service="vm", region="eu-central-1", holds_data=True))

    result = assess(inv, mini_catalog, as_of=AS_OF)

    exp = result.exposures["system:s"]
    assert exp.data_countries == ["DE"]
    us = next(j for j in exp.jurisdictions if j["code"] == "US")
    assert us["foreign"] is True
    assert {v["kind"] for v in us["via"]} == {"legal-entity"}
    path = next(v["path"] for v in us["via"])
    assert path == ["system:s", "component:db", "service:bigco/vm", "entity:bigco-emea", "entity:bigco-inc", "country:US"]
    assert us["laws"] == ["us-cloud-act", "us-ieepa"]  # the territorial law does not follow the parent abroad
    assert exp.confidentiality["level"] == "high"
    assert ("foreign-law-access", "US") in {(f.type, f.scope.get("jurisdiction")) for f in result.findings}


def test_data_at_an_eu_provider_is_not_reached_by_a_foreign_jurisdiction(mini_catalog):
    inv = estate(ComponentRecord("db", system="s", provider="euhost", service="vm", region="fsn1", holds_data=True))

    result = assess(inv, mini_catalog, as_of=AS_OF)

    exp = result.exposures["system:s"]
    assert {(j["code"], j["foreign"]) for j in exp.jurisdictions} == {("DE", False)}
    assert exp.confidentiality["level"] == "none" and exp.availability["level"] == "none"
    assert not [f for f in result.findings if f.type.startswith("foreign")]


def test_data_in_a_us_region_brings_the_territorial_law_too(mini_catalog):
    inv = estate(ComponentRecord("db", system="s", provider="bigco", service="vm", region="us-east-1", holds_data=True))

    exp = assess(inv, mini_catalog, as_of=AS_OF).exposures["system:s"]

    us = next(j for j in exp.jurisdictions if j["code"] == "US")
    assert "us-territorial" in us["laws"]
    assert exp.data_countries == ["US"]
    assert exp.confidentiality["score"] == 100


def test_sovereign_region_entity_replaces_the_default_contracting_entity(mini_catalog):
    inv = estate(ComponentRecord("db", system="s", provider="bigco", service="vm", region="eusc-de-east-1", holds_data=True))

    G = build_graph(inv, mini_catalog)
    reach = system_reach(G, "system:s")

    # The chain starts at the region's operating entity, not at the service's default entity.
    assert reach["US"].paths["legal-entity"] == (
        "system:s", "component:db", "region:bigco/eusc-de-east-1", "entity:bigco-sovereign", "entity:bigco-emea",
        "entity:bigco-inc", "country:US",
    )
    assert reach["DE"].paths["legal-entity"][-2:] == ("entity:bigco-sovereign", "country:DE")


def test_multi_country_geography_lists_every_country_as_data_location(mini_catalog):
    inv = estate(ComponentRecord("mail", system="s", provider="bigco", service="vm", region="eu", holds_data=True))

    exp = assess(inv, mini_catalog, as_of=AS_OF).exposures["system:s"]

    assert exp.data_countries == ["FI", "IE", "NL"]


def test_global_service_brings_its_control_plane_and_identity_is_followed_transitively(mini_catalog):
    inv = estate(
        ComponentRecord("app", system="s", provider="euhost", service="vm", region="fsn1", depends_on=("idp",)),
        ComponentRecord("idp", system="shared", provider="bigco", service="iam"),
        systems=[SystemRecord("s", "S", criticality="high"), SystemRecord("shared", "Shared identity", criticality="critical")],
    )

    G = build_graph(inv, mini_catalog)
    reach = system_reach(G, "system:s")

    assert G.edges["component:app", "component:idp"]["type"] == "authenticates_via"
    assert reach["US"].paths["control-plane"] == ("system:s", "component:app", "component:idp", "service:bigco/iam", "country:US")


def test_system_dependency_carries_jurisdictions(mini_catalog):
    inv = estate(
        ComponentRecord("a", system="front", provider="euhost", service="vm", region="fsn1"),
        ComponentRecord("b", system="back", provider="bigco", service="nosql", region="eu-central-1", holds_data=True),
        systems=[SystemRecord("front", "Front", depends_on=("back",)), SystemRecord("back", "Back")],
    )

    assert ("US", "legal-entity") in reach_set(inv, mini_catalog, "front")


def test_operator_abroad_gives_operator_access_finding(mini_catalog):
    inv = estate(
        ComponentRecord("vm", system="s", provider="euhost", service="vm", region="fsn1"),
        operators=[OperatorRecord("desk", "Offshore desk", country="IN", operates=("vm",), access="admin")],
    )

    result = assess(inv, mini_catalog, as_of=AS_OF)

    assert {(f.type, f.scope["jurisdiction"], f.severity) for f in result.findings if f.type == "operator-access"} == {
        ("operator-access", "IN", "critical")
    }


def test_customer_held_keys_lower_confidentiality_only(mini_catalog):
    plain = estate(ComponentRecord("db", system="s", provider="bigco", service="vm", region="eu-central-1", holds_data=True))
    held = estate(ComponentRecord("db", system="s", provider="bigco", service="vm", region="eu-central-1", holds_data=True,
                                  key_custody="customer-held"))

    a = assess(plain, mini_catalog, as_of=AS_OF).exposures["system:s"]
    b = assess(held, mini_catalog, as_of=AS_OF).exposures["system:s"]

    assert b.confidentiality["score"] == a.confidentiality["score"] / 2
    assert b.availability["score"] == a.availability["score"] == 80


@pytest.mark.parametrize(
    ("component", "expected"),
    [
        (ComponentRecord("x", system="s", provider="nobody", service="vm", region="r1"), ("unknown-provider", "provider", "nobody")),
        (ComponentRecord("x", system="s", provider="bigco", service="vm", region="eu-west-9"), ("unknown-location", "region", "bigco/eu-west-9")),
        (ComponentRecord("x", system="s", provider="bigco", service="quantum", region="eu-central-1"), ("unknown-service", "service", "bigco/quantum")),
        (ComponentRecord("x", system="s", provider="bigco", service="vm"), ("unknown-location", "region", "bigco/?")),
        (ComponentRecord("x", system="s"), ("unknown-location", "location", "neither provider nor site given")),
    ],
)
def test_what_the_catalog_does_not_know_is_an_unknown_finding_never_a_guess(mini_catalog, component, expected):
    result = assess(estate(component), mini_catalog, as_of=AS_OF)

    unknown = {(f.type, f.evidence["field"], f.evidence["value"]) for f in result.findings if f.type.startswith("unknown")}
    assert unknown == {expected}
    assert all(f.evidence["resolution"] == "UNKNOWN" for f in result.findings if f.type.startswith("unknown"))


def test_site_with_unknown_country_is_unknown(mini_catalog):
    inv = estate(ComponentRecord("x", system="s", site="dc"), sites=[SiteRecord("dc", "DC", country="ZZ")])

    result = assess(inv, mini_catalog, as_of=AS_OF)

    assert {f.type for f in result.findings} == {"unknown-location"}


def test_unattributed_component_is_a_finding(mini_catalog):
    result = assess(estate(ComponentRecord("orphan", provider="euhost", service="vm", region="fsn1")), mini_catalog, as_of=AS_OF)

    assert {(f.type, f.scope["component"]) for f in result.findings} == {("unattributed-resource", "orphan")}


def test_register_status_stated_expired_implicit_and_stale(mini_catalog):
    comps = [
        ComponentRecord("a", system="s1", provider="bigco", service="vm", region="eu-central-1", holds_data=True),
        ComponentRecord("b", system="s2", provider="bigco", service="vm", region="eu-central-1", holds_data=True),
        ComponentRecord("c", system="s3", provider="bigco", service="vm", region="eu-central-1", holds_data=True),
    ]
    systems = [SystemRecord(s, s.upper(), criticality="high") for s in ("s1", "s2", "s3")]
    register = [
        AcceptanceRecord("RA-1", "foreign-law-access", {"system": "s1", "jurisdiction": "US"}, "CISO", review_by=date(2027, 3, 1)),
        AcceptanceRecord("RA-2", "foreign-law-access", {"system": "s2"}, "CISO", review_by=date(2026, 3, 1)),
        AcceptanceRecord("RA-3", "data-outside-eu", {"system": "s1", "jurisdiction": "US"}, "CISO"),
    ]
    inv = estate(*comps, systems=systems, acceptances=register)

    result = assess(inv, mini_catalog, as_of=AS_OF)

    law = {(f.system, f.status, f.acceptance_id) for f in result.findings if f.type == "foreign-law-access"}
    assert law == {("s1", "stated", "RA-1"), ("s2", "expired", "RA-2"), ("s3", "implicit", None)}
    assert [a.id for a in result.stale_acceptances] == ["RA-3"]


def test_shared_component_of_critical_systems_is_a_single_point_of_failure(mini_catalog):
    inv = estate(
        ComponentRecord("idp", system="id", provider="bigco", service="iam"),
        ComponentRecord("a", system="s1", provider="euhost", service="vm", region="fsn1", depends_on=("idp",)),
        ComponentRecord("b", system="s2", provider="euhost", service="vm", region="fsn1", depends_on=("idp",)),
        systems=[SystemRecord("id", "Identity", criticality="critical"), SystemRecord("s1", "S1", criticality="critical"),
                 SystemRecord("s2", "S2", criticality="low")],
    )

    result = assess(inv, mini_catalog, as_of=AS_OF)

    spof = {(f.scope["component"], f.severity, tuple(f.evidence["systems"])) for f in result.findings if f.type == "single-point-of-failure"}
    assert spof == {("idp", "critical", ("id", "s1", "s2"))}


def test_evidence_names_catalog_sources(mini_catalog):
    inv = estate(ComponentRecord("db", system="s", provider="bigco", service="vm", region="eu-central-1", holds_data=True))

    finding = next(f for f in assess(inv, mini_catalog, as_of=AS_OF).findings if f.type == "foreign-law-access")

    keys = {(fact["catalog"], fact["key"]) for fact in finding.evidence["catalog"]}
    assert {("legal_entities", "bigco-inc"), ("laws", "us-cloud-act"), ("countries", "US")} <= keys
    assert all(fact["source"] and fact["as_of"] for fact in finding.evidence["catalog"])


def test_exposure_is_computed_without_precomputed_inputs(mini_catalog):
    inv = estate(ComponentRecord("db", system="s", provider="bigco", service="vm", region="eu-central-1", holds_data=True))
    G = build_graph(inv, mini_catalog)

    assert score_exposure(G, "system:s").confidentiality["level"] == "high"


def test_model_provenance_is_an_availability_channel_and_unknown_model_is_reported(mini_catalog):
    inv = estate(
        ComponentRecord("scan", system="s", provider="euhost", service="vm", region="fsn1", model="bigmodel-7b"),
        ComponentRecord("ocr", system="s", provider="euhost", service="vm", region="fsn1", model="mystery-model"),
    )

    result = assess(inv, mini_catalog, as_of=AS_OF)
    G = result.graph

    reach = system_reach(G, "system:s")
    assert reach["US"].paths["model-provenance"] == (
        "system:s", "component:scan", "model:bigmodel-7b", "entity:bigco-inc", "country:US")
    exp = result.exposures["system:s"]
    assert exp.confidentiality["score"] == 0 and exp.availability["score"] == 50
    assert {(f.type, f.evidence.get("value")) for f in result.findings if f.type.startswith("unknown")} == {
        ("unknown-model", "mystery-model")}


def test_provider_without_service_is_an_unknown_service(mini_catalog):
    result = assess(estate(ComponentRecord("x", system="s", provider="euhost", region="fsn1")), mini_catalog, as_of=AS_OF)

    assert {(f.type, f.evidence["value"]) for f in result.findings if f.type.startswith("unknown")} == {
        ("unknown-service", "euhost/?")}
