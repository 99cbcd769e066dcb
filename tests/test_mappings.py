"""The connectors' mapping tables agree with the bundled catalog, and a broken table is a clear error."""

from __future__ import annotations

import pytest

from connectors import aws_config, kubernetes_nodes, prowler_ocsf, terraform
from connectors.mappings import MAPPINGS_DIR, TypeTable, load_regions, load_table, normalize_region
from sovmap.errors import InputError, InputErrors
from sovmap.validation import validate_model
from sovmap.yamlio import load_yaml


def _service_refs() -> list[tuple[str, str, str, bool]]:
    """(table, provider, service, global) for every service a table names."""
    refs: list[tuple[str, str, str, bool]] = []
    tf = terraform.mapping()
    for type_, rule in tf.resources.rules():
        provider = next((p for prefix, p in tf.prefixes.items() if type_.startswith(prefix)), None)
        if rule.service and provider:
            refs.append(("terraform.yaml", provider, rule.service, rule.is_global))
    for provider, services in tf.openstack_services.items():
        refs.extend(("terraform.yaml", provider, s, False) for s in services.values())
    k8s = kubernetes_nodes.mapping()
    refs.extend(("kubernetes.yaml", m.provider, m.service, False) for m in k8s.managed)
    refs.extend(("kubernetes.yaml", p, s, False) for p, s in k8s.virtual_machines.items())
    pr = prowler_ocsf.mapping()
    for type_, rule in pr.types.rules():
        provider = "aws" if type_.startswith("Aws") else "azure" if type_.startswith(("Azure", "Microsoft.")) else "gcp"
        if rule.service:
            refs.append(("prowler.yaml", provider, rule.service, rule.is_global))
    for provider, services in pr.services.items():
        refs.extend(("prowler.yaml", provider, r.service, r.is_global) for r in services.values() if r.service)
    refs.extend(("aws_config.yaml", "aws", r.service, r.is_global) for _, r in aws_config.mapping().types.rules() if r.service)
    for table, rule in load_table("query_csv.yaml").rules():
        if rule.service:
            refs.append(("query_csv.yaml", table.split("_", 1)[0], rule.service, rule.is_global))
    return refs


def test_every_mapped_service_is_in_the_catalog(bundled_catalog):
    missing = {(t, p, s) for t, p, s, _ in _service_refs() if (p, s) not in bundled_catalog.services}

    assert missing == set()


def test_only_global_catalog_services_are_marked_global(bundled_catalog):
    wrong = {(t, p, s) for t, p, s, is_global in _service_refs() if is_global and bundled_catalog.services[(p, s)].scope != "global"}

    assert wrong == set()


def test_mapped_providers_and_region_aliases_are_in_the_catalog(bundled_catalog):
    providers = {p for p in terraform.mapping().prefixes.values() if p}
    providers |= {p for p in kubernetes_nodes.mapping().provider_ids.values() if p}
    providers |= set(prowler_ocsf.mapping().providers.values()) | set(load_regions().providers)

    assert providers - set(bundled_catalog.providers) == set()
    aliases = {(p, code) for p, spec in load_regions().providers.items() for code in spec.aliases.values()}
    assert {a for a in aliases if a not in bundled_catalog.regions} == set()


@pytest.mark.parametrize(
    ("provider", "written", "code"),
    [("aws", "eu-west-1c", "eu-west-1"), ("aws", "us-gov-west-1a", "us-gov-west-1"), ("aws", "us-east-1-bos-1a", "us-east-1-bos-1a"),
     ("azure", "Germany West Central", "germanywestcentral"), ("azure", "westeurope-2", "westeurope"),
     ("gcp", "europe-west4-c", "europe-west4"), ("gcp", "EU", "eu"), ("scaleway", "nl-ams-3", "nl-ams"),
     ("hetzner", "hel1-dc2", "hel1"), ("stackit", "eu01-m", "eu01"), ("ovhcloud", "SBG5", "sbg"), ("ovhcloud", "DE1", "de1"),
     ("aws", " ", None), ("gcp", "global", None), ("acme", "Mars-1", "mars-1")],
)
def test_region_spellings(provider, written, code):
    assert normalize_region(provider, written) == code


def test_a_broken_table_names_file_line_and_field():
    text = "types:\n  aws_s3_bucket: {service: s3, holds_data: maybe}\n  aws_x: {servcie: x}\n"
    data = load_yaml(text, file=str(MAPPINGS_DIR / "broken.yaml"))

    with pytest.raises(InputErrors) as info:
        validate_model(TypeTable, data, file=str(MAPPINGS_DIR / "broken.yaml"))

    got = {(e.line, e.field) for e in info.value.errors}
    assert got == {(2, "holds_data"), (3, "servcie")}  # the line is the type's
    assert "broken.yaml:3: field 'servcie': unknown field" in str(info.value)


def test_a_missing_table_is_an_input_error():
    with pytest.raises(InputError, match="file not found"):
        load_table("no-such-table.yaml")
