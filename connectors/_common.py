"""Helpers shared by the connectors that read other tools' exports (JSON, JSON Lines, CSV)."""

from __future__ import annotations

import json
import re
from typing import Any

from sovmap.errors import InputError, InputErrors
from sovmap.yamlio import decode_text, storable_text

#: More errors than this are counted, not listed: past fifty, the file is usually wrong as a whole.
MAX_ERRORS = 50

__all__ = ["MAX_ERRORS", "ErrorList", "load_json", "load_json_or_lines", "match_module", "pick_str", "storable_text"]


class ErrorList(list):
    """Input errors collected over a whole file, raised together at the end."""

    def add(self, message: str, *, file: str, entry: str | None = None, field: str | None = None, line: int | None = None) -> None:
        self.append(InputError(message, file=file, line=line, entry=entry, field=field))

    def raise_if_any(self) -> None:
        if not self:
            return
        if len(self) == 1:
            raise self[0]
        exc = InputErrors(list(self[:MAX_ERRORS]))
        if len(self) > MAX_ERRORS:
            body = "\n".join(f"  {e}" for e in exc.errors)
            exc.args = (f"{len(self)} problem(s) in the input, the first {MAX_ERRORS}:\n{body}\n  ... and {len(self) - MAX_ERRORS} more",)
        raise exc


def load_json(content: bytes, file: str) -> Any:
    """Parse a JSON document; a syntax error names the line and what is wrong.

    >>> load_json(b'{"a": [1, 2]}', "x.json")
    {'a': [1, 2]}
    """
    text = decode_text(content, file)
    if not text.strip():
        raise InputError("the file is empty", file=file)
    try:
        doc = _parse(text, file, "JSON")
    except _ExtraData as exc:
        raise InputError(f"not valid JSON: {exc.args[0]}", file=file, line=exc.args[1]) from None
    _check_strings(doc, text, file)
    return doc


def load_json_or_lines(content: bytes, file: str) -> tuple[list[Any], list[int] | None]:
    """A JSON array, or JSON Lines (one document per line); returns the items and, for lines, their line numbers.

    >>> load_json_or_lines(b'{"a": 1}\\n\\n{"a": 2}\\n', "x.jsonl")
    ([{'a': 1}, {'a': 2}], [1, 3])
    >>> load_json_or_lines(b'[{"a": 1}]', "x.json")
    ([{'a': 1}], None)
    """
    text = decode_text(content, file)
    if not text.strip():
        raise InputError("the file is empty", file=file)
    try:
        doc = _parse(text, file, "JSON")
    except _ExtraData:
        pass
    else:
        _check_strings(doc, text, file)
        return (doc if isinstance(doc, list) else [doc]), None
    # Several documents: JSON Lines. Only CR and LF end a line, as for json itself
    # (str.splitlines also splits at U+2028 and others, which JSON strings may hold).
    items: list[Any] = []
    lines: list[int] = []
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        if not line.strip():
            continue
        try:
            items.append(_parse(line, file, "JSON Lines", number))
        except _ExtraData as exc:
            raise InputError(f"not valid JSON Lines: {exc.args[0]}", file=file, line=number) from None
        lines.append(number)
    _check_strings(items, text, file)
    return items, lines


class _ExtraData(Exception):
    """More than one JSON document: the file may be JSON Lines."""


def _parse(text: str, file: str, what: str, line: int | None = None) -> Any:
    """``json.loads`` with every way it can fail turned into an InputError naming the line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":
            raise _ExtraData(f"{exc.msg} (column {exc.colno})", exc.lineno) from None
        raise InputError(f"not valid {what}: {exc.msg} (column {exc.colno})", file=file, line=line or exc.lineno) from None
    except RecursionError:
        raise InputError(f"not valid {what}: nesting too deep", file=file, line=line) from None
    except ValueError as exc:
        # An integer of more digits than Python converts (4300 by default).
        raise InputError(f"not valid {what}: {exc}".split("; use sys.")[0], file=file, line=line) from None


#: Escapes that can put a NUL or a UTF-16 surrogate into a parsed string.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def _check_strings(doc: Any, text: str, file: str) -> None:
    """Refuse strings no store can hold: a NUL (PostgreSQL text has none) or a lone surrogate (no encoding has one).

    Only ``\\u`` escapes can make them (the text itself is UTF-8 without NUL), so the
    document is walked only when the text has such an escape.
    """
    found = _SUSPECT_ESCAPE.search(text)
    if found is None:
        return
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and not storable_text(node):
            raise InputError(
                "a string holds a NUL character or a lone UTF-16 surrogate (\\u0000, \\ud800), which cannot be stored",
                file=file, line=text.count("\n", 0, found.start()) + 1,
            )


def pick_str(data: dict[str, Any], *keys: str) -> str | None:
    """The first of ``keys`` whose value is a non-empty string (absent is None, never "").

    >>> pick_str({"a": "", "b": "x"}, "a", "b")
    'x'
    """
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def match_module(address: str | None, mapping: dict[str, str]) -> str | None:
    """The value of the longest key of ``mapping`` that is ``address`` or one of its parent modules.

    Keys may leave out instance keys: ``module.app`` matches ``module.app["blue"].module.db``.

    >>> m = {"module.app": "a", 'module.app["blue"]': "b", "module.app.module.db": "c"}
    >>> match_module('module.app["blue"].module.db', m), match_module('module.app["green"]', m), match_module(None, m)
    ('c', 'a', None)
    """
    if not address or not mapping:
        return None
    plain = re.sub(r"\[[^\]]*\]", "", address)
    best: tuple[int, str] | None = None
    for key, value in mapping.items():
        for candidate in (address, plain):
            if candidate == key or candidate.startswith(key + "."):
                if best is None or len(key) > best[0]:
                    best = (len(key), value)
    return best[1] if best else None
