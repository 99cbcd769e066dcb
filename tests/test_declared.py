"""The declared inventory: bad input gets an error naming file, line, entry and field."""

from __future__ import annotations

import textwrap

import pytest

from connectors.declared import normalize, parse_register
from sovmap.errors import InputError, InputErrors

GOOD = """\
version: 1
systems:
  - id: s1
    name: One
components:
  - id: c1
    system: s1
    provider: aws
    service: s3
    region: eu-central-1
"""


def parse(text: str, name: str = "inv.yaml"):
    return normalize((name, textwrap.dedent(text).encode()))


def errors_of(text: str) -> list[InputError]:
    with pytest.raises((InputError, InputErrors)) as info:
        parse(text)
    exc = info.value
    return exc.errors if isinstance(exc, InputErrors) else [exc]


def test_good_inventory_becomes_records_with_origins():
    batch = parse(GOOD)

    assert [(c.id, c.system, c.provider, c.service, c.region, c.origin) for c in batch.components] == [
        ("c1", "s1", "aws", "s3", "eu-central-1", "inv.yaml:6")
    ]
    assert batch.components[0].name is None  # absent is None, never ""


@pytest.mark.parametrize(
    ("text", "line", "entry", "field", "words"),
    [
        ("version: 1\nsystems:\n  - id: s1\n    name: One\n    criticality: vital\n", 5, "systems[0] (id 's1')", "criticality", "'critical'"),
        ("version: 1\nsystems:\n  - id: s1\n", 3, "systems[0] (id 's1')", "name", "required"),
        ("version: 1\ncomponents:\n  - id: c1\n    data_volume_gb: lots\n", 4, "components[0] (id 'c1')", "data_volume_gb", "number"),
        ("version: 1\ncomponents:\n  - id: c1\n    holds_data: maybe\n", 4, "components[0] (id 'c1')", "holds_data", "boolean"),
        ("version: 1\ncomponents:\n  - id: c1\n    regoin: eu-west-1\n", 4, "components[0] (id 'c1')", "regoin", "unknown field"),
        ("version: 1\ncomponents:\n  - id: c1\n    region: r\n    site: s\n", 3, "components[0] (id 'c1')", None, "not both"),
        ("version: 2\n", 1, None, "version", "1"),
        ("version: 1\nsystems: {id: s1}\n", 2, None, "systems", "list"),
        ("version: 1\ncomponents:\n  - id: 'bad id with spaces'\n", 3, "components[0] (id 'bad id with spaces')", "id", "pattern"),
    ],
)
def test_wrong_types_and_fields_name_line_entry_and_field(text, line, entry, field, words):
    errors = errors_of(text)

    assert len(errors) == 1
    e = errors[0]
    assert (e.file, e.line, e.entry, e.field) == ("inv.yaml", line, entry, field)
    assert words.lower() in str(e).lower()


def test_several_problems_are_reported_together():
    errors = errors_of("version: 1\nsystems:\n  - id: a\n  - id: b\n    name: B\n    rto_hours: -1\n")

    assert {(e.line, e.field) for e in errors} == {(3, "name"), (6, "rto_hours")}


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", None, "empty"),
        ("# only a comment\n", None, "empty"),
        ("version: 1\nsystems: [\n", 3, "not valid yaml"),
        ("version: 1\nversion: 1\n", 2, "duplicate key 'version'"),
        ("- just\n- a list\n", 1, "mapping"),
        ("version: 1\n---\nversion: 1\n", None, "several"),
        ("version: 1\nx: !!python/object/apply:os.system ['true']\n", 2, "not valid yaml"),
    ],
)
def test_malformed_files(text, line, words):
    errors = errors_of(text)

    assert errors[0].file == "inv.yaml"
    assert errors[0].line == line
    assert words in str(errors[0]).lower()


def test_non_utf8_is_refused_with_its_line():
    with pytest.raises(InputError, match=r"inv.yaml:2: not UTF-8"):
        normalize(("inv.yaml", b"version: 1\nname: \xff\xfe\n"))


def test_alias_bomb_is_refused():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    with pytest.raises(InputError, match="alias"):
        parse(bomb)


def test_register_file_of_its_own():
    entries = parse_register(("reg.yaml", b"risk_register:\n  - {id: R1, risk: data-outside-eu, scope: {system: s}, owner: CISO}\n"))

    assert [(e.id, e.risk, e.scope, e.origin) for e in entries] == [("R1", "data-outside-eu", {"system": "s"}, "reg.yaml:2")]


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("risk_register:\n  - {id: R1, risk: being-late, scope: {system: s}, owner: me}\n", "risk", "foreign-law-access"),
        ("risk_register:\n  - {id: R1, risk: data-outside-eu, scope: {}, owner: me}\n", "scope", "at least one"),
        ("risk_register:\n  - {id: R1, risk: data-outside-eu, scope: {system: s}, owner: me, decided_on: 2026-05-01, review_by: 2026-01-01}\n", None, "before"),
        ("risk_register:\n  - {id: R1, risk: data-outside-eu, scope: {system: s}, owner: me, review_by: next year}\n", "review_by", "date"),
    ],
)
def test_bad_register_entries(text, field, words):
    with pytest.raises(InputError) as info:
        parse_register(("reg.yaml", text.encode()))

    assert (info.value.file, info.value.line, info.value.field) == ("reg.yaml", 2, field)
    assert words in str(info.value)
