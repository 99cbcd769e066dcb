"""The bundled knowledge catalog: it loads, it is complete where it must be, and bad overrides fail.

These tests walk the whole catalog rather than sampling it: a region without a country or an
ownership chain without an end would silently turn a jurisdiction answer into UNKNOWN.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from botocore.loaders import Loader

from inventory.catalog import BUNDLED_DIR, Catalog, load_catalog
from sovmap.errors import InputError, InputErrors

REPO_ROOT = Path(__file__).resolve().parent.parent

FIXED_SERVICES: dict[str, set[str]] = {
    "aws": {
        "ec2", "ebs", "s3", "rds", "aurora", "dynamodb", "lambda", "ecs", "eks", "elasticache", "sqs", "sns",
        "kinesis", "kms", "secretsmanager", "cloudfront", "route53", "iam", "identity-center", "cognito",
        "sagemaker", "redshift", "efs", "backup", "bedrock", "api-gateway", "glue", "athena", "emr", "opensearch",
        "organizations", "cloudtrail", "cloudwatch", "vpc", "elb", "msk", "step-functions", "ecr", "waf",
        "directconnect",
    },
    "azure": {
        "virtual-machines", "managed-disks", "blob-storage", "files", "sql-database", "postgresql", "cosmos-db",
        "aks", "app-service", "functions", "key-vault", "managed-hsm", "entra-id", "openai", "ai-services",
        "event-hubs", "service-bus", "synapse", "data-factory", "databricks", "monitor", "front-door", "dns", "vnet",
        "application-gateway", "container-registry", "redis-cache", "machine-learning", "backup", "api-management",
        "sentinel", "purview",
    },
    "microsoft-365": {"exchange-online", "teams", "sharepoint-online", "onedrive", "intune", "defender", "power-bi"},
    "gcp": {
        "compute-engine", "cloud-storage", "cloud-sql", "bigquery", "gke", "cloud-run", "cloud-functions", "pubsub",
        "spanner", "firestore", "vertex-ai", "kms", "cloud-iam", "cloud-dns", "dataflow", "dataproc", "memorystore",
        "artifact-registry", "cloud-load-balancing", "cloud-logging",
    },
    "salesforce": {"sales-cloud", "service-cloud", "platform"},
    "ovhcloud": {
        "public-cloud-instances", "object-storage", "block-storage", "managed-kubernetes", "managed-postgresql",
        "bare-metal", "hosted-private-cloud",
    },
    "scaleway": {"instances", "object-storage", "block-storage", "kapsule", "managed-database", "serverless-containers"},
    "hetzner": {"cloud-servers", "dedicated-servers", "volumes", "object-storage", "load-balancer"},
    "stackit": {"compute", "object-storage", "ske", "postgresql-flex", "dns"},
    "ionos": {"compute", "s3-object-storage", "managed-kubernetes", "dbaas-postgresql"},
    "sap": {"successfactors"},
    "servicenow": {"itsm"},
    "atlassian": {"jira-cloud", "confluence-cloud"},
    "okta": {"workforce-identity"},
    "cloudflare": {"cdn", "dns", "zero-trust"},
}

EU_MEMBER_STATES = set("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split())
EU_TERRITORIES = set("AX GF GP MF MQ RE YT".split())
ADEQUACY = set("AD AR BR CA FO GG IM IL JP JE NZ KR CH GB UY US".split())


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    path = REPO_ROOT / "tools" / "gen_aws_regions.py"
    spec = importlib.util.spec_from_file_location("gen_aws_regions", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    # dataclasses resolve string annotations through sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def botocore_regions() -> set[tuple[str, str]]:
    """Every (partition, region) botocore ships, read independently of the generator."""
    found: set[tuple[str, str]] = set()
    loader = Loader()
    for name in ("endpoints", "partitions"):
        for partition in loader.load_data(name)["partitions"]:
            pattern = re.compile(partition["regionRegex"])
            for code in partition["regions"]:
                if pattern.match(code):
                    found.add((partition.get("partition") or partition["id"], code))
    return found


# -- the bundled catalog ----------------------------------------------------------------------------


def test_bundled_catalog_loads(catalog: Catalog) -> None:
    assert len(catalog.countries) == 249
    assert set(FIXED_SERVICES) <= set(catalog.providers)


def test_every_bundled_file_has_one_kind_of_content() -> None:
    files = {p.relative_to(BUNDLED_DIR).as_posix() for p in BUNDLED_DIR.rglob("*.yaml")}

    assert {"countries.yaml", "laws.yaml", "entities.yaml", "providers.yaml", "regions/aws.yaml"} <= files
    assert {f"services/{p}.yaml" for p in FIXED_SERVICES} <= files


def test_blocs_follow_the_eu_membership_and_adequacy_lists(catalog: Catalog) -> None:
    eu_bloc = {c for c, country in catalog.countries.items() if country.bloc == "EU"}
    adequacy = {c for c, country in catalog.countries.items() if country.bloc == "adequacy"}
    eea = {c for c, country in catalog.countries.items() if country.bloc == "EEA"}

    # Besides the member states: Åland and the outermost regions that have their own ISO code.
    assert eu_bloc == EU_MEMBER_STATES | EU_TERRITORIES
    assert adequacy == ADEQUACY
    assert eea == {"IS", "LI", "NO"}
    assert all(catalog.countries[c].adequacy for c in adequacy)
    assert "Data Privacy Framework" in catalog.countries["US"].adequacy.scope


def test_countries_list_the_laws_that_reach_from_them(catalog: Catalog) -> None:
    assert {"us-cloud-act", "us-fisa-702", "us-eo-12333", "us-ieepa"} <= set(catalog.countries["US"].laws)
    assert {"cn-national-intelligence-law", "cn-data-security-law"} <= set(catalog.countries["CN"].laws)
    assert "uk-ipa-2016" in catalog.countries["GB"].laws
    assert "ca-production-orders" in catalog.countries["CA"].laws
    for code in EU_MEMBER_STATES - {"DK"}:
        assert set(catalog.countries[code].laws) == {"eu-gdpr", "eu-e-evidence", "eu-sanctions"}, code


def test_every_region_has_a_country_in_the_catalog(catalog: Catalog) -> None:
    missing = {
        (provider, code, c)
        for (provider, code), region in catalog.regions.items()
        for c in (region.country, *region.also_in)
        if c not in catalog.countries
    }

    assert missing == set()


def test_every_region_belongs_to_a_known_provider(catalog: Catalog) -> None:
    assert {provider for provider, _ in catalog.regions} <= set(catalog.providers)


def test_every_ownership_chain_ends_in_an_ultimate_parent_with_a_country(catalog: Catalog) -> None:
    entity_keys = {p.contracting_entity for p in catalog.providers.values()}
    entity_keys |= {e for p in catalog.providers.values() for e in (*p.other_entities, *p.technology_licensors)}
    entity_keys |= {r.operating_entity for r in catalog.regions.values() if r.operating_entity}
    broken = []
    for key in sorted(entity_keys):
        chain = catalog.ownership_chain(key)
        top = chain[-1] if chain else None
        if top is None or top.parent is not None or top.country not in catalog.countries:
            broken.append(key)

    assert broken == []


def test_us_parents_are_where_the_catalog_says(catalog: Catalog) -> None:
    def ultimate(provider: str) -> tuple[str, str]:
        top = catalog.ultimate_parent(catalog.providers[provider].contracting_entity)
        assert top is not None
        return top.key, top.country

    assert ultimate("aws") == ("amazon-com-inc", "US")
    assert ultimate("azure") == ("microsoft-corporation", "US")
    assert ultimate("gcp") == ("alphabet-inc", "US")
    assert ultimate("ovhcloud") == ("ovh-groupe", "FR")
    assert ultimate("stackit")[1] == "DE"
    sovereign = catalog.region("aws", "eusc-de-east-1")
    assert sovereign is not None and sovereign.operating_entity is not None
    assert catalog.ultimate_parent(sovereign.operating_entity).country == "US"


def test_every_botocore_region_of_every_partition_resolves_to_a_country(catalog: Catalog) -> None:
    regions = botocore_regions()
    unresolved = {
        (partition, code)
        for partition, code in regions
        if (r := catalog.region("aws", code)) is None or r.country not in catalog.countries or r.partition != partition
    }

    assert {p for p, _ in regions} >= {"aws", "aws-cn", "aws-us-gov", "aws-eusc"}
    assert unresolved == set()


def test_generated_aws_regions_are_not_stale(generator: ModuleType) -> None:
    assert generator.check(), "inventory/catalog/regions/aws.yaml is stale: run python tools/gen_aws_regions.py"


def test_generator_names_a_region_it_cannot_place(generator: ModuleType) -> None:
    unknown = [{"partition": "aws", "code": "xx-north-9", "description": "Nowhere (Atlantis)", "file": "endpoints.json"}]

    with pytest.raises(generator.UnmappedRegionError, match="xx-north-9"):
        generator.build_regions(unknown, "0.0.0")


def test_all_fixed_service_keys_exist(catalog: Catalog) -> None:
    missing = {
        (provider, key) for provider, keys in FIXED_SERVICES.items() for key in keys
        if catalog.service(provider, key) is None
    }

    assert missing == set()


def test_eu_alternatives_resolve(catalog: Catalog) -> None:
    bad_providers = {(p.key, alt) for p in catalog.providers.values() for alt in p.eu_alternatives if alt not in catalog.providers}
    bad_services = {
        ("/".join(key), alt)
        for key, s in catalog.services.items()
        for alt in s.eu_alternatives
        if alt.count("/") != 1 or catalog.service(*alt.split("/")) is None
    }

    assert bad_providers == set()
    assert bad_services == set()


def test_global_services_name_their_control_plane_country(catalog: Catalog) -> None:
    assert {k for k, s in catalog.services.items() if s.scope == "global" and not s.control_plane_country} == set()
    assert catalog.service("aws", "iam").control_plane_country == "US"
    assert catalog.service("azure", "entra-id").scope == "global"


def test_dora_type_matches_the_service_model(catalog: Catalog) -> None:
    expected = {"IaaS": "S17", "PaaS": "S18", "SaaS": "S19"}

    assert {k for k, s in catalog.services.items() if s.dora_type != expected[s.model]} == set()


# -- organisation override files ---------------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "override.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_an_override_replaces_a_bundled_entry_and_is_marked(tmp_path: Path) -> None:
    path = write(tmp_path, """
regions:
  - provider: aws
    code: eu-west-1
    name: Europe (Ireland), our contract
    country: IE
    city: Dublin
    source: our contract annex 3
    as_of: 2026-10-01
""")

    catalog = load_catalog([path])

    assert catalog.region("aws", "eu-west-1").name == "Europe (Ireland), our contract"
    assert catalog.is_override("regions", ("aws", "eu-west-1"))
    assert catalog.fact("regions", ("aws", "eu-west-1"))["file"] == str(path)
    assert not catalog.is_override("regions", ("aws", "eu-west-2"))


def assert_rejected(exc: InputError | InputErrors, path: Path, *fragments: str) -> None:
    message = str(exc)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message


def test_an_override_without_source_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, """
legal_entities:
  - key: example-hosting
    name: Example Hosting B.V.
    country: NL
    as_of: 2026-10-01
""")

    with pytest.raises((InputError, InputErrors)) as info:
        load_catalog([path])

    assert_rejected(info.value, path, "example-hosting", "source")


def test_an_override_with_an_unknown_country_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, """
legal_entities:
  - key: example-hosting
    name: Example Hosting B.V.
    country: XK
    source: chamber of commerce extract
    as_of: 2026-10-01
""")

    with pytest.raises((InputError, InputErrors)) as info:
        load_catalog([path])

    assert_rejected(info.value, path, "example-hosting", "unknown country 'XK'")


def test_an_override_with_a_parent_cycle_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, """
legal_entities:
  - key: holding-a
    name: Holding A B.V.
    country: NL
    parent: holding-b
    source: chamber of commerce extract
    as_of: 2026-10-01
  - key: holding-b
    name: Holding B B.V.
    country: NL
    parent: holding-a
    source: chamber of commerce extract
    as_of: 2026-10-01
""")

    with pytest.raises((InputError, InputErrors)) as info:
        load_catalog([path])

    assert_rejected(info.value, path, "holding-a", "loops back")


def test_an_override_defining_a_key_twice_is_rejected(tmp_path: Path) -> None:
    entity = """
  - key: example-hosting
    name: Example Hosting B.V.
    country: NL
    source: chamber of commerce extract
    as_of: 2026-10-01
"""
    path = write(tmp_path, "legal_entities:" + entity + entity)

    with pytest.raises((InputError, InputErrors)) as info:
        load_catalog([path])

    assert_rejected(info.value, path, "example-hosting", "defined twice")


# -- providers, regions and models added for the issue's provider list ------------------------------------

ISSUE_PROVIDERS = {
    "oracle", "ibm-cloud", "alibaba-cloud", "huawei-cloud", "tencent-cloud", "t-cloud", "t-systems-sovereign-cloud",
    "bleu", "s3ns", "delos-cloud", "openai", "anthropic", "mistral-ai", "aleph-alpha",
}


def test_every_listed_provider_has_regions_with_countries(catalog: Catalog) -> None:
    regions = {p for p, _ in catalog.regions}

    assert ISSUE_PROVIDERS <= set(catalog.providers)
    assert ISSUE_PROVIDERS - regions == set()
    assert {(p, c) for (p, c), r in catalog.regions.items() if p in ISSUE_PROVIDERS and r.country not in catalog.countries} == set()


def test_every_provider_and_model_developer_ends_in_an_ultimate_parent_with_a_country(catalog: Catalog) -> None:
    starts = {("provider", k, p.contracting_entity) for k, p in catalog.providers.items()}
    starts |= {("model", k, m.developer) for k, m in catalog.models.items()}
    broken = set()
    for kind, key, entity in starts:
        chain = catalog.ownership_chain(entity)
        if not chain or chain[-1].parent is not None or chain[-1].country not in catalog.countries:
            broken.add((kind, key))

    assert broken == set()


def test_technology_licensors_are_a_supply_chain_relation_not_an_owner(catalog: Catalog) -> None:
    licensed = {k: set(p.technology_licensors) for k, p in catalog.providers.items() if p.technology_licensors}

    assert licensed == {
        "bleu": {"microsoft-corporation"}, "delos-cloud": {"microsoft-corporation"},
        "s3ns": {"google-llc"}, "t-systems-sovereign-cloud": {"google-llc"},
    }
    for key in licensed:
        owners = {e.key for e in catalog.ownership_chain(catalog.providers[key].contracting_entity)}
        assert owners.isdisjoint(licensed[key]), key


def test_azure_region_pairs_resolve_within_their_cloud(catalog: Catalog) -> None:
    azure = {code: r for (p, code), r in catalog.regions.items() if p == "azure"}

    bad = {(code, r.pair) for code, r in azure.items() if r.pair and (r.pair not in azure or azure[r.pair].partition != r.partition)}

    assert bad == set()
    assert azure["westeurope"].pair == "northeurope" and azure["northeurope"].pair == "westeurope"
    assert azure["usgovvirginia"].pair == "usgovtexas" and azure["usdodeast"].pair == "usdodcentral"
    assert azure["chinanorth3"].pair == "chinaeast3"


def test_models_name_their_developer_licence_and_hosting(catalog: Catalog) -> None:
    def developer_country(key: str) -> str:
        return catalog.ultimate_parent(catalog.models[key].developer).country

    assert {"gpt-4o", "gpt-4.1", "openai-o-series", "claude", "llama-3", "mistral-large", "mistral-small", "codestral",
            "pharia", "luminous", "gemini", "qwen", "deepseek", "yolo", "resnet-torchvision", "vit-torchvision"} <= set(catalog.models)
    assert {k: developer_country(k) for k in ("gpt-4o", "claude", "llama-3", "mistral-large", "pharia", "qwen", "deepseek", "yolo")} == {
        "gpt-4o": "US", "claude": "US", "llama-3": "US", "mistral-large": "FR", "pharia": "DE", "qwen": "CN",
        "deepseek": "CN", "yolo": "US",
    }
    assert catalog.models["yolo"].licence.startswith("AGPL-3.0")
    assert catalog.models["qwen"].licence.startswith("Apache-2.0")
    assert "azure/openai" in catalog.models["gpt-4o"].hosted_by
    assert {"aws/bedrock", "gcp/vertex-ai"} <= set(catalog.models["claude"].hosted_by)


def test_ai_services_say_where_inference_runs(catalog: Catalog) -> None:
    countries = {p: {r.country for r in catalog.provider_regions(p)} for p in ("openai", "anthropic", "mistral-ai", "aleph-alpha")}

    assert countries == {"openai": {"US"}, "anthropic": {"US"}, "mistral-ai": {"FR", "US"}, "aleph-alpha": {"DE"}}
    assert {s.category for p in countries for s in catalog.provider_services(p)} == {"ai"}
