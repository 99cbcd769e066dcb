"""Helpers shared by the connectors that read other tools' exports (JSON, JSON Lines, CSV)."""

from __future__ import annotations

import json
import re
from typing import Any

from sovmap.errors import InputError, InputErrors
from sovmap.yamlio import decode_text

#: More errors than this are counted, not listed: past fifty, the file is usually wrong as a whole.
MAX_ERRORS = 50

__all__ = ["MAX_ERRORS", "ErrorList", "load_json", "load_json_or_lines", "match_module", "pick_str"]


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
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg} (column {exc.colno})", file=file, line=exc.lineno) from None
    except RecursionError:
        raise InputError("not valid JSON: nesting too deep", file=file) from None


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
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise InputError(f"not valid JSON: {exc.msg} (column {exc.colno})", file=file, line=exc.lineno) from None
    except RecursionError:
        raise InputError("not valid JSON: nesting too deep", file=file) from None
    else:
        return (doc if isinstance(doc, list) else [doc]), None
    # Several documents: JSON Lines.
    items: list[Any] = []
    lines: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON Lines: {exc.msg} (column {exc.colno})", file=file, line=number) from None
        lines.append(number)
    return items, lines


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
