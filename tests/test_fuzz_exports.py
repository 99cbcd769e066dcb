"""Fuzzing the readers of other tools' output: Prowler OCSF, AWS Config, Backstage, NetBox's API answers.

Whatever the bytes (or, for NetBox, whatever JSON the server sends), the reader returns
records the store can hold or raises the documented InputError naming the file or source
(see ``tests/fuzzing.py``).
"""

from __future__ import annotations

import gzip
import json

import pytest
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from conftest import FIXTURES
from connectors import ScanContext, aws_config, backstage, netbox, prowler_ocsf
from fuzzing import (
    JSON_TOKENS,
    fuzz,
    json_bytes,
    json_values,
    mutated_bytes,
    mutated_tree,
    parse_or_refuse,
    vocabulary,
    yaml_text,
)
from sovmap.errors import InputError

# -- Prowler OCSF ------------------------------------------------------------------------------------

PROWLER = (FIXTURES / "prowler" / "prowler-output-customs.ocsf.json").read_bytes()
PROWLER_DOC = json.loads(PROWLER)[:6]
PROWLER_VALUES = json_values(*vocabulary(PROWLER_DOC))


def _prowler(content: bytes) -> None:
    parse_or_refuse(lambda: prowler_ocsf.normalize(("p.json", content)), files={"p.json"})


@fuzz(150)
@given(st.one_of(st.binary(max_size=300), mutated_bytes(json_bytes(PROWLER_DOC), JSON_TOKENS)))
def test_prowler_bytes_are_read_or_refused(content):
    _prowler(content)


@fuzz(300)
@given(mutated_tree(PROWLER_DOC, PROWLER_VALUES), st.booleans())
def test_prowler_findings_with_a_few_entries_changed_are_read_or_refused(doc, lines):
    if lines and isinstance(doc, list):
        _prowler(b"\n".join(json_bytes(item) for item in doc))  # JSON Lines
    else:
        _prowler(json_bytes(doc))


# -- AWS Config --------------------------------------------------------------------------------------

CONFIG_FILE = next((FIXTURES / "aws_config").glob("*.json"))
CONFIG_DOC = json.loads(CONFIG_FILE.read_bytes())
CONFIG_KEYS, CONFIG_STRINGS = vocabulary(CONFIG_DOC)
CONFIG_VALUES = json_values(CONFIG_KEYS + ("baseConfigurationItems",), CONFIG_STRINGS + (
    "ResourceDeleted", '{"a": 1}', "[" * 100_000, "9" * 5000, "{"))


def _aws_config(content: bytes) -> None:
    parse_or_refuse(lambda: aws_config.normalize(("c.json", content)), files={"c.json"})


@fuzz(150)
@given(st.one_of(st.binary(max_size=300), mutated_bytes(CONFIG_FILE.read_bytes(), JSON_TOKENS)))
def test_aws_config_bytes_are_read_or_refused(content):
    _aws_config(content)


@fuzz(300)
@given(mutated_tree(CONFIG_DOC, CONFIG_VALUES))
def test_aws_config_snapshot_with_a_few_entries_changed_is_read_or_refused(doc):
    _aws_config(json_bytes(doc))


@fuzz(100)
@given(st.one_of(mutated_bytes(gzip.compress(CONFIG_FILE.read_bytes(), mtime=0)), st.binary(max_size=200).map(lambda b: b"\x1f\x8b" + b)))
def test_a_gzipped_snapshot_is_unpacked_or_refused(tmp_path_factory, content):
    folder = tmp_path_factory.getbasetemp()
    (folder / "c.json.gz").write_bytes(content)
    params = aws_config.Params(path="c.json.gz", max_bytes=100_000)

    raw = parse_or_refuse(lambda: aws_config.fetch(params, ScanContext(base_dir=folder)), files={str(folder / "c.json.gz")})

    if raw is not None:
        parse_or_refuse(lambda: aws_config.normalize(raw, params), files={raw[0]})


def test_a_gzip_bomb_is_refused_at_the_size_limit(tmp_path):
    (tmp_path / "c.json.gz").write_bytes(gzip.compress(b" " * 50_000_000))
    params = aws_config.Params(path="c.json.gz", max_bytes=1_000_000)

    with pytest.raises(InputError, match="unpacks to more than the limit of 1000000 bytes"):
        aws_config.fetch(params, ScanContext(base_dir=tmp_path))


@pytest.mark.parametrize("configuration", ["[" * 100_000 + "]" * 100_000, "9" * 5000, "{"])
def test_an_unreadable_configuration_string_reads_as_no_configuration(configuration):
    item = {"resourceType": "AWS::RDS::DBInstance", "resourceId": "db-1", "awsRegion": "eu-west-1", "configuration": configuration}

    batch = aws_config.normalize(("c.json", json_bytes({"configurationItems": [item]})))

    assert [(c.id, c.region) for c in batch.components] == [("awsconfig:-:eu-west-1:AWS::RDS::DBInstance:db-1", "eu-west-1")]


# -- Backstage ---------------------------------------------------------------------------------------

BACKSTAGE = [(f"{d}/catalog-info.yaml", (FIXTURES / "backstage" / d / "catalog-info.yaml").read_bytes()) for d in ("ecom", "platform")]
BACKSTAGE_DOCS = [list(yaml.safe_load_all(content)) for _, content in BACKSTAGE]
BACKSTAGE_KEYS, BACKSTAGE_STRINGS = vocabulary(BACKSTAGE_DOCS)
BACKSTAGE_VALUES = json_values(BACKSTAGE_KEYS + ("subcomponentOf", "dependencyOf", "providesApis", "namespace", "title"),
                               BACKSTAGE_STRINGS + ("System", "Component", "Resource", "API", "backstage.io/v1beta1",
                                                    "component:x/y", "system:", "resource:default/ecom-db", "ns/a"))
BACKSTAGE_PARAMS = backstage.Params(path="repos")
FILES = {name for name, _ in BACKSTAGE}


def _backstage(files: list[tuple[str, bytes]]) -> None:
    parse_or_refuse(lambda: backstage.normalize(files, BACKSTAGE_PARAMS), files=FILES)


@fuzz(150)
@given(st.sampled_from((0, 1)), st.data())
def test_backstage_files_with_a_few_bytes_changed_are_read_or_refused(which, data):
    files = list(BACKSTAGE)
    files[which] = (files[which][0], data.draw(mutated_bytes(files[which][1], (b"---\n", b"kind: System\n", b"&a ", b"*a"))))
    _backstage(files)


@fuzz(400)
@given(mutated_tree(BACKSTAGE_DOCS, BACKSTAGE_VALUES))
def test_backstage_entities_with_a_few_entries_changed_are_read_or_refused(docs):
    if not isinstance(docs, list) or len(docs) != 2 or not all(isinstance(d, list) for d in docs):
        assume(False)
    try:
        files = [(name, "---\n".join(yaml_text(d) for d in file_docs).encode()) for (name, _), file_docs in zip(BACKSTAGE, docs)]
    except (yaml.YAMLError, UnicodeEncodeError):
        assume(False)
    _backstage(files)


# -- NetBox (the JSON its API returns) ----------------------------------------------------------------

NETBOX_KINDS = {"regions": "regions", "sites": "sites", "tenants": "tenants", "clusters": "clusters",
                "virtual_machines": "virtual-machines", "devices": "devices"}
NETBOX_OBJECTS = {kind: json.loads((FIXTURES / "netbox" / f"{name}.json").read_text())["results"][:3]
                  for kind, name in NETBOX_KINDS.items()}
NETBOX_VALUES = json_values(*vocabulary(NETBOX_OBJECTS))
NETBOX_PARAMS = (
    netbox.Params(url="https://netbox.example.org"),
    netbox.Params(url="https://netbox.example.org", tenant_as_system=True, system_field=None, region_countries={"benelux": "NL"}),
)


@fuzz(400)
@given(mutated_tree(NETBOX_OBJECTS, NETBOX_VALUES), st.sampled_from(NETBOX_PARAMS))
def test_netbox_answers_with_a_few_entries_changed_are_read_or_refused(objects, params):
    raw = {"url": "https://netbox.example.org", "objects": objects, "problems": {}}

    parse_or_refuse(lambda: netbox.normalize(raw, params), files={"https://netbox.example.org"})
