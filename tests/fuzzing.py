"""What the fuzz tests (``tests/test_fuzz_*.py``) share: settings, the one outcome allowed, strategies.

A parser given anything at all either returns records whose fields have the types the
store expects, or raises the documented :class:`~sovmap.errors.InputError` /
:class:`~sovmap.errors.InputErrors` naming the file. Nothing else may come out: no
``KeyError``, ``ValueError``, ``RecursionError`` or ``UnicodeEncodeError``, and no record
the store would refuse later (a name that is a mapping, a NUL character PostgreSQL cannot
hold, a lone UTF-16 surrogate no database encoding can write).

Example counts are kept small enough for CI (the whole fuzz suite runs in well under three
minutes on two cores) and the examples are derandomized there, so that CI is repeatable.
``SOVMAP_FUZZ_SCALE=20`` multiplies every count and draws fresh random examples, for a
longer run on a workstation.
"""

from __future__ import annotations

import dataclasses
import json
import os
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from inventory.records import InventoryBatch
from sovmap.errors import InputError, InputErrors

SCALE = float(os.environ.get("SOVMAP_FUZZ_SCALE", "1"))

__all__ = [
    "HOSTILE_TEXT",
    "JSON_TOKENS",
    "SCALE",
    "YAML_TOKENS",
    "check_batch",
    "fuzz",
    "json_bytes",
    "json_values",
    "mutated_bytes",
    "mutated_tree",
    "parse_or_refuse",
    "text_values",
    "vocabulary",
    "yaml_text",
]


def fuzz(examples: int) -> settings:
    """Settings of one fuzz test: ``examples`` cases (times ``SOVMAP_FUZZ_SCALE``), no deadline, no database."""
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        database=None,
        derandomize=SCALE == 1,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                               HealthCheck.large_base_example],
    )


# -- the outcome -------------------------------------------------------------------------------


def _check_error(exc: InputError, files: set[str] | None) -> None:
    text = str(exc)
    assert text and exc.reason, "an input error without a reason"
    assert exc.file is not None, f"an input error that names no file: {text}"
    if files is not None:
        assert exc.file in files, f"the error names {exc.file!r}, not one of the files read ({sorted(files)}): {text}"


def parse_or_refuse(parse: Callable[[], Any], *, files: Iterable[str] | None = None) -> Any:
    """Run ``parse``; return its result, or None when it refused the input with a clear error."""
    names = set(files) if files is not None else None
    try:
        result = parse()
    except InputErrors as exc:
        assert exc.errors, "InputErrors without errors"
        for error in exc.errors:
            _check_error(error, names)
        return None
    except InputError as exc:
        _check_error(exc, names)
        return None
    if isinstance(result, InventoryBatch):
        check_batch(result)
    return result


def _storable_text(value: str, where: str) -> None:
    assert "\x00" not in value, f"{where}: a NUL character (PostgreSQL text cannot hold one): {value!r}"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise AssertionError(f"{where}: a lone surrogate no database can store: {value!r}") from None


def _check_value(value: Any, hint: Any, where: str) -> None:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return
        options = [a for a in args if a is not type(None)]
        errors = []
        for option in options:
            try:
                _check_value(value, option, where)
                return
            except AssertionError as exc:
                errors.append(str(exc))
        raise AssertionError(errors[0] if len(errors) == 1 else f"{where}: {value!r} is none of {options}")
    if origin is typing.Literal:
        assert value in args, f"{where}: {value!r} is not one of {args}"
        return
    if hint is str:
        assert isinstance(value, str), f"{where}: {type(value).__name__} {value!r}, not str"
        _storable_text(value, where)
        return
    if hint is bool:
        assert isinstance(value, bool), f"{where}: {type(value).__name__} {value!r}, not bool"
        return
    if hint is int:
        assert isinstance(value, int) and not isinstance(value, bool), f"{where}: {value!r} is not an int"
        return
    if hint is float:
        assert isinstance(value, (int, float)) and not isinstance(value, bool), f"{where}: {value!r} is not a number"
        return
    if hint is date:
        assert isinstance(value, date), f"{where}: {value!r} is not a date"
        return
    if hint is datetime:
        assert isinstance(value, datetime), f"{where}: {value!r} is not a datetime"
        return
    if origin is tuple:
        assert isinstance(value, tuple), f"{where}: {type(value).__name__}, not a tuple"
        for i, item in enumerate(value):
            _check_value(item, args[0], f"{where}[{i}]")
        return
    if origin is dict:
        assert isinstance(value, dict), f"{where}: {type(value).__name__}, not a dict"
        for key, item in value.items():
            _check_value(key, args[0], f"{where} key")
            _check_value(item, args[1], f"{where}[{key!r}]")
        return
    if dataclasses.is_dataclass(hint):
        assert isinstance(value, hint), f"{where}: {type(value).__name__}, not {hint.__name__}"
        _check_record(value, where)
        return
    raise AssertionError(f"{where}: no check for type {hint!r}")


_HINTS: dict[type, dict[str, Any]] = {}


def _check_record(record: Any, where: str) -> None:
    cls = type(record)
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    for f in dataclasses.fields(record):
        _check_value(getattr(record, f.name), hints[f.name], f"{where}.{f.name}")
    ident = getattr(record, "id", None)
    if ident is not None:
        assert ident.strip(), f"{where}: an empty id"


def check_batch(batch: InventoryBatch) -> None:
    """Every record of ``batch`` has the field types the store and the graph expect."""
    assert isinstance(batch.source, str) and batch.source
    if batch.organization is not None:
        _check_record(batch.organization, "organization")
    for name in ("systems", "components", "operators", "sites", "acceptances", "coverage"):
        for i, record in enumerate(getattr(batch, name)):
            _check_record(record, f"{name}[{i}]")
    json.dumps([dataclasses.asdict(c) for c in batch.components], default=str)


# -- strategies ----------------------------------------------------------------------------------

#: Text that has broken parsers and the things behind them: formula prefixes, markup, control
#: and bidirectional characters, NUL, separators, paths, very long and non-ASCII values.
HOSTILE_TEXT: tuple[str, ...] = (
    "", " ", "\t", "\n", "\r\n", "\x00", "\x1b[31m", "\u202e", "\ufeff", "\u2028", "=cmd|' /C calc'!A0", "+1", "-1", "@SUM(1)",
    "<script>alert(1)</script>", "&amp;", "]]>", "${jndi:ldap://x}", "../../etc/passwd", "C:\\\\x", "null", "None",
    "true", "NaN", "-0", "1e309", "0x1F", "9" * 40, "a" * 3000, "é", "東京", "🇪🇺", "\\", '"', "'", ",", ";", "|", ":",
    "#", "%", "*", "?", "{}", "[]", "aws", "azure", "eu-west-1", "westeurope", "arn:aws:s3:::b", "arn:", "/subscriptions/",
)


def text_values(extra: Sequence[str] = ()) -> st.SearchStrategy[str]:
    """Strings: the hostile ones, the format's own vocabulary, and arbitrary text (lone surrogates included)."""
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT + tuple(extra)),
        st.text(max_size=20),
        # Lone surrogates reach the readers through JSON escapes (\\ud800), which json.dumps writes for them.
        st.text(alphabet=st.one_of(st.characters(exclude_characters="\x00"), st.integers(0xD800, 0xDFFF).map(chr)), max_size=6),
    )


def json_values(keys: Sequence[str] = (), strings: Sequence[str] = (), max_leaves: int = 25) -> st.SearchStrategy[Any]:
    """JSON-like values whose object keys come mostly from the format's vocabulary."""
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True), text_values(strings),
    )
    key = st.one_of(st.sampled_from(tuple(keys) or ("x",)), text_values()) if keys else text_values()
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(key, inner, max_size=5)),
        max_leaves=max_leaves,
    )


@st.composite
def mutated_bytes(draw, seed: bytes, tokens: Sequence[bytes] = ()) -> bytes:
    """``seed`` with a few byte-level changes: slices replaced, removed, repeated, tokens inserted, cut short."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(("replace", "delete", "repeat", "token", "truncate", "random")))
        at = draw(st.integers(0, len(data)))
        span = draw(st.integers(0, 16))
        if kind == "replace":
            data[at : at + span] = draw(st.binary(max_size=span + 1))
        elif kind == "delete":
            del data[at : at + span]
        elif kind == "repeat":
            data[at:at] = data[at : at + span] * draw(st.integers(1, 3))
        elif kind == "token" and tokens:
            data[at:at] = draw(st.sampled_from(tuple(tokens)))
        elif kind == "truncate":
            del data[at:]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


def _paths(node: Any, path: tuple = (), out: list | None = None, limit: int = 4000) -> list[tuple]:
    out = [] if out is None else out
    if len(out) >= limit:
        return out
    out.append(path)
    if isinstance(node, dict):
        for key, value in node.items():
            _paths(value, (*path, key), out, limit)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _paths(value, (*path, index), out, limit)
    return out


def _get(node: Any, path: tuple) -> Any:
    for step in path:
        node = node[step]
    return node


@st.composite
def mutated_tree(draw, doc: Any, values: st.SearchStrategy[Any]) -> Any:
    """A deep copy of a parsed document with a few nodes replaced, removed or repeated.

    Starting from a valid document reaches the code behind the first checks, which random
    bytes rarely do.
    """
    tree = json.loads(json.dumps(doc, default=str))
    for _ in range(draw(st.integers(1, 5))):
        paths = _paths(tree)
        path = draw(st.sampled_from(paths))
        if not path:
            if draw(st.booleans()):
                tree = draw(values)
            continue
        parent, step = _get(tree, path[:-1]), path[-1]
        kind = draw(st.sampled_from(("replace", "replace", "delete", "repeat")))
        if kind == "replace":
            parent[step] = draw(values)
        elif kind == "delete":
            del parent[step]
        elif isinstance(parent, list):
            parent.insert(step, json.loads(json.dumps(parent[step])))
        else:
            parent[f"{step}-copy"] = json.loads(json.dumps(parent[step]))
    return tree


def yaml_text(value: Any) -> str:
    """``value`` written as YAML (block style), for the YAML parsers."""
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, default_flow_style=False)


def vocabulary(doc: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The keys and the short string values of a parsed document: the words of its format."""
    keys: set[str] = set()
    strings: set[str] = set()
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            keys.update(k for k in node if isinstance(k, str))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and len(node) <= 80:
            strings.add(node)
    return tuple(sorted(keys)), tuple(sorted(strings))


def json_bytes(value: Any) -> bytes:
    """``value`` as JSON text (NaN and Infinity included, lone surrogates as escapes), for the JSON readers."""
    return json.dumps(value, allow_nan=True).encode()


#: Fragments of JSON syntax, some of them hostile: escapes of NUL and surrogates, huge numbers, deep nesting.
JSON_TOKENS: tuple[bytes, ...] = (
    b"{", b"}", b"[", b"]", b",", b":", b'"', b"null", b"true", b"NaN", b"-Infinity", b"1e999", b"9" * 5000, b'"\\u0000"',
    b'"\\ud800"', b'"\\udc00x"', b"\\", b"[" * 100_000, b"\n", b"\r\n", b"\xef\xbb\xbf", b"\x00", b"\xff", b"\xe2\x80\xa8",
    b'{"a":1}\n{"b":2}', b"//", b"/*",
)


#: Fragments of YAML syntax, some of them hostile: anchors and aliases, merge keys, tags of
#: Python objects, impossible dates, huge integers, escapes of NUL and surrogates, directives.
YAML_TOKENS = (
    b"&a ", b"*a", b"&a [*a]", b"&a {b: *a}", b"<<: *a\n", b"<<: [*a, *a]\n", b"? ", b"- ", b": ", b"{", b"}", b"[", b"]", b",", b"---\n", b"...\n",
    b"%YAML 1.1\n", b"%TAG ! tag:x,2000:\n", b"!!python/object/apply:os.system ['true']", b"!!python/name:os.system",
    b"!!binary AAAA", b"!!set ", b"!!omap ", b"!!timestamp ", b"!!float x", b"!!int y", b"!!bool ", b"!!str ", b"!local ",
    b"2025-13-45", b"2025-02-30", b"2001-12-14t21:59:43.10-99:00", b"1" * 5000, b"0x_ff", b"0o78", b".inf", b".nan",
    b"|\n", b">-\n", b'"\\0"', b'"\\ud800"', b'"\\U00110000"', b"'", b'"', b"\t", b"\r", b"\x00", b"\xff\xfe",
    b"\xef\xbb\xbf", b"~", b"null", b"yes", b"on", b"\n  ", b"\n- ", b"#", b"\x85", b"\xe2\x80\xa8",
)
