"""CMDB export in CSV: one component per row, mapped to the fields of the declared inventory.

The first non-blank line is the header. Each sovmap field reads the column of the same
name (case and surrounding spaces ignored) unless ``columns`` maps it to another header:

.. code-block:: yaml

    sources:
      - type: cmdb-csv
        path: exports/cmdb.csv
        delimiter: ";"                  # ",", ";", "\\t" or "auto" (sniffed from the header)
        columns: {id: CI ID, system: Business Service, tags.owner: Eigenaar}
        defaults: {provider: on-prem}   # for fields without a column, or with an empty cell

Component fields: ``id`` (required), ``name``, ``system``, ``kind``, ``provider``,
``service``, ``region``, ``site``, ``holds_data`` (true/false, yes/no, ja/nee, y/n, 1/0),
``data_volume_gb`` (``1234.5``, or ``1234,5`` when the delimiter is not a comma; no
thousands separators), ``depends_on`` (ids separated by ``list_separator``, ``|`` by
default), ``key_custody`` (provider, customer-managed, customer-held), ``external_id``,
``account`` and ``tags.<key>``. System fields, which make one system record per distinct
``system`` id: ``system_name``, ``system_criticality``, ``system_classification``,
``system_owner``, ``system_rto_hours``.

The file is UTF-8 with or without BOM, with any line endings; quoted values may hold the
delimiter, quotes (doubled) and line breaks. Empty cells are absent values. Every problem
names the file, the line the row starts on, the row (header = row 1, as a spreadsheet
shows it) and the column. The full description is ``docs/connectors/cmdb-csv.md``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints, ValidationInfo, field_validator, model_validator

from connectors import ScanContext, read_source_file
from inventory.records import ComponentRecord, CoverageEntry, InventoryBatch, SystemRecord
from sovmap.errors import InputError, InputErrors
from sovmap.yamlio import MAX_BYTES, decode_text

TYPE = "cmdb-csv"
SUMMARY = "CMDB export in CSV (one component per row, optional system columns), mapped by column."
PERMISSIONS = ("read access to the CSV file",)

#: More errors than this are counted, not listed: past fifty, the file is usually wrong as a whole.
MAX_ERRORS = 50

__all__ = ["COMPONENT_FIELDS", "MAX_ERRORS", "Params", "SYSTEM_FIELDS", "fetch", "normalize"]

Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]

#: Mappable component fields and how their cells are read.
COMPONENT_FIELDS: dict[str, str] = {
    "id": "text",
    "name": "text",
    "system": "text",
    "kind": "text",
    "provider": "text",
    "service": "text",
    "region": "text",
    "site": "text",
    "holds_data": "bool",
    "data_volume_gb": "number",
    "depends_on": "list",
    "key_custody": "key_custody",
    "external_id": "text",
    "account": "text",
}

#: Mappable system fields; any of them (as a column or a default) makes system records.
SYSTEM_FIELDS: dict[str, str] = {
    "system_name": "text",
    "system_criticality": "criticality",
    "system_classification": "classification",
    "system_owner": "text",
    "system_rto_hours": "number",
}

_TAG_PREFIX = "tags."
_TRUE = frozenset({"true", "yes", "y", "1", "ja"})
_FALSE = frozenset({"false", "no", "n", "0", "nee"})
_CHOICES: dict[str, tuple[str, ...]] = {
    "key_custody": ("provider", "customer-managed", "customer-held"),
    "criticality": ("critical", "high", "medium", "low"),
    "classification": ("public", "internal", "confidential", "secret"),
}
_NUMBER_DOT = re.compile(r"^\d+(?:\.\d+)?$")
_NUMBER_DOT_OR_COMMA = re.compile(r"^\d+(?:[.,]\d+)?$")
_SNIFFED = (",", ";", "\t")


def _kind_of(field: str) -> str | None:
    if field.startswith(_TAG_PREFIX):
        return "text" if len(field) > len(_TAG_PREFIX) else None
    return COMPONENT_FIELDS.get(field) or SYSTEM_FIELDS.get(field)


def _check_field_name(field: str) -> str:
    if _kind_of(field) is None:
        known = ", ".join([*COMPONENT_FIELDS, *SYSTEM_FIELDS, "tags.<key>"])
        raise ValueError(f"unknown field '{field}' (known: {known})")
    return field


# Cell readers: a trimmed, non-empty string in, a value out, ValueError with the reason otherwise.


def _read_bool(value: str) -> bool:
    folded = value.casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError(f"not a yes/no value (got '{value}'); use true/false, yes/no, ja/nee, y/n or 1/0")


def _number_reader(decimal_comma: bool) -> Callable[[str], float]:
    pattern = _NUMBER_DOT_OR_COMMA if decimal_comma else _NUMBER_DOT
    example = "1234.5 or 1234,5" if decimal_comma else "1234.5"

    def read(value: str) -> float:
        if not pattern.match(value):
            raise ValueError(f"not a number of 0 or more (got '{value}'); write it as {example}, without thousands separators")
        return float(value.replace(",", "."))

    return read


def _choice_reader(kind: str) -> Callable[[str], str]:
    allowed = _CHOICES[kind]

    def read(value: str) -> str:
        folded = value.casefold()
        if folded not in allowed:
            raise ValueError(f"not an allowed {kind.replace('_', ' ')} (got '{value}'); use {', '.join(allowed)}")
        return folded

    return read


def _list_reader(separator: str) -> Callable[[str], tuple[str, ...]]:
    def read(value: str) -> tuple[str, ...]:
        items = (item.strip() for item in value.split(separator))
        return tuple(dict.fromkeys(item for item in items if item))

    return read


def _readers(decimal_comma: bool, list_separator: str) -> dict[str, Callable[[str], Any]]:
    return {
        "text": str,
        "bool": _read_bool,
        "number": _number_reader(decimal_comma),
        "list": _list_reader(list_separator),
        "key_custody": _choice_reader("key_custody"),
        "criticality": _choice_reader("criticality"),
        "classification": _choice_reader("classification"),
    }


def _read_default(field: str, value: Any, list_separator: str) -> Any:
    """A default from ``sovmap.yaml``, read as a cell of its field would be (YAML may give bools and numbers)."""
    kind = _kind_of(_check_field_name(field))
    if field == "id":
        raise ValueError("'id' cannot have a default: every row names its own")
    if kind == "list" and isinstance(value, list):
        return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))
    if isinstance(value, list):
        raise ValueError(f"default for '{field}' must be a single value, not a list")
    if isinstance(value, bool):
        if kind != "bool":
            raise ValueError(f"default for '{field}' must not be true/false")
        return value
    if isinstance(value, (int, float)):
        if kind == "number":
            if value < 0:
                raise ValueError(f"default for '{field}' must be 0 or more")
            return float(value)
        value = str(value)  # e.g. an account number that YAML read as an integer
    text = value.strip()
    if not text:
        raise ValueError(f"default for '{field}' is empty; leave it out instead")
    try:
        return _readers(decimal_comma=False, list_separator=list_separator)[kind](text)
    except ValueError as exc:
        raise ValueError(f"default for '{field}': {exc}") from None


class Params(BaseModel):
    """The source entry in ``sovmap.yaml``: ``{type: cmdb-csv, path: cmdb.csv}``."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["cmdb-csv"] = "cmdb-csv"
    name: Text | None = None
    path: Text
    # Not stripped: a tab is whitespace.
    delimiter: Literal[",", ";", "\t", "auto"] = "auto"
    columns: dict[str, Text] = {}
    list_separator: str = Field(default="|", min_length=1, max_length=8)
    defaults: dict[str, str | bool | int | float | list[str]] = {}
    max_bytes: int = Field(default=MAX_BYTES, gt=0)
    _typed_defaults: dict[str, Any] = PrivateAttr(default_factory=dict)

    @field_validator("columns")
    @classmethod
    def _known_columns(cls, value: dict[str, str]) -> dict[str, str]:
        for field in value:
            _check_field_name(field)
        return value

    @field_validator("defaults")
    @classmethod
    def _valid_defaults(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        # Checked here, so that a bad default fails when the config loads and names 'defaults'.
        separator = info.data.get("list_separator", "|")
        for field, default in value.items():
            _read_default(field, default, separator)
        return value

    @model_validator(mode="after")
    def _read_defaults(self) -> Params:
        self._typed_defaults = {f: _read_default(f, v, self.list_separator) for f, v in self.defaults.items()}
        return self

    @property
    def typed_defaults(self) -> dict[str, Any]:
        """``defaults`` read as the cells of their fields are (``"ja"`` -> ``True``)."""
        return self._typed_defaults

    def source_name(self, file: str) -> str:
        return self.name or f"{TYPE}:{Path(file).name}"


def fetch(params: Params, ctx: ScanContext) -> tuple[str, bytes]:
    """Read the file (the only I/O); returns its display name and bytes."""
    return read_source_file(params.path, ctx, params.max_bytes)


def _sniff(header_line: str, file: str, line: int) -> str:
    counts = dict.fromkeys(_SNIFFED, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    ranked = sorted(counts.items(), key=lambda item: item[1], reverse=True)
    (best, most), (_, second) = ranked[0], ranked[1]
    if most == 0:
        return ","  # one column: any delimiter reads it
    if most == second:
        found = ", ".join(f"{n} x {d!r}" for d, n in ranked if n)
        raise InputError(
            f"cannot tell the delimiter from the header ({found}); set 'delimiter' in the source",
            file=file,
            line=line,
        )
    return best


def _raise_all(errors: list[InputError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    raise InputErrors(errors[:MAX_ERRORS], omitted=max(0, len(errors) - MAX_ERRORS))


class _Header:
    """The header row and which column each mapped field reads."""

    def __init__(self, cells: list[str], line: int, params: Params, file: str) -> None:
        self.names = [c.strip() for c in cells]
        positions: dict[str, list[int]] = {}
        for index, name in enumerate(self.names):
            if name:
                positions.setdefault(name.casefold(), []).append(index)
        found = ", ".join(f"'{n}'" for n in self.names if n) or "none"
        errors: list[InputError] = []
        # A header the mapping names is taken: it does not also feed a field of the same name.
        claimed = {h.strip().casefold() for h in params.columns.values()}
        wanted: dict[str, str] = {}
        for field in [*COMPONENT_FIELDS, *SYSTEM_FIELDS]:
            if field.casefold() in positions and field.casefold() not in claimed:
                wanted[field] = field
        for name in self.names:
            folded = name.casefold()
            if folded.startswith(_TAG_PREFIX) and len(name) > len(_TAG_PREFIX) and folded not in claimed:
                wanted[_TAG_PREFIX + name[len(_TAG_PREFIX):]] = name
        wanted.update(params.columns)
        self.columns: dict[str, int] = {}
        for field, header in wanted.items():
            at = positions.get(header.strip().casefold())
            if not at:
                errors.append(
                    InputError(f"mapped column '{header}' is not in the header (found: {found})", file=file, line=line, field=header)
                )
            elif len(at) > 1:
                where = " and ".join(str(i + 1) for i in at)
                errors.append(InputError(f"column '{header}' appears more than once (columns {where})", file=file, line=line, field=header))
            else:
                self.columns[field] = at[0]
        if "id" not in wanted:
            errors.append(InputError(f"no 'id' column, and 'columns' maps none (found: {found})", file=file, line=line))
        if errors:
            _raise_all(errors)
        self.system_fields = [f for f in SYSTEM_FIELDS if f in self.columns or f in params.typed_defaults]
        used = set(self.columns.values())
        self.unused = [n for i, n in enumerate(self.names) if n and i not in used]

    def column(self, field: str) -> str:
        return self.names[self.columns[field]]


class _BrokenCsv(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def _records(text: str, delimiter: str) -> Iterator[tuple[int, int, list[str]]]:
    """Yield (row number, first physical line, cells); row 1 is the first line, as in a spreadsheet."""
    # strict: an unclosed quote is an error, not a value that swallows the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True, skipinitialspace=True)
    row = 0
    previous = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if str(exc) == "unexpected end of data":
                raise _BrokenCsv(previous + 1, "a quoted value that starts on this row is never closed") from None
            raise _BrokenCsv(previous + 1, f"not valid CSV: {exc}") from None
        row += 1
        yield row, previous + 1, cells
        previous = reader.line_num


def _first_line(text: str) -> tuple[int, str]:
    """The number and text of the first non-blank line; (0, "") for a blank text."""
    found = re.search(r"\S", text)
    if found is None:
        return 0, ""
    # Only CR and LF end a line, as for the csv module (str.splitlines knows more).
    start = max(text.rfind("\n", 0, found.start()), text.rfind("\r", 0, found.start())) + 1
    end = re.compile(r"[\r\n]").search(text, start)
    before = text[:start]
    number = before.count("\n") + before.count("\r") - before.count("\r\n") + 1
    return number, text[start : end.start() if end else len(text)]


def normalize(raw: tuple[str, bytes], params: Params | None = None) -> InventoryBatch:
    """Read a CMDB CSV export (pure: bytes in, records out); every row problem is reported at once."""
    file, content = raw
    params = params or Params(path=file)
    source = params.source_name(file)
    text = decode_text(content, file)
    header_at, header_line = _first_line(text)
    if not header_at:
        raise InputError("the file is empty", file=file)
    delimiter = _sniff(header_line, file, header_at) if params.delimiter == "auto" else params.delimiter
    read = _readers(decimal_comma=delimiter != ",", list_separator=params.list_separator)

    batch = InventoryBatch(source=source)
    errors: list[InputError] = []
    header: _Header | None = None
    seen: dict[str, int] = {}
    # system id -> field -> (value, line that stated it); the first row of a system is its origin.
    systems: dict[str, dict[str, tuple[Any, int]]] = {}
    system_lines: dict[str, int] = {}
    rows = _records(text, delimiter)
    while True:
        try:
            row, line, cells = next(rows)
        except StopIteration:
            break
        except _BrokenCsv as exc:
            errors.append(InputError(exc.reason, file=file, line=exc.line))
            break
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = _Header(cells, line, params, file)
            continue
        width = len(header.names)
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            errors.append(
                InputError(
                    f"the row has {len(cells)} cells, the header {width} (a delimiter inside an unquoted value?)",
                    file=file,
                    line=line,
                    entry=f"row {row}",
                )
            )
            continue
        values, stated, row_errors = _read_row(cells, header, read, params, file, row, line)
        errors.extend(row_errors)
        ident = values.get("id")
        if ident is None:
            continue
        entry = f"row {row} (id '{ident}')"
        if ident in seen:
            errors.append(
                InputError(f"duplicate id '{ident}' (first at line {seen[ident]})", file=file, line=line, entry=entry, field=header.column("id"))
            )
            continue
        seen[ident] = line
        if values.get("region") and values.get("site"):
            errors.append(
                InputError(
                    "give either a region (a provider's) or a site (an own data centre), not both",
                    file=file,
                    line=line,
                    entry=entry,
                    field=header.column("site") if "site" in header.columns else "site",
                )
            )
        if header.system_fields:
            errors.extend(_merge_system(values, stated, header, systems, system_lines, file, line, entry))
        if row_errors:
            continue
        batch.components.append(
            ComponentRecord(
                id=ident,
                name=values.get("name"),
                system=values.get("system"),
                kind=values.get("kind"),
                provider=values.get("provider"),
                service=values.get("service"),
                region=values.get("region"),
                site=values.get("site"),
                holds_data=values.get("holds_data", False),
                data_volume_gb=values.get("data_volume_gb"),
                depends_on=values.get("depends_on", ()),
                key_custody=values.get("key_custody"),
                external_id=values.get("external_id"),
                account=values.get("account"),
                tags={k[len(_TAG_PREFIX):]: v for k, v in values.items() if k.startswith(_TAG_PREFIX)},
                source=source,
                origin=f"{file}:{line}",
            )
        )
    if errors:
        _raise_all(errors)
    batch.systems = [_system(sid, fields, params, source, f"{file}:{system_lines[sid]}") for sid, fields in systems.items()]
    if header is not None:
        unused = ", ".join(f"'{n}'" for n in header.unused)
        batch.coverage.append(
            CoverageEntry(
                source=source,
                scope=file,
                status="read",
                detail=f"columns not used: {unused}" if unused else None,
                count=len(batch.components),
            )
        )
    return batch


def _read_row(
    cells: list[str],
    header: _Header,
    read: dict[str, Callable[[str], Any]],
    params: Params,
    file: str,
    row: int,
    line: int,
) -> tuple[dict[str, Any], set[str], list[InputError]]:
    """The row's values (cells, then defaults), the fields its cells gave, and its problems."""
    raw = {field: (cells[i].strip() or None) if i < len(cells) else None for field, i in header.columns.items()}
    entry = f"row {row} (id '{raw['id']}')" if raw.get("id") else f"row {row}"
    values: dict[str, Any] = {}
    errors: list[InputError] = []
    for field, cell in raw.items():
        if cell is None:
            continue
        try:
            values[field] = read[_kind_of(field) or "text"](cell)
        except ValueError as exc:
            errors.append(InputError(str(exc), file=file, line=line, entry=entry, field=header.column(field)))
    stated = set(values)
    for field, default in params.typed_defaults.items():
        values.setdefault(field, default)
    if "id" not in values:
        errors.append(InputError("required value is missing", file=file, line=line, entry=entry, field=header.column("id")))
    return values, stated, errors


def _merge_system(
    values: dict[str, Any],
    from_cells: set[str],
    header: _Header,
    systems: dict[str, dict[str, tuple[Any, int]]],
    system_lines: dict[str, int],
    file: str,
    line: int,
    entry: str,
) -> list[InputError]:
    # Only cells count as statements: a default never contradicts what a row said.
    stated = {f: values[f] for f in header.system_fields if f in from_cells}
    sid = values.get("system")
    if sid is None:
        return [
            InputError(f"a {field} is given but the row names no system", file=file, line=line, entry=entry, field=header.column(field))
            for field in stated
        ]
    known = systems.setdefault(sid, {})
    system_lines.setdefault(sid, line)
    errors = []
    for field, value in stated.items():
        if field not in known:
            known[field] = (value, line)
        elif known[field][0] != value:
            first, first_line = known[field]
            errors.append(
                InputError(
                    f"system '{sid}' has {field} '{_show(value)}' here but '{_show(first)}' at line {first_line}",
                    file=file,
                    line=line,
                    entry=entry,
                    field=header.column(field),
                )
            )
    return errors


def _show(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _system(sid: str, fields: dict[str, tuple[Any, int]], params: Params, source: str, origin: str) -> SystemRecord:
    def get(field: str, fallback: Any = None) -> Any:
        return fields[field][0] if field in fields else params.typed_defaults.get(field, fallback)

    return SystemRecord(
        id=sid,
        name=get("system_name", sid),
        criticality=get("system_criticality", "medium"),
        classification=get("system_classification", "internal"),
        owner=get("system_owner"),
        rto_hours=get("system_rto_hours"),
        source=source,
        origin=origin,
    )
