"""The Azure normalizers on their own: raw rows in, components and coverage out (no network)."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES

from connectors.azure import Params, normalize
from connectors.azure.resources import FAMILIES, PROPERTY_LISTS, PROPERTY_TYPES

TENANT = "7d1e3f0a-6b2c-4c8e-9a51-2f3b4c5d6e7f"
SUB = "0b1c2d3e-1111-4a5b-8c9d-0e1f2a3b4c5d"


def _raw(*rows: dict, tenants: list | None = None) -> dict:
    return {
        "endpoint": "https://management.azure.com",
        "tenants": tenants if tenants is not None else [],
        "subscriptions": [{"id": f"/subscriptions/{SUB}", "subscriptionId": SUB, "tenantId": TENANT,
                           "displayName": "ecom-prod", "state": "Enabled"}],
        "results": [{"subscription": SUB, "method": "resource-graph", "status": "read", "detail": "Resource Graph",
                     "resources": list(rows)}],
        "coverage": [],
    }


def _row(provider_type: str, name: str, location: str = "westeurope", **fields) -> dict:
    return {"id": f"/subscriptions/{SUB}/resourceGroups/RG-One/providers/{provider_type}/{name}", "name": name,
            "type": provider_type.lower(), "location": location, **fields}


def test_every_family_names_services_of_the_catalog(bundled_catalog):
    services = {(f.__name__.rsplit(".", 1)[1], t, s) for f in FAMILIES for t, s in f.TYPES.items() if s is not None}

    missing = {(family, t, s) for family, t, s in services if bundled_catalog.service("azure", s) is None}

    assert missing == set()


def test_every_property_list_is_a_property_type_and_types_are_lower_case():
    assert {t.lower() for t in PROPERTY_LISTS} <= PROPERTY_TYPES
    assert all(t == t.lower() for f in FAMILIES for t in f.TYPES)


def test_fixture_regions_are_catalog_regions(bundled_catalog):
    rows = [r for page in ("ecom-prod-page1", "ecom-prod-page2") for r in json.loads((FIXTURES / "azure" / "graph" / f"{page}.json").read_text())["data"]]

    unknown = {r["location"] for r in rows if r["location"] != "global" and bundled_catalog.region("azure", r["location"]) is None}

    assert unknown == set()


def test_a_geo_redundant_account_without_a_reported_secondary_gets_no_guessed_region():
    row = _row("Microsoft.Storage/storageAccounts", "stold", sku={"name": "Standard_GRS"}, kind="StorageV2")

    batch = normalize(_raw(row), Params())

    assert {(c.id.rsplit("/", 1)[1], c.region) for c in batch.components} == {
        (TENANT, None), ("stold", "westeurope"), ("stold#secondary", None),
    }


def test_cosmos_replicas_follow_failover_priority_and_display_names():
    row = _row("Microsoft.DocumentDB/databaseAccounts", "cosmos1", location="germanywestcentral", properties={
        "locations": [
            {"locationName": "Sweden Central", "failoverPriority": 2},
            {"locationName": "Germany West Central", "failoverPriority": 0},
            {"locationName": "North Europe", "failoverPriority": 1},
        ],
    })

    batch = normalize(_raw(row), Params(tenant_component=False))

    assert [(c.id.rsplit("/", 1)[1], c.region, c.key_custody) for c in batch.components] == [
        ("cosmos1", "germanywestcentral", "provider"),
        ("cosmos1#replica:northeurope", "northeurope", "provider"),
        ("cosmos1#replica:swedencentral", "swedencentral", "provider"),
    ]


def test_without_the_tenant_component_nothing_depends_on_it():
    row = _row("Microsoft.Compute/virtualMachines", "vm1", identity={"type": "SystemAssigned", "tenantId": TENANT})

    batch = normalize(_raw(row), Params(tenant_component=False))

    assert [(c.name, c.depends_on) for c in batch.components] == [("vm1", ())]


def test_the_tenant_of_an_arm_row_comes_from_its_subscription():
    row = _row("Microsoft.ManagedIdentity/userAssignedIdentities", "id1")

    batch = normalize(_raw(row, tenants=[{"tenantId": TENANT, "displayName": "Example"}]), Params())

    assert {(c.name, c.depends_on) for c in batch.components} == {
        ("Example", ()), ("id1", (f"/tenants/{TENANT}",)),
    }


def test_excluded_types_are_left_out_and_counted():
    rows = [_row("Microsoft.Network/networkWatchers", "nw1"), _row("Microsoft.Network/virtualNetworks", "vnet1"),
            _row("Microsoft.Portal/dashboards", "board")]

    batch = normalize(_raw(*rows), Params(tenant_component=False, exclude_types=["Microsoft.Network/networkWatchers"]))

    assert [c.name for c in batch.components] == ["vnet1", "board"]
    assert [(c.scope, c.status, c.detail) for c in batch.coverage if c.scope == "resource types"] == [
        ("resource types", "read",
         "1 resource(s) of types without a catalog service: microsoft.portal/dashboards (1); 1 resource(s) left out by exclude_types"),
    ]


def test_a_resource_read_twice_is_one_component_and_dangling_references_are_dropped():
    vm = _row("Microsoft.Compute/virtualMachines", "vm1", properties={
        "storageProfile": {"osDisk": {"managedDisk": {"id": f"/subscriptions/{SUB}/resourceGroups/rg-one/providers/Microsoft.Compute/disks/gone"}}},
    })

    batch = normalize(_raw(vm, dict(vm)), Params(tenant_component=False))

    assert [(c.name, c.depends_on) for c in batch.components] == [("vm1", ())]


@pytest.mark.parametrize(
    ("kind", "service"),
    [("OpenAI", "openai"), ("AIServices", "ai-services"), ("FormRecognizer", "ai-services")],
)
def test_cognitive_accounts_are_openai_or_ai_services_by_kind(kind, service):
    row = _row("Microsoft.CognitiveServices/accounts", "acc", kind=kind)

    batch = normalize(_raw(row), Params(tenant_component=False))

    assert batch.components[0].service == service


def test_keys_in_a_managed_hsm_are_customer_held_in_a_vault_customer_managed():
    hsm = _row("Microsoft.KeyVault/managedHSMs", "hsm1", properties={"hsmUri": "https://hsm1.managedhsm.azure.net/"})
    held = _row("Microsoft.Storage/storageAccounts", "st1", sku={"name": "Standard_LRS"}, properties={
        "encryption": {"keySource": "Microsoft.Keyvault", "keyvaultproperties": {"keyvaulturi": "https://hsm1.managedhsm.azure.net/"}},
    })
    managed = _row("Microsoft.Storage/storageAccounts", "st2", sku={"name": "Standard_ZRS"}, properties={
        "encryption": {"keySource": "Microsoft.Keyvault", "keyvaultproperties": {"keyvaulturi": "https://kv-elsewhere.vault.azure.net"}},
    })

    batch = normalize(_raw(hsm, held, managed), Params(tenant_component=False))

    assert {(c.name, c.key_custody, len(c.depends_on)) for c in batch.components} == {
        ("hsm1", "customer-held", 0), ("st1", "customer-held", 1), ("st2", "customer-managed", 0),
    }


def test_the_documentation_lists_the_read_action_of_every_property_list():
    from conftest import ROOT

    text = (ROOT / "docs" / "connectors" / "azure.md").read_text()

    missing = [f"{t}/read" for t in PROPERTY_LISTS if f"`{t}/read`" not in text]

    assert missing == []
