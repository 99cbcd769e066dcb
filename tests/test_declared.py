"""The declared inventory: bad input gets an error naming file, line, entry and field."""

from __future__ import annotations

import textwrap

import pytest

from connectors.declared import DeclaredInventory, normalize, parse_register
from sovmap.errors import InputError, InputErrors
from sovmap.validation import validate_model
from sovmap.yamlio import load_yaml

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


# -- read fast, lines on demand ------------------------------------------------------------------

BLOCK = """\
version: 1
sites:
- {id: dc1, name: DC}
systems:
  # the first one
  - id: s1
    name: One

  - {id: s2, name: Two}
  -
    id: s3
    name: Three
components:
- id: c1
  depends_on:
  - c2
- {id: c2}
"""

FLOW = """\
version: 1
sites: [{id: dc1, name: DC}]
systems: [{id: s1, name: One},
  {id: s2, name: Two}, {id: s3,
    name: Three}]
components:
  [{id: c1, depends_on: [c2]},
   {id: c2}]
"""


@pytest.mark.parametrize("text", [BLOCK, FLOW], ids=["block", "flow"])
def test_origins_name_the_line_of_each_entry_in_either_layout(text):
    batch = normalize(("inv.yaml", text.encode()))
    lines = load_yaml(text)  # the line-tracking reader: the reference

    for section, records in (("sites", batch.sites), ("systems", batch.systems), ("components", batch.components)):
        assert [r.origin for r in records] == [f"inv.yaml:{n}" for n in lines[section].item_lines]
    if text is BLOCK:
        assert [s.origin for s in batch.systems] == ["inv.yaml:6", "inv.yaml:9", "inv.yaml:11"]


def test_validation_errors_on_the_fast_path_still_name_the_line():
    text = BLOCK.replace("    name: Three\n", "    name: Three\n    criticality: vital\n")

    errors = errors_of(text)

    assert [(e.line, e.entry, e.field) for e in errors] == [(13, "systems[2] (id 's3')", "criticality")]


def test_lines_are_read_only_when_something_is_wrong():
    reads = []

    def reread():
        reads.append(1)
        return load_yaml(BLOCK, file="inv.yaml")

    validate_model(DeclaredInventory, load_yaml(BLOCK, lines=False), file="inv.yaml", lines=reread)
    assert reads == []
    with pytest.raises(InputError) as caught:
        validate_model(DeclaredInventory, load_yaml(BLOCK.replace("version: 1", "version: 2"), lines=False), file="inv.yaml",
                       lines=lambda: load_yaml(BLOCK.replace("version: 1", "version: 2"), file="inv.yaml"))
    assert caught.value.line == 1


def test_a_form_only_the_fast_reader_parses_is_reported_as_libyaml_sees_it_when_lines_are_needed():
    # A key broken over two lines: yaml_rs (YAML 1.2) reads "crit icality", libyaml refuses the
    # line; looking for the line of the unknown field finds that error, which is the one to mend.
    text = "version: 1\nsystems:\n  - {id: s1, name: One, crit\n    icality: vital}\n"

    errors = errors_of(text)

    assert [(e.file, e.line) for e in errors] == [("inv.yaml", 4)]
    assert "not valid yaml" in str(errors[0]).lower()


def test_yaml_1_2_values_reach_the_fields():
    batch = parse("""\
        version: 1
        systems:
          - {id: s1, name: NO, owner: yes, personal_data: yes, exit_plan: off, rto_hours: 010}
        components:
          - {id: c1, tags: {backup: no, env: on, since: 2025-01-15}}
        risk_register:
          - {id: R1, risk: data-outside-eu, scope: {jurisdiction: NO}, owner: CISO, decided_on: 2025-01-15}
        """)

    system = batch.systems[0]
    assert (system.name, system.owner, system.personal_data, system.exit_plan, system.rto_hours) == ("NO", "yes", True, False, 10)
    assert batch.components[0].tags == {"backup": "no", "env": "on", "since": "2025-01-15"}
    assert batch.acceptances[0].scope == {"jurisdiction": "NO"} and str(batch.acceptances[0].decided_on) == "2025-01-15"


def _estate(n: int, bad: dict[int, str] | None = None) -> str:
    bad = bad or {}
    lines = ["version: 1", "systems:", "  - {id: s, name: S}", "components:"]
    for i in range(n):
        lines.append(bad.get(i, f"  - {{id: c{i}, system: s, provider: aws, service: s3, region: eu-west-1, holds_data: yes}}"))
    return "\n".join(lines) + "\n"


def test_a_large_inventory_is_validated_in_chunks_with_the_same_records(monkeypatch):
    import connectors.declared as declared

    whole = parse(_estate(10))
    monkeypatch.setattr(declared, "_CHUNK", 3)  # ten components: four chunks
    chunked = parse(_estate(10))

    assert chunked.components == whole.components
    assert [c.origin for c in chunked.components] == [f"inv.yaml:{5 + i}" for i in range(10)]
    assert chunked.components[4].provider is chunked.components[7].provider  # one string per repeated value


def test_problems_in_several_chunks_and_the_rest_of_the_document_are_reported_together(monkeypatch):
    import connectors.declared as declared

    monkeypatch.setattr(declared, "_CHUNK", 3)
    text = _estate(10, {1: "  - {id: c1, holds_data: perhaps}", 8: "  - {id: c8, colour: red}"}).replace("name: S", "name: S, rto_hours: -1")

    with pytest.raises(InputErrors) as caught:
        parse(text)

    found = {(e.line, e.entry, e.field) for e in caught.value.errors}
    assert found == {(3, "systems[0] (id 's')", "rto_hours"), (6, "components[1] (id 'c1')", "holds_data"),
                     (13, "components[8] (id 'c8')", "colour")}
