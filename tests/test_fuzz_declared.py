"""Fuzzing the YAML readers: the declared inventory, the risk register, sovmap.yaml, and their bounds.

Whatever the bytes, the reader returns records the store can hold or raises the
documented InputError naming the file (see ``tests/fuzzing.py``). Alias bombs, oversized
files and deep nesting are refused quickly, with limits a caller can set.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from conftest import FIXTURES
from connectors import ScanContext, read_source_file
from connectors.declared import normalize, parse_register
from fuzzing import YAML_TOKENS, fuzz, json_values, mutated_bytes, mutated_tree, parse_or_refuse, yaml_text
from sovmap.config import load_config
from sovmap.errors import InputError
from sovmap.yamlio import load_yaml, load_yaml_all

FILE = "inventory.yaml"
INVENTORY = (FIXTURES / "small" / "inventory.yaml").read_bytes()
REGISTER = (FIXTURES / "small" / "register.yaml").read_bytes()

#: The words of the format: its keys and values, so that generated documents get past the first checks.
KEYS = (
    "version", "organization", "name", "country", "home_bloc", "sites", "id", "city", "legal_entity", "systems",
    "criticality", "classification", "personal_data", "owner", "rto_hours", "rpo_hours", "depends_on", "exit_plan",
    "alternatives", "substitutability", "description", "components", "system", "kind", "provider", "service", "region",
    "site", "holds_data", "data_volume_gb", "key_custody", "external_id", "account", "tags", "model", "operators",
    "operates", "access", "risk_register", "risk", "scope", "jurisdiction", "component", "rationale", "decided_on",
    "review_by", "recorded_by", "recorded_at",
)
WORDS = ("critical", "high", "low", "secret", "public", "NL", "US", "EU", "EEA", "admin", "support", "customer-held",
         "foreign-law-access", "intake", "idp", "dc1", "bigco", "vm", "eu-central-1", "2025-03-01", "easy")


def _lines(tokens: tuple[bytes, ...]) -> st.SearchStrategy[bytes]:
    """YAML-looking text built from the vocabulary and the syntax fragments, line by line."""
    word = st.one_of(st.sampled_from(KEYS + WORDS).map(str.encode), st.sampled_from(tokens), st.binary(max_size=4))
    line = st.tuples(st.sampled_from((b"", b"  ", b"    ", b"- ", b"  - ")), st.lists(word, min_size=1, max_size=5))
    return st.lists(line, min_size=1, max_size=15).map(lambda ls: b"\n".join(indent + b"".join(ws) for indent, ws in ls))


def _read(content: bytes):
    return parse_or_refuse(lambda: normalize((FILE, content)), files={FILE})


@fuzz(300)
@given(st.binary(max_size=400))
def test_random_bytes_are_read_or_refused(content):
    _read(content)


@fuzz(400)
@given(_lines(YAML_TOKENS))
def test_yaml_like_text_is_read_or_refused(content):
    _read(content)


@fuzz(300)
@given(mutated_bytes(INVENTORY, YAML_TOKENS))
def test_an_inventory_with_a_few_bytes_changed_is_read_or_refused(content):
    _read(content)


@fuzz(300)
@given(mutated_tree(yaml.safe_load(INVENTORY), json_values(KEYS, WORDS)))
def test_an_inventory_with_a_few_entries_changed_is_read_or_refused(doc):
    try:
        text = yaml_text(doc)
    except (yaml.YAMLError, UnicodeEncodeError):
        assume(False)
    _read(text.encode("utf-8", "surrogatepass"))


@fuzz(200)
@given(st.one_of(mutated_bytes(REGISTER, YAML_TOKENS),
                 mutated_tree(yaml.safe_load(REGISTER), json_values(KEYS, WORDS)).map(lambda d: yaml_text(d).encode("utf-8", "surrogatepass"))))
def test_a_register_file_is_read_or_refused(content):
    parse_or_refuse(lambda: parse_register(("register.yaml", content)), files={"register.yaml"})


# -- sovmap.yaml and every connector's parameters ------------------------------------------------

CONFIG = {
    "version": 1,
    "database": "sqlite:///x.db",
    "catalog_overrides": ["overrides.yaml"],
    "risk_register": "register.yaml",
    "sources": [
        {"type": "declared", "path": "inventory.yaml", "max_bytes": 1000},
        {"type": "cmdb-csv", "path": "cmdb.csv", "delimiter": ";", "columns": {"id": "CI", "tags.owner": "Owner"},
         "defaults": {"provider": "on-prem", "holds_data": "ja", "data_volume_gb": 3}, "list_separator": "|"},
        {"type": "aws", "assume_role": "Reader", "accounts": ["123456789012"], "regions": ["eu-west-1"], "max_attempts": 3},
        {"type": "azure", "subscriptions": ["0b1c2d3e-1111-4a5b-8c9d-0e1f2a3b4c5d"], "endpoint": "https://management.azure.com"},
        {"type": "archimate", "path": "m.xml", "properties": {"provider": "Cloud"}, "relations": {"Flow": "none"}},
        {"type": "netbox", "url": "https://netbox.example.org", "token_env": "NETBOX_TOKEN", "filters": {"devices": {"status": "active"}}},
        {"type": "terraform", "path": "s.tfstate", "default_regions": {"aws": "eu-west-1"}, "module_systems": {"module.app": "intake"}},
        {"type": "query-csv", "path": "q.csv", "provider": "aws", "table": "aws_s3_bucket", "columns": {"id": "arn"}},
        {"type": "backstage", "path": "repos", "glob": "**/catalog-info.yaml"},
        {"type": "prowler-ocsf", "path": "p.json"},
        {"type": "aws-config", "path": "c.json.gz"},
        {"type": "gcp", "scopes": ["projects/my-project-123"]},
        {"type": "kubernetes", "kubeconfig": "kube.yaml"},
    ],
    "attribution": {"tag_keys": ["system"], "rules": [{"match": {"account": "1111*", "tag": {"env": "prod"}}, "system": "intake"}]},
    "matching": {},
}
CONFIG_KEYS = KEYS + ("type", "path", "delimiter", "columns", "defaults", "list_separator", "assume_role", "accounts",
                      "regions", "endpoint", "endpoint_url", "subscriptions", "format", "properties", "relations", "url",
                      "token", "token_env", "filters", "default_regions", "module_systems", "table", "glob", "max_bytes",
                      "match", "rules", "tag_keys", "attribution", "sources", "catalog_overrides", "database", "scoring")

_TMP = tempfile.TemporaryDirectory(prefix="sovmap-fuzz-config-")


def test_the_config_template_itself_loads():
    path = Path(_TMP.name) / "template.yaml"
    path.write_text(yaml_text(CONFIG))

    config = load_config(path)

    assert [t for t, _ in config.sources] == [s["type"] for s in CONFIG["sources"]]


@fuzz(200)
@given(mutated_tree(CONFIG, json_values(CONFIG_KEYS, WORDS + ("declared", "aws", "csv", "https://x", "http://x"))))
def test_a_config_with_a_few_entries_changed_is_read_or_refused(doc):
    try:
        text = yaml_text(doc)
    except (yaml.YAMLError, UnicodeEncodeError):
        assume(False)
    path = Path(_TMP.name) / "sovmap.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    parse_or_refuse(lambda: load_config(path), files={str(path)})


# -- bounds -----------------------------------------------------------------------------------------

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
)


def test_an_alias_bomb_is_refused_quickly_with_the_reason():
    started = time.perf_counter()

    with pytest.raises(InputError) as caught:
        normalize((FILE, ("version: 1\n" + BILLION_LAUGHS).encode()))

    assert time.perf_counter() - started < 2
    assert "alias bomb" in str(caught.value) and caught.value.file == FILE


def test_the_alias_and_node_limits_can_be_set_per_call():
    few = "a: &a [1]\nb: [*a, *a, *a]\n"
    wide = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: [*a, *a]\n"

    assert load_yaml(few)["b"] == [[1], [1], [1]]
    with pytest.raises(InputError, match="more than 2 YAML aliases"):
        load_yaml(few, max_aliases=2)
    with pytest.raises(InputError, match="more than 20 nodes"):
        load_yaml(wide, max_nodes=20)
    with pytest.raises(InputError, match="alias bomb"):
        load_yaml_all("x: 1\n---\n" + BILLION_LAUGHS, max_nodes=10_000)


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "inventory.yaml"
    big.write_bytes(b"version: 1\n" + b"# padding\n" * 200)

    with pytest.raises(InputError) as caught:
        read_source_file(str(big), ScanContext(base_dir=tmp_path), max_bytes=1000)

    assert caught.value.file == str(big)
    assert f"{big.stat().st_size} bytes, over the limit of 1000" in str(caught.value)


def test_the_size_limit_of_a_source_is_set_in_the_config(tmp_path):
    (tmp_path / "inventory.yaml").write_bytes(INVENTORY)
    (tmp_path / "sovmap.yaml").write_text("version: 1\nsources:\n  - {type: declared, path: inventory.yaml, max_bytes: 100}\n")
    config = load_config(tmp_path / "sovmap.yaml")
    [(type_, params)] = config.sources

    with pytest.raises(InputError, match="over the limit of 100"):
        read_source_file(params.path, ScanContext(base_dir=tmp_path), params.max_bytes)


@pytest.mark.parametrize("text, reason", [
    ("version: 1\nsystems:\n  - {id: a, name: \"x\\0y\"}\n", "NUL"),
    ("version: 1\norganization: {name: !!binary AAAA}\n", "binary"),
    # YAML 1.2 has no dates: the string gets to the field, which names it.
    ("version: 1\nrisk_register:\n  - {id: R, risk: foreign-law-access, scope: {system: a}, owner: X, decided_on: 2025-13-45}\n",
     "field 'decided_on': Input should be a valid date or datetime, month value is outside expected range of 1-12 (got '2025-13-45')"),
    ("version: 1\nsystems:\n  - {id: a, name: x, rto_hours: " + "9" * 5000 + "}\n", "4300 digits"),
    ("version: 1\nsystems: " + "[" * 20000 + "]" * 20000 + "\n", "nesting too deep"),
    # Deeper still: libyaml's composer and yaml_rs's reader both recurse on the C stack.
    ("version: 1\nsystems: " + "[" * 100_000 + "]" * 100_000 + "\n", "nesting too deep"),
    ("version: 1\nsystems:\n" + "- " * 100_000 + "x\n", "nesting too deep"),
    ("version: 1\nsystems: !!python/object/apply:os.system ['true']\n", "could not determine a constructor"),
    ("version: 1\nsystems: &a [*a]\n", "recursive structure"),
    ("!!timestamp version: 1\nsystems: []\n", "as timestamp"),
    ("version: 1\nsystems:\n  - {id: a, name: x, personal_data: !!bool maybe}\n", "as bool"),
    ("version: 1\nsystems:\n  - &s {id: a, name: x, depends_on: [*s]}\n", "recursive structure"),
    (b"version: 1\nsystems: []\n\x00".decode(), "NUL byte"),
])
def test_hostile_yaml_gets_a_clear_error_with_the_line(text, reason):
    with pytest.raises(InputError) as caught:
        normalize((FILE, text.encode()))

    assert reason in str(caught.value)
    assert caught.value.file == FILE
    # Past the recursion limit the parser's state is gone: only the file can be named.
    assert caught.value.line is not None or reason == "nesting too deep"
