"""Making cell values safe to open: formulas neutralised, characters XML cannot hold replaced.

A spreadsheet treats a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula, and
some applications also after a leading tab or carriage return (OWASP "CSV injection").
Names in an inventory come from people and from cloud tags, so every text cell written to
CSV or XLSX passes through :func:`neutralise`, which prefixes such a value with ``'``.
XML 1.0 (XLSX, GraphML, HTML) cannot hold most control characters: :func:`clean_text`
replaces them with U+FFFD, so that what was there stays visible.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, date, datetime
from typing import Any

__all__ = ["FORMULA_PREFIXES", "MAX_XLSX_TEXT", "clean_text", "neutralise", "plain"]

#: Leading characters that make a spreadsheet evaluate a cell (OWASP), and their full-width forms.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
#: Excel keeps at most 32,767 characters in a cell.
MAX_XLSX_TEXT = 32_000
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def clean_text(text: str) -> str:
    r"""Replace characters XML 1.0 cannot hold (control characters, lone surrogates) with U+FFFD.

    >>> clean_text("a\x00b\tc")
    'a\ufffdb\tc'
    """
    return _ILLEGAL_XML.sub("\ufffd", text)


def plain(value: Any) -> Any:
    """A value a table cell can hold: lists joined, mappings as JSON, aware times in UTC without zone.

    >>> plain(["a", "b"]), plain({"k": 1}), plain(None)
    ('a, b', '{"k": 1}', None)
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(str(plain(v)) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return str(value)


def neutralise(value: Any) -> Any:
    r"""A cell value a spreadsheet will show and never evaluate.

    >>> neutralise("=cmd|' /C calc'!A0"), neutralise("-1"), neutralise(-1), neutralise("\tx")
    ("'=cmd|' /C calc'!A0", "'-1", -1, "'\tx")
    >>> neutralise("plain text")
    'plain text'
    """
    value = plain(value)
    if isinstance(value, float) and math.isnan(value):  # NaN from pandas: an empty cell
        return None
    if not isinstance(value, str):
        return value
    value = clean_text(value)
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value
