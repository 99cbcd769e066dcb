"""Fuzzing the organisation's catalog overrides: whatever the file, the catalog loads or says why not.

An override file is read over a small catalog (``tests/fixtures/catalog/mini.yaml``); the
outcome is a validated catalog or the documented InputError naming the file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from conftest import FIXTURES
from fuzzing import YAML_TOKENS, fuzz, json_values, mutated_bytes, mutated_tree, parse_or_refuse, vocabulary, yaml_text
from inventory.catalog import Catalog, load_catalog

MINI = FIXTURES / "catalog" / "mini.yaml"
MINI_DOC = yaml.safe_load(MINI.read_text())
OVERRIDE = {
    "legal_entities": [{"key": "example-hosting", "name": "Example Hosting B.V.", "country": "NL", "parent": "bigco-inc",
                        "source": "contract 2025-17", "as_of": "2026-01-15"}],
    "providers": [{"key": "example-hosting", "name": "Example Hosting", "kind": "msp", "contracting_entity": "example-hosting",
                   "operations": {"countries": ["NL", "IN"]}, "source": "contract", "as_of": "2026-01-15"}],
    "regions": [{"provider": "bigco", "code": "eu-central-1", "name": "Frankfurt", "country": "DE", "also_in": ["NL"],
                 "operating_entity": "bigco-sovereign", "source": "x", "as_of": "2026-01-15"}],
    "services": [{"provider": "euhost", "key": "s3", "name": "Object storage", "model": "PaaS", "dora_type": "S18",
                  "portability": "high", "source": "x", "as_of": "2026-01-15"}],
    "countries": [{"code": "XK", "name": "Kosovo", "bloc": "other", "laws": ["eu-gdpr"], "source": "x", "as_of": "2026-01-15"}],
    "laws": [{"key": "xk-law", "name": "A law", "country": "XK", "citation": "1", "reach": ["content"], "source": "x",
              "as_of": "2026-01-15"}],
    "models": [{"key": "m", "name": "M", "developer": "example-hosting", "licence": "MIT", "hosted_by": ["bigco/vm"],
                "source": "x", "as_of": "2026-01-15"}],
}
KEYS, STRINGS = vocabulary([MINI_DOC, OVERRIDE])
VALUES = json_values(KEYS, STRINGS + ("EU", "EEA", "adequacy", "S99", "2026-13-01", "bigco/nosql", "nobody"))
_TMP = tempfile.TemporaryDirectory(prefix="sovmap-fuzz-catalog-")


def _load(content: bytes) -> None:
    path = Path(_TMP.name) / "overrides.yaml"
    path.write_bytes(content)
    catalog = parse_or_refuse(lambda: load_catalog([path], files=[MINI]), files={str(path), str(MINI)})
    assert catalog is None or isinstance(catalog, Catalog)


def test_the_override_template_itself_loads():
    path = Path(_TMP.name) / "template.yaml"
    path.write_text(yaml_text(OVERRIDE))

    catalog = load_catalog([path], files=[MINI])

    assert catalog.is_override("regions", ("bigco", "eu-central-1"))
    assert catalog.ultimate_parent("example-hosting").key == "bigco-inc"


@fuzz(300)
@given(mutated_tree(OVERRIDE, VALUES))
def test_overrides_with_a_few_entries_changed_are_loaded_or_refused(doc):
    try:
        text = yaml_text(doc)
    except (yaml.YAMLError, UnicodeEncodeError):
        assume(False)
    _load(text.encode("utf-8", "surrogatepass"))


@fuzz(200)
@given(st.one_of(st.binary(max_size=300), mutated_bytes(yaml_text(OVERRIDE).encode(), YAML_TOKENS)))
def test_override_bytes_are_loaded_or_refused(content):
    _load(content)
