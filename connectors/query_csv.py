"""Steampipe or CloudQuery results exported as CSV: one resource per row, of one provider and table.

``steampipe query --output csv "select arn, name, region, account_id, tags from aws_s3_bucket"``
or a CloudQuery CSV destination writes one table per file. The source says which provider
the rows belong to and, through ``table``, which catalog service
(``connectors/mappings/query_csv.yaml``); ``service`` names one for a table the mapping does
not know. Columns are found by their usual names (``arn``/``id``/``self_link``,
``name``/``title``, ``region``/``location``, ``account_id``/``subscription_id``/``project``,
``tags``/``labels`` as JSON) or mapped in ``columns``.

.. code-block:: yaml

    sources:
      - type: query-csv
        path: exports/aws_s3_bucket.csv
        provider: aws
        table: aws_s3_bucket
        columns: {account: account_id}

The full description is ``docs/connectors/query-csv.md``.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from connectors import ScanContext, read_source_file
from connectors._common import ErrorList, storable_text
from connectors.mappings import Key, ServiceRule, global_id, load_table, normalize_region, tags_from_pairs
from inventory.records import ComponentRecord, CoverageEntry, InventoryBatch
from sovmap.errors import InputError
from sovmap.yamlio import MAX_BYTES, decode_text

TYPE = "query-csv"
SUMMARY = "Steampipe or CloudQuery table exported as CSV (provider and table named in the source, columns mapped)."
PERMISSIONS = ("read access to the CSV file; no cloud credentials (the query tool's own run needs its read-only rights)",)

__all__ = ["FIELDS", "Params", "fetch", "normalize"]

Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]

#: Each field and the headers it reads when ``columns`` does not name one (first present wins).
FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("arn", "id", "self_link", "resource_id"),
    "name": ("name", "title"),
    "region": ("region", "location"),
    "account": ("account_id", "subscription_id", "project", "project_id"),
    "tags": ("tags", "labels"),
    "kind": (),
}


class Params(BaseModel):
    """The source entry in ``sovmap.yaml``: ``{type: query-csv, path: s3.csv, provider: aws, table: aws_s3_bucket}``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: Literal["query-csv"] = "query-csv"
    name: Text | None = None
    path: Text
    provider: Key
    table: Key | None = None
    service: Key | None = None
    holds_data: bool | None = None
    columns: dict[str, Text] = {}
    # Not stripped: a tab is whitespace.
    delimiter: Literal[",", ";", "\t"] = ","
    max_bytes: int = Field(default=MAX_BYTES, gt=0)

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        for field in value:
            if field not in FIELDS:
                raise ValueError(f"unknown field '{field}' (known: {', '.join(FIELDS)})")
        return value

    @model_validator(mode="after")
    def _table_of_provider(self) -> Params:
        if self.table is not None and self.service is None and not self.table.startswith(_TABLE_PREFIX.get(self.provider, self.provider)):
            raise ValueError(f"table '{self.table}' is not a {self.provider} table; check 'provider' and 'table'")
        return self

    def rule(self) -> ServiceRule | None:
        """The service of the rows: ``service`` if given, else the table's mapping (None when unknown)."""
        if self.service is not None:
            return ServiceRule(service=self.service, holds_data=bool(self.holds_data))
        found = load_table("query_csv.yaml").classify(self.table) if self.table else None
        if not found:
            return None
        return found if self.holds_data is None else found.model_copy(update={"holds_data": self.holds_data})

    def source_name(self, file: str) -> str:
        return self.name or f"{TYPE}:{Path(file).name}"


# Tables are named after the tool's plugin, which for some providers differs from the catalog key.
_TABLE_PREFIX = {"aws": "aws_", "azure": "azure_", "gcp": "gcp_"}


def fetch(params: Params, ctx: ScanContext) -> tuple[str, bytes]:
    """Read the file (the only I/O); returns its display name and bytes."""
    return read_source_file(params.path, ctx, params.max_bytes)


def _header_columns(header: list[str], params: Params, file: str) -> dict[str, int]:
    positions = {name.strip().casefold(): i for i, name in enumerate(header) if name.strip()}
    found = ", ".join(f"'{h.strip()}'" for h in header if h.strip()) or "none"
    columns: dict[str, int] = {}
    for field, candidates in FIELDS.items():
        if field in params.columns:
            at = positions.get(params.columns[field].casefold())
            if at is None:
                raise InputError(f"mapped column '{params.columns[field]}' is not in the header (found: {found})", file=file, line=1, field=field)
            columns[field] = at
            continue
        at = next((positions[c] for c in candidates if c in positions), None)
        if at is not None:
            columns[field] = at
    if "id" not in columns:
        raise InputError(f"no id column (looked for {', '.join(FIELDS['id'])}; map one in 'columns') (found: {found})", file=file, line=1)
    return columns


def _read_tags(text: str) -> dict[str, str]:
    if text.strip() in ("", "null"):
        return {}
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError("nesting too deep") from None
    if not isinstance(value, (dict, list)):
        raise ValueError("tags must be a JSON object")
    tags = tags_from_pairs(value)
    # Escapes can make strings no store can hold.
    if not all(storable_text(k) and storable_text(v) for k, v in tags.items()):
        raise ValueError("a tag holds a NUL character or a lone UTF-16 surrogate (\\u0000, \\ud800)")
    return tags


def normalize(raw: tuple[str, bytes], params: Params) -> InventoryBatch:
    """Read the CSV (pure: bytes in, records out); every row problem is reported at once."""
    file, content = raw
    source = params.source_name(file)
    text = decode_text(content, file)
    if not text.strip():
        raise InputError("the file is empty", file=file)
    rule = params.rule()
    provider = params.provider
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=params.delimiter, strict=True)
    errors = ErrorList()
    components: list[ComponentRecord] = []
    seen: dict[str, int] = {}
    columns: dict[str, int] | None = None
    header: list[str] = []
    row = 0
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.add(f"not valid CSV: {exc}", file=file, line=line)
            break
        row += 1
        start, line = line, reader.line_num + 1
        if columns is None:
            header = cells
            columns = _header_columns(cells, params, file)
            continue
        if not any(c.strip() for c in cells):
            continue
        values = {f: (cells[i].strip() if i < len(cells) else "") for f, i in columns.items()}
        entry = f"row {row}"
        ident_raw = values.get("id") or None
        if ident_raw is None:
            errors.add("required value is missing", file=file, line=start, entry=entry, field=header[columns["id"]])
            continue
        entry = f"row {row} ({ident_raw})"
        try:
            tags = _read_tags(values.get("tags", ""))
        except (ValueError, json.JSONDecodeError) as exc:
            errors.add(f"not a JSON object of tags: {exc}", file=file, line=start, entry=entry, field=header[columns["tags"]])
            continue
        account = values.get("account") or None
        ident = global_id(provider, ident_raw) or f"{params.table or provider}:{account or '-'}:{ident_raw}"
        if ident in seen:
            errors.add(f"duplicate id (first at line {seen[ident]})", file=file, line=start, entry=entry, field=header[columns["id"]])
            continue
        seen[ident] = start
        region = None if rule and rule.is_global else normalize_region(provider, values.get("region"))
        components.append(
            ComponentRecord(
                id=ident,
                name=values.get("name") or ident_raw,
                kind=values.get("kind") or params.table,
                provider=provider,
                service=rule.service if rule else None,
                region=region,
                holds_data=bool(rule and rule.holds_data),
                external_id=ident_raw,
                account=account,
                tags=tags,
                source=source,
                origin=f"{file}:{start}",
            )
        )
    errors.raise_if_any()
    unused = [h for i, h in enumerate(header) if h.strip() and i not in (columns or {}).values()]
    parts = []
    if rule is None or rule.service is None:
        parts.append(f"no catalog service for table {params.table!r}; name one with 'service'" if params.table else "no table or service given")
    if unused:
        parts.append("columns not used: " + ", ".join(f"'{h}'" for h in unused))
    return InventoryBatch(
        source=source,
        components=components,
        coverage=[CoverageEntry(source=source, scope=file, status="read", detail="; ".join(parts) or None, count=len(components))],
    )
