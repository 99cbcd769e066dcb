"""Reading YAML: one meaning (YAML 1.2 core schema) from both readers, the same refusals, lines on demand.

The fast reader (yaml_rs) and the line-tracking reader (PyYAML and libyaml) must give equal
values for every document the fast one accepts; whatever it does not accept goes to the
line-tracking reader, whose error names the file and line. The bounds (aliases, nodes,
nesting, number length) hold on both paths, and no input kills the process.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

import pytest
import yaml_rs
from hypothesis import assume, given
from hypothesis import strategies as st

from conftest import FIXTURES
from fuzzing import YAML_TOKENS, fuzz, mutated_bytes
from sovmap import yamlio
from sovmap.errors import InputError
from sovmap.yamlio import LineDict, LineList, block_item_lines, load_yaml, load_yaml_all

INVENTORY = (FIXTURES / "small" / "inventory.yaml").read_bytes()


def fast(text: str) -> Any:
    """What the fast reader makes of ``text`` (``yamlio._NOT_READ`` when it leaves it to the other)."""
    return yamlio._read_fast(text, yamlio.MAX_ALIASES, yamlio.MAX_NODES)


def same(a: Any, b: Any) -> bool:
    """Equal values of equal types, all the way down (NaN equals NaN; LineDict counts as dict)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return same(list(a), list(b)) and same(list(a.values()), list(b.values()))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


# -- one meaning ---------------------------------------------------------------------------------

#: Plain scalars that YAML 1.1 and 1.2 read differently, or that sit at the edge of a number.
TRICKY = (
    "NO", "no", "No", "yes", "Yes", "on", "off", "y", "n", "true", "True", "TRUE", "tRue", "false", "FALSE", "null", "Null",
    "NULL", "~", "010", "-010", "0o17", "0O17", "0x1F", "0X1f", "0b101", "1_000", "1e3", "1E3", "-1.5e-3", ".5", "5.", "+.5",
    ".inf", "-.Inf", ".NaN", "+.nan", "inf", "nan", "2025-01-15", "2025-01-15T10:00:00Z", "12:30:00", "1:30", "=", "<<",
    "0", "-0", "+1", "9" * 30, "0x" + "f" * 30, "a b", "Zürich", "東京", "0x", "0o8", "1e", "e3", "._5", "_1",
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("NO", "NO"), ("yes", "yes"), ("on", "on"), ("y", "y"), ("True", True), ("FALSE", False), ("~", None), ("null", None),
        ("", None), ("010", 10), ("0o17", 15), ("0x1F", 31), ("0b101", 5), ("1_000", 1000), ("1e3", 1000.0), ("-.inf", -math.inf),
        ("2025-01-15", "2025-01-15"), ("'2025-01-15'", "2025-01-15"), ("'010'", "010"), ('"true"', "true"), ("1:30", "1:30"),
        ("12:30:00", "12:30:00"), ("=", "="), ("0o8", "0o8"), ("1e", "1e"),
    ],
)
def test_plain_scalars_mean_what_yaml_1_2_says_in_both_readers(text, value):
    document = f"v: {text}\n"

    assert same(load_yaml(document)["v"], value)
    assert same(fast(document)["v"], value)
    assert same(load_yaml(document, lines=False)["v"], value)


def test_a_merge_key_is_an_ordinary_key():
    document = "base: {a: 1}\nitem:\n  <<: {a: 2}\n  b: 3\n"

    assert load_yaml(document) == fast(document) == {"base": {"a": 1}, "item": {"<<": {"a": 2}, "b": 3}}


def _quoted(text: str, double: bool) -> str:
    return json.dumps(text, ensure_ascii=False) if double else "'" + text.replace("'", "''") + "'"


#: Quoted text: any printable character but those that take a document off the fast reader's ground.
_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="!&*%\u2028\u2029\ufeff"), max_size=8)
_PLAIN = st.one_of(st.sampled_from(TRICKY), st.text("0123456789_.eE+-xXoObBaAfFiInNtTruUlLsS~", min_size=1, max_size=8))
_SCALAR = st.one_of(_PLAIN, st.tuples(_TEXT, st.booleans()).map(lambda t: _quoted(*t)))
_TREE = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(
        st.tuples(st.just("map"), st.lists(st.tuples(_SCALAR, inner), max_size=4), st.booleans()),
        st.tuples(st.just("seq"), st.lists(inner, max_size=4), st.booleans()),
    ),
    max_leaves=24,
)


def _flow(node: Any) -> str:
    if isinstance(node, str):
        return node if "," not in node else json.dumps(node)
    kind, items, _ = node
    if kind == "map":
        return "{" + ", ".join(f"{_flow(k)}: {_flow(v)}" for k, v in items) + "}"
    return "[" + ", ".join(_flow(v) for v in items) + "]"


def _block(node: Any, indent: int) -> str:
    """``node`` (a collection) in block style at ``indent``; empty or flow-flagged ones in flow style."""
    kind, items, flow = node
    pad = " " * indent
    lines = []
    for item in items:
        key, value = item if kind == "map" else (None, item)
        head = f"{pad}{key}:" if kind == "map" else f"{pad}-"
        if isinstance(value, str) or value[2] or not value[1]:
            lines.append(f"{head} {_flow(value)}\n")
        elif kind == "seq" and value[0] == "map":
            # The compact form: the mapping's first key on the dash's line.
            nested = _block(value, indent + 2)
            lines.append(f"{pad}- {nested[indent + 2:]}")
        else:
            lines.append(f"{head}\n{_block(value, indent + 2)}")
    return "".join(lines) if items and not flow else f"{pad}{_flow(node)}\n"


@st.composite
def documents(draw) -> str:
    """A YAML document of nested mappings and sequences, block and flow, with tricky plain and quoted scalars."""
    entries = draw(st.lists(st.tuples(_SCALAR, _TREE), min_size=1, max_size=5))
    root = ("map", entries, False)
    return _block(root, 0) if draw(st.booleans()) else _flow(root) + "\n"


def assert_read_alike(text: str) -> None:
    """What the fast reader accepts, the line-tracking one reads to equal values, or refuses as syntax.

    libyaml parses YAML 1.1 and refuses a few forms the YAML 1.2 parser of yaml_rs accepts
    (an empty key in a flow mapping, a document after '...' without '---', an implicit key
    broken over two lines). Never a value it could not hold, never another value.
    """
    data = fast(text)
    if data is yamlio._NOT_READ:
        return
    try:
        expected = load_yaml(text)
    except InputError as exc:
        assert exc.reason.startswith("not valid YAML: "), exc.reason
        assert "cannot read the value" not in exc.reason and "too deep" not in exc.reason, exc.reason
        return
    assert same(data, expected)


@fuzz(400)
@given(documents())
def test_both_readers_give_equal_data_for_whatever_the_fast_one_accepts(text):
    assert_read_alike(text)


@fuzz(300)
@given(mutated_bytes(INVENTORY, YAML_TOKENS))
def test_a_damaged_inventory_is_read_the_same_or_left_to_the_line_tracking_reader(content):
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        assume(False)
    assert_read_alike(text)


def test_the_generated_documents_do_reach_the_fast_reader():
    text = "".join(f"k{i}: {token}\n" for i, token in enumerate(TRICKY)) + "list: [" + ", ".join(
        t for t in TRICKY if "," not in t) + "]\n"

    data = fast(text)

    assert data is not yamlio._NOT_READ
    assert same(data, load_yaml(text))


# -- what goes to the line-tracking reader, and what comes back -----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a: !!str 1\n", "a: !local x\n", "a: &x 1\nb: *x\n", "a: &x 1\n", "%YAML 1.2\n---\na: 1\n", "a: x\x01y\n", "a: x\x85y\n",
        "a: x\u2028y\n", "\ufeffa: 1\n", "a: " + "9" * 700 + "\n", "a:\n" + " " * 200 + "b: 1\n", "- - a\n", "---\n- a\n---\n- b\n",
        "", "~\n", "a: 1\na: 2\n", "? [a]\n: 1\n", "a: \"x\\0y\"\n", "a:\tb\n",
    ],
)
def test_outside_the_safe_ground_the_line_tracking_reader_answers(text):
    assert fast(text) is yamlio._NOT_READ
    try:
        expected: Any = load_yaml(text, file="f.yaml", allow_empty=True)
    except InputError as exc:
        expected = str(exc)
    try:
        got: Any = load_yaml(text, file="f.yaml", allow_empty=True, lines=False)
    except InputError as exc:
        got = str(exc)

    assert same(got, expected)


def test_what_yaml_rs_refuses_gets_the_error_with_its_line():
    with pytest.raises(InputError) as caught:
        load_yaml("version: 1\nsystems:\n  - id: a\n    id: b\n", file="inv.yaml", lines=False)

    assert (caught.value.file, caught.value.line) == ("inv.yaml", 4)
    assert "duplicate key 'id' (first at line 3)" in str(caught.value)


def test_a_tab_after_a_colon_is_yaml_even_though_yaml_rs_refuses_it():
    assert load_yaml("a:\tb\n", lines=False) == {"a": "b"}


def test_a_nul_or_a_lone_surrogate_from_an_escape_is_refused_with_its_line():
    for text in ('a: 1\nb: "x\\0y"\n', 'a: 1\nb: ["\\x00"]\n', 'a: 1\n"\\u0000": 1\n'):
        with pytest.raises(InputError, match="NUL character") as caught:
            load_yaml(text, file="f.yaml", lines=False)
        assert (caught.value.file, caught.value.line) == ("f.yaml", 2)
    with pytest.raises(InputError, match="not valid YAML") as caught:
        load_yaml('a: 1\nb: "\\udc00"\n', file="f.yaml", lines=False)
    assert caught.value.line == 2


def test_the_fast_reader_gives_plain_containers_and_the_other_gives_lines():
    text = "a:\n  - x\n  - y\n"

    assert type(load_yaml(text, lines=False)) is dict
    doc = load_yaml(text)
    assert isinstance(doc, LineDict) and isinstance(doc["a"], LineList) and doc["a"].item_lines == [2, 3]


def test_one_document_streams_may_be_read_fast_and_several_still_work():
    assert load_yaml_all("a: 1\n", lines=False) == [{"a": 1}]
    assert load_yaml_all("- a\n- b\n", lines=False) == [["a", "b"]]
    assert load_yaml_all("a: 1\n---\nb: 2\n", lines=False) == [{"a": 1}, {"b": 2}]
    assert load_yaml_all("---\n- a\n---\n- b\n...\n", lines=False) == [["a"], ["b"]]
    with pytest.raises(InputError, match="found several"):
        load_yaml("- a\n---\n- b\n", lines=False)


# -- bounds --------------------------------------------------------------------------------------

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
)


@pytest.mark.parametrize("lines", [True, False])
def test_alias_bombs_recursion_and_alias_counts_are_refused_naming_file_and_line(lines):
    started = time.perf_counter()
    with pytest.raises(InputError, match="alias bomb") as caught:
        load_yaml(BILLION_LAUGHS, file="bomb.yaml", lines=lines)
    assert time.perf_counter() - started < 2
    assert caught.value.file == "bomb.yaml" and caught.value.line is not None

    with pytest.raises(InputError, match="recursive structure") as caught:
        load_yaml("a: 1\nb: &b {c: [*b]}\n", file="loop.yaml", lines=lines)
    assert (caught.value.file, caught.value.line) == ("loop.yaml", 2)

    many = "a: &a [1]\nb: [" + ", ".join(["*a"] * 1001) + "]\n"
    with pytest.raises(InputError, match="more than 1000 YAML aliases") as caught:
        load_yaml(many, file="many.yaml", lines=lines)
    assert caught.value.file == "many.yaml"
    assert load_yaml(many, max_aliases=2000, lines=lines)["b"] == [[1]] * 1001


def test_yaml_rs_is_given_the_same_bounds():
    """A second guard: were an alias ever to get past the scan for them, yaml_rs refuses the bomb too."""
    with pytest.raises(yaml_rs.YAMLDecodeError, match="alias replay limit"):
        yaml_rs.loads(BILLION_LAUGHS, parse_datetime=False, alias_limits=yamlio._alias_limits(10_000, 10_000))
    with pytest.raises(yaml_rs.YAMLDecodeError, match="alias (replay|expansion) limit"):
        yaml_rs.loads(BILLION_LAUGHS, parse_datetime=False, alias_limits=yamlio._alias_limits(1000, 5_000_000))
    with pytest.raises(yaml_rs.YAMLDecodeError, match="alias expansion limit"):
        yaml_rs.loads("a: &a 1\nb: [*a, *a, *a]\n", parse_datetime=False, alias_limits=yamlio._alias_limits(2, 10_000))


def test_the_node_bound_limits_what_aliases_expand_to_not_the_size_of_a_document():
    # A million-component inventory has far more nodes than an alias bomb may expand to;
    # its size is bounded by max_bytes. What aliases multiply is bounded by max_nodes.
    plain = "a: [" + ", ".join(["1"] * 30) + "]\n"
    aliased = "x: &x [" + ", ".join(["1"] * 10) + "]\na: [*x, *x, *x]\n"

    for lines in (True, False):
        assert len(load_yaml(plain, max_nodes=20, lines=lines)["a"]) == 30
        with pytest.raises(InputError, match="more than 20 nodes"):
            load_yaml(aliased, max_nodes=20, lines=lines)


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "a: " + "{a: " * 50_000 + "1" + "}" * 50_000 + "\n",
        "- " * 100_000 + "x\n",
        "-\t" * 100_000 + "x\n",
        "a:\n" + "".join(" " * i + "- \n" for i in range(3000)),
    ],
)
@pytest.mark.parametrize("lines", [True, False])
def test_deep_nesting_is_refused_without_killing_the_process(text, lines):
    with pytest.raises(InputError, match="nesting too deep|not valid YAML") as caught:
        load_yaml(text, file="deep.yaml", lines=lines)

    assert caught.value.file == "deep.yaml"


@pytest.mark.parametrize("depth", [60, 90])
def test_moderate_nesting_is_read_alike_on_both_paths(depth):
    flow = "a: " + "[" * depth + "1" + "]" * depth + "\n"
    block = "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "v\n"

    for document in (flow, block):
        assert (fast(document) is yamlio._NOT_READ) == (depth > 64)
        assert same(load_yaml(document, lines=False), load_yaml(document))


def test_a_long_number_is_refused_as_python_refuses_it():
    with pytest.raises(InputError, match="4300 digits") as caught:
        load_yaml("a: 1\nb: " + "9" * 5000 + "\n", file="n.yaml", lines=False)

    assert caught.value.line == 2
    assert load_yaml("a: 0x" + "f" * 5000 + "\n", lines=False)["a"] == 16**5000 - 1


# -- lines of a section's items ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "version: 1\nsystems:\n- id: a\n- {id: b}\n- id: c\n  name: C\nsites: []\n",
        "version: 1\nsystems:\n  - id: a\n\n  # a comment\n  - {id: b}\n  -\n    id: c\n    name: C\n# the end\n",
        "version: 1\r\nsystems:  # the systems\r\n    - id: a\r\n    - {id: b, note: \"- x\"}\r\n    - id: c\r\n      desc: |\r\n        - not an item\r\n",
        "systems:\n- id: a\n  depends_on:\n  - b\n  - c\n- id: b\n- id: c\nversion: 1\n",
    ],
)
def test_block_item_lines_match_the_line_tracking_reader(text):
    expected = load_yaml(text)["systems"].item_lines

    assert block_item_lines(text, "systems", len(expected)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "systems: [{id: a}, {id: b}]\n",
        "systems:\n  [{id: a},\n   {id: b}]\n",
        "'systems':\n- id: a\n- id: b\n",
        "systems:\n- id: a\nother: 1\nsystems:\n- id: b\n",
        "systems: # ok\n- id: a\n- id: b\r- id: c\n",
    ],
)
def test_block_item_lines_give_up_on_other_layouts(text):
    assert block_item_lines(text, "systems", 2) is None


def test_block_item_lines_give_up_when_the_count_differs():
    assert block_item_lines("systems:\n- a\n- b\n", "systems", 3) is None
