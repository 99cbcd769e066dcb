"""Where a provider's own operations and support staff sit, as a channel of jurisdiction.

A provider's ``operations.countries`` reach every component on it through the path
component -> service -> provider -> country. Without a customer approval gate that channel
(``provider-operations``) carries confidentiality and availability, as a declared operator
does; with a gate (Customer Lockbox, Access Approval) it is ``provider-operations-gated`` and
carries availability only.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from analyzer import build_graph, system_reach
from analyzer.jurisdiction import CHANNELS
from inventory.catalog import load_catalog
from inventory.merge import Inventory
from inventory.records import ComponentRecord, Organization, SystemRecord
from scoring import assess

from conftest import FIXTURES

AS_OF = date(2026, 11, 22)

# Two providers beside the mini catalog's: one whose support desk in India works without a
# customer approval gate, one whose staff in India and the US need the customer's approval.
PROVIDERS = """
legal_entities:
  - {key: deskco, name: DeskCo GmbH, country: DE, source: test, as_of: 2026-11-01}
  - {key: gateco, name: GateCo GmbH, country: DE, source: test, as_of: 2026-11-01}
providers:
  - key: deskco
    name: DeskCo
    kind: saas
    contracting_entity: deskco
    operations: {countries: [DE, IN], claims: follow-the-sun support from Germany and India}
    source: test
    as_of: 2026-11-01
  - key: gateco
    name: GateCo
    kind: cloud
    contracting_entity: gateco
    operations: {countries: [DE, IN, US], approval_gate: the customer approves every access to content}
    source: test
    as_of: 2026-11-01
services:
  - {provider: deskco, key: tickets, name: Tickets, model: SaaS, dora_type: S19, portability: low, source: test, as_of: 2026-11-01}
  - {provider: gateco, key: vm, name: VMs, model: IaaS, dora_type: S17, portability: high, source: test, as_of: 2026-11-01}
regions:
  - {provider: deskco, code: eu, name: EU, country: DE, source: test, as_of: 2026-11-01}
  - {provider: gateco, code: de1, name: Germany 1, country: DE, source: test, as_of: 2026-11-01}
"""


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    path: Path = tmp_path_factory.mktemp("catalog") / "operations.yaml"
    path.write_text(PROVIDERS, encoding="utf-8")
    return load_catalog([path], files=[FIXTURES / "catalog" / "mini.yaml"])


def estate(*components: ComponentRecord) -> Inventory:
    return Inventory(
        organization=Organization("Org", "NL", "EU"),
        systems={"s": SystemRecord("s", "System S", criticality="critical", classification="confidential")},
        components={c.id: c for c in components},
    )


def operations_reach(inv: Inventory, catalog) -> set[tuple[str, str, tuple[str, ...]]]:
    reach = system_reach(build_graph(inv, catalog), "system:s")
    return {
        (code, via, path)
        for code, j in reach.items()
        for via, path in j.paths.items()
        if via.startswith("provider-operations")
    }


def test_the_channels_carry_what_the_gate_allows() -> None:
    assert CHANNELS["provider-operations"] == {"confidentiality", "availability"}
    assert CHANNELS["provider-operations-gated"] == {"availability"}


def test_support_staff_countries_reach_through_component_service_provider_country(catalog) -> None:
    inv = estate(ComponentRecord("itsm", system="s", provider="deskco", service="tickets", region="eu", holds_data=True))

    found = operations_reach(inv, catalog)

    head = ("system:s", "component:itsm", "service:deskco/tickets", "provider:deskco")
    assert found == {
        ("DE", "provider-operations", (*head, "country:DE")),
        ("IN", "provider-operations", (*head, "country:IN")),
    }


def test_an_approval_gate_makes_the_channel_gated(catalog) -> None:
    inv = estate(ComponentRecord("vm", system="s", provider="gateco", service="vm", region="de1", holds_data=True))

    G = build_graph(inv, catalog)
    found = operations_reach(inv, catalog)

    assert {(code, via) for code, via, _ in found} == {
        ("DE", "provider-operations-gated"), ("IN", "provider-operations-gated"), ("US", "provider-operations-gated"),
    }
    assert G.nodes["provider:gateco"]["approval_gate"] == "the customer approves every access to content"
    assert G.edges["provider:gateco", "country:IN"]["type"] == "operations_in"


def test_ungated_staff_abroad_count_for_confidentiality_and_gated_ones_do_not(catalog) -> None:
    open_desk = estate(ComponentRecord("itsm", system="s", provider="deskco", service="tickets", region="eu", holds_data=True))
    gated = estate(ComponentRecord("vm", system="s", provider="gateco", service="vm", region="de1", holds_data=True))

    open_exp = assess(open_desk, catalog, as_of=AS_OF).exposures["system:s"]
    gated_exp = assess(gated, catalog, as_of=AS_OF).exposures["system:s"]

    assert {(f["jurisdiction"], tuple(f["via"])) for f in open_exp.confidentiality["factors"]} == {
        ("IN", ("provider-operations",)),
    }
    assert {f["jurisdiction"] for f in gated_exp.confidentiality["factors"]} == set()
    assert {(f["jurisdiction"], tuple(f["via"])) for f in gated_exp.availability["factors"]} == {
        ("IN", ("provider-operations-gated",)), ("US", ("provider-operations-gated",)),
    }


def test_a_gated_us_operations_country_brings_only_the_suspension_laws(catalog) -> None:
    inv = estate(ComponentRecord("vm", system="s", provider="gateco", service="vm", region="de1", holds_data=True))

    exp = assess(inv, catalog, as_of=AS_OF).exposures["system:s"]

    us = next(f for f in exp.availability["factors"] if f["jurisdiction"] == "US")
    assert us["laws"] == ["us-ieepa"]  # extraterritorial and a suspension law; the territorial one stays home


def test_a_provider_without_operations_countries_adds_no_channel(catalog) -> None:
    inv = estate(ComponentRecord("db", system="s", provider="bigco", service="vm", region="eu-central-1", holds_data=True))

    assert operations_reach(inv, catalog) == set()


def test_bundled_providers_with_operations_countries_reach_their_components(bundled_catalog) -> None:
    # Every bundled provider that names operations countries brings each of them in.
    providers = {k: p for k, p in bundled_catalog.providers.items() if p.operations and p.operations.countries}
    missing = []
    for key, provider in sorted(providers.items()):
        service = next((s for s in bundled_catalog.provider_services(key)), None)
        region = next((r for r in bundled_catalog.provider_regions(key)), None)
        if service is None or region is None:
            continue
        inv = estate(ComponentRecord("c", system="s", provider=key, service=service.key, region=region.code))
        reached = {code for code, _, _ in operations_reach(inv, bundled_catalog)}
        if reached != set(provider.operations.countries):
            missing.append((key, sorted(set(provider.operations.countries) - reached)))

    assert providers
    assert missing == []
