"""Matching records of different sources into one, field precedence, the report and conflict findings."""

from __future__ import annotations

from datetime import date

import pytest

from inventory.merge import MatchingSettings, MatchRule, merge_batches
from inventory.records import (
    AcceptanceRecord,
    ComponentRecord,
    InventoryBatch,
    OperatorRecord,
    SiteRecord,
    SystemRecord,
)
from scoring.conflicts import add_conflict_findings, build_conflict_findings
from sovmap.errors import InputError, InputErrors

ARN = "arn:aws:dynamodb:eu-west-1:204815733091:table/ecom-declarations"


def ea(*components, systems=(), sites=(), operators=(), acceptances=()) -> InventoryBatch:
    return InventoryBatch("archimate", components=list(components), systems=list(systems), sites=list(sites),
                          operators=list(operators), acceptances=list(acceptances))


def state(*components) -> InventoryBatch:
    return InventoryBatch("terraform", components=list(components))


def conflicts(inv) -> set[tuple]:
    return {(c["id"], c["field"], c["chosen"]["source"], c["matters"]) for c in inv.matching.conflicts}


TYPES = ["archimate", "terraform"]


def test_same_external_id_is_one_component_with_fields_from_the_authoritative_source():
    declared = ComponentRecord("ecom-db", name="Declarations", system="ecom", provider="aws", region="eu-central-1",
                               holds_data=True, data_volume_gb=42000, external_id=ARN, tags={"owner": "ops"})
    found = ComponentRecord(ARN, name="ecom-declarations", provider="aws", service="dynamodb", region="eu-west-1",
                            account="204815733091", external_id=ARN, tags={"owner": "platform", "env": "prod"}, kind="aws_dynamodb_table")

    inv = merge_batches([ea(declared), state(found)], source_types=TYPES)

    c = inv.components["ecom-db"]
    assert list(inv.components) == ["ecom-db"]
    assert (c.name, c.system, c.service, c.region, c.account, c.data_volume_gb) == (
        "Declarations", "ecom", "dynamodb", "eu-west-1", "204815733091", 42000)
    assert c.tags == {"owner": "platform", "env": "prod"}
    assert conflicts(inv) == {("ecom-db", "region", "terraform", True)}
    assert inv.matching.matches == [{"kind": "component", "id": "ecom-db", "by": ["external_id"], "records": [
        {"source": "archimate", "id": "ecom-db", "origin": None}, {"source": "terraform", "id": ARN, "origin": None}]}]


def test_azure_resource_ids_match_whatever_their_case():
    a = ComponentRecord("lake", external_id="/subscriptions/0b1f/resourceGroups/rg-dp/providers/Microsoft.Storage/storageAccounts/st1")
    b = ComponentRecord("st1", provider="azure", region="westeurope",
                        external_id="/subscriptions/0b1f/resourcegroups/RG-DP/providers/Microsoft.Storage/storageAccounts/st1")

    inv = merge_batches([ea(a), state(b)], source_types=TYPES)

    assert {(c.id, c.region) for c in inv.components.values()} == {("lake", "westeurope")}


def test_same_id_in_two_sources_is_one_record_and_in_one_source_an_error():
    one = merge_batches([ea(ComponentRecord("srv", site="dc1")), InventoryBatch("cmdb", components=[ComponentRecord("srv", kind="Linux")])])
    assert {(c.id, c.site, c.kind) for c in one.components.values()} == {("srv", "dc1", "Linux")}

    with pytest.raises(InputError) as info:
        merge_batches([ea(ComponentRecord("srv", origin="model.xml:12"), ComponentRecord("srv", origin="model.xml:40"))])
    assert (info.value.file, info.value.line, info.value.field) == ("model.xml", 40, "id")
    assert "first defined at model.xml:12" in str(info.value)


def test_without_the_id_key_a_shared_id_is_still_an_error():
    settings = MatchingSettings(keys=["external_id"])

    with pytest.raises(InputError, match="duplicate id"):
        merge_batches([ea(ComponentRecord("srv")), state(ComponentRecord("srv"))], settings=settings, source_types=TYPES)


def test_a_name_rule_matches_loosely_and_refuses_ambiguous_names():
    settings = MatchingSettings(rules=[MatchRule(field="name", sources=["archimate", "terraform"])])
    model = ea(ComponentRecord("c1", name="Ecom  Archive_Bucket", system="ecom"), ComponentRecord("c2", name="scan-store"))
    tf = state(ComponentRecord("b1", name="ecom-archive.bucket", provider="aws", region="eu-west-1"),
               ComponentRecord("b2", name="scan store", region="eu-west-1"), ComponentRecord("b3", name="Scan_Store", region="eu-west-2"))

    inv = merge_batches([model, tf], settings=settings, source_types=TYPES)

    assert {(c.id, c.system, c.region) for c in inv.components.values()} == {
        ("c1", "ecom", "eu-west-1"), ("c2", None, None), ("b2", None, "eu-west-1"), ("b3", None, "eu-west-2")}
    assert [(a["value"], len(a["records"])) for a in inv.matching.ambiguous] == [("scan-store", 3)]
    assert inv.matching.matches[0]["by"] == ["rule 1: same name between archimate, terraform (loose)"]


def test_a_left_right_rule_joins_a_tag_to_an_id():
    settings = MatchingSettings(rules=[{"left": {"source": "terraform", "field": "tags.Name"},
                                        "right": {"source": "archimate", "field": "id"}, "compare": "exact"}])

    inv = merge_batches([ea(ComponentRecord("archive", system="ecom")), state(ComponentRecord("arn:x", tags={"Name": "archive"}))],
                        settings=settings, source_types=TYPES)

    assert list(inv.components) == ["archive"]


def test_defaults_never_override_a_stated_value():
    a = SystemRecord("ecom", "E-commerce", criticality="critical", classification="confidential", personal_data=True)
    b = SystemRecord("ecom", "ecom", criticality="medium", owner="Operations")

    inv = merge_batches([ea(systems=[a]), InventoryBatch("backstage", systems=[b])])

    s = inv.systems["ecom"]
    assert (s.name, s.criticality, s.classification, s.personal_data, s.owner) == ("E-commerce", "critical", "confidential", True, "Operations")
    assert inv.matching.conflicts == []


def test_precedence_and_authority_are_configurable():
    model = ea(ComponentRecord("srv", site="dc-groningen"))
    cmdb = InventoryBatch("cmdb", components=[ComponentRecord("srv", site="dc-apeldoorn")])
    sites = ea(sites=[SiteRecord("dc-groningen", "G", "NL"), SiteRecord("dc-apeldoorn", "A", "NL")])
    sites.source = "sites"

    by_order = merge_batches([model, cmdb, sites])
    by_rule = merge_batches([model, cmdb, sites], settings=MatchingSettings(precedence={"site": ["cmdb"]}))
    scanner = merge_batches([ea(ComponentRecord("vm", region="eu-west-1")), InventoryBatch("mytool", components=[ComponentRecord("vm", region="us-east-1")])],
                            settings=MatchingSettings(authority={"mytool": "discovered"}), source_types=["archimate", "custom"])

    assert by_order.components["srv"].site == "dc-groningen"
    assert by_rule.components["srv"].site == "dc-apeldoorn"
    assert scanner.components["vm"].region == "us-east-1"


def test_a_site_against_a_region_keeps_the_region_and_reports_the_placement():
    inv = merge_batches([ea(ComponentRecord("db", site="dc1", external_id=ARN), sites=[SiteRecord("dc1", "DC", "NL")]),
                         state(ComponentRecord(ARN, provider="aws", region="eu-west-1", external_id=ARN))], source_types=TYPES)

    c = inv.components["db"]
    assert (c.provider, c.region, c.site) == ("aws", "eu-west-1", None)
    assert conflicts(inv) == {("db", "placement", "terraform", True)}


def test_references_follow_the_id_a_matched_record_keeps():
    model = ea(ComponentRecord("ecom-db", external_id=ARN), ComponentRecord("api", depends_on=("ecom-db",)),
               operators=[OperatorRecord("msp", "MSP", country="NL", operates=(ARN,))],
               acceptances=[AcceptanceRecord("RA-1", "source-conflict", {"component": ARN}, "CISO")])
    tf = state(ComponentRecord(ARN, external_id=ARN), ComponentRecord("fn", depends_on=(ARN,)))

    inv = merge_batches([model, tf], source_types=TYPES)

    assert inv.components["fn"].depends_on == ("ecom-db",)
    assert inv.operators["msp"].operates == ("ecom-db",)
    assert inv.acceptances["RA-1"].scope == {"component": "ecom-db"}


def test_a_self_reference_the_source_wrote_stays_for_the_reference_check():
    inv = merge_batches([ea(ComponentRecord("a", depends_on=("a",)), ComponentRecord("x", external_id=ARN)),
                         state(ComponentRecord("y", external_id=ARN))], source_types=TYPES)

    assert inv.components["a"].depends_on == ("a",)


def test_conflict_findings_carry_the_countries_and_follow_the_register(bundled_catalog):
    model = ea(ComponentRecord("ecom-db", system="ecom", provider="aws", region="eu-central-1", external_id=ARN),
               systems=[SystemRecord("ecom", "E-commerce", criticality="critical")],
               acceptances=[AcceptanceRecord("RA-9", "source-conflict", {"component": "ecom-db"}, "CIO", review_by=date(2027, 1, 1)),
                            AcceptanceRecord("RA-10", "source-conflict", {"component": "nothing-here"}, "CIO")])
    tf = state(ComponentRecord(ARN, provider="aws", region="us-east-1", external_id=ARN))
    inv = merge_batches([model, tf], source_types=TYPES)

    findings = build_conflict_findings(inv.matching, inv, bundled_catalog)

    assert [(f.id, f.severity, f.scope) for f in findings] == [
        ("source-conflict:ecom:component:ecom-db:region", "critical", {"system": "ecom", "component": "ecom-db"})]
    assert {(v["source"], v["value"], v["country"]) for v in findings[0].evidence["values"]} == {
        ("archimate", "eu-central-1", "DE"), ("terraform", "us-east-1", "US")}

    from scoring import Assessment
    import networkx as nx

    result = Assessment(graph=nx.DiGraph(), as_of=date(2026, 11, 22), stale_acceptances=list(inv.acceptances.values()))
    add_conflict_findings(result, inv, bundled_catalog)
    assert [(f.status, f.acceptance_id) for f in result.findings] == [("stated", "RA-9")]
    assert [a.id for a in result.stale_acceptances] == ["RA-10"]


@pytest.mark.parametrize(
    ("section", "words"),
    [
        ("matching: {rules: [{field: name, left: {field: id}, right: {field: id}}]}", "either 'field' or 'left' and 'right'"),
        ("matching: {rules: [{field: colour}]}", "should match pattern"),
        ("matching: {keys: [arn]}", "keys"),
        ("matching: {authority: {cmdb: trusted}}", "authority"),
    ],
)
def test_a_bad_matching_section_names_the_config_line(tmp_path, section, words):
    from sovmap.config import load_config

    cfg = tmp_path / "sovmap.yaml"
    (tmp_path / "inv.yaml").write_text("version: 1\n")
    cfg.write_text(f"version: 1\nsources:\n  - {{type: declared, path: inv.yaml}}\n{section}\n")

    with pytest.raises((InputError, InputErrors)) as info:
        load_config(cfg)

    assert words in str(info.value)
    assert "sovmap.yaml:4" in str(info.value)
