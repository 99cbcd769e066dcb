"""Reading Archi's CSV export: ``elements.csv``, ``relations.csv`` and ``properties.csv``.

Archi writes three files (with an optional common prefix) with every value quoted:

- elements: ``"ID","Type","Name","Documentation"`` (newer versions add ``"Specialization"``);
  the first row is the model itself, type ``ArchimateModel``;
- relations: ``"ID","Type","Name","Documentation","Source","Target"`` with types such as
  ``ServingRelationship``;
- properties: ``"ID","Key","Value"``, one row per property of an element, a relation or
  the model; a key may repeat.

Columns are found by name (case ignored), so extra columns do no harm. Values may hold the
delimiter, doubled quotes and line breaks; a row is reported at the line it starts on.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from connectors.archimate_model import ArchiElement, ArchiModel, ArchiProperty, ArchiRelation
from sovmap.errors import InputError
from sovmap.yamlio import decode_text

__all__ = ["parse_archi_csv"]

_ELEMENTS = ("ID", "Type", "Name", "Documentation")
_RELATIONS = ("ID", "Type", "Name", "Documentation", "Source", "Target")
_PROPERTIES = ("ID", "Key", "Value")
_MODEL_TYPE = "ArchimateModel"


def _rows(file: str, content: bytes, delimiter: str, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str | None]]]:
    """The rows of one file as ``(line, {column: value or None})``, the header checked."""
    text = decode_text(content, file)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    end = 0
    header: list[str] | None = None
    try:
        for cells in reader:
            start, end = end + 1, reader.line_num
            if header is None:
                if not any(c.strip() for c in cells):
                    continue
                header = [c.strip().casefold() for c in cells]
                missing = [c for c in required if c.casefold() not in header]
                if missing:
                    found = ", ".join(f'"{c}"' for c in cells)
                    raise InputError(
                        f"missing column(s) {', '.join(missing)}; the header has {found} "
                        f"(is the delimiter {delimiter!r} right?)", file=file, line=start,
                    )
                continue
            if not any(c.strip() for c in cells):
                continue
            row = {col: (cells[i].strip() or None) if i < len(cells) else None for i, col in enumerate(header)}
            yield start, row
    except csv.Error as exc:
        raise InputError(f"not valid CSV: {exc}", file=file, line=reader.line_num) from None
    if header is None:
        raise InputError("the file is empty (no header row)", file=file)


def _required(row: dict[str, str | None], column: str, file: str, line: int, entry: str) -> str:
    value = row.get(column.casefold())
    if value is None:
        raise InputError("required value is missing", file=file, line=line, entry=entry, field=column)
    return value


def parse_archi_csv(
    elements: tuple[str, bytes],
    relations: tuple[str, bytes],
    properties: tuple[str, bytes],
    *,
    delimiter: str = ",",
) -> ArchiModel:
    """Parse the three files of an Archi CSV export into an :class:`ArchiModel` (pure).

    >>> els = b'"ID","Type","Name","Documentation"\\n"m1","ArchimateModel","Demo",""\\n"e1","Node","db01",""\\n'
    >>> rels = b'"ID","Type","Name","Documentation","Source","Target"\\n'
    >>> props = b'"ID","Key","Value"\\n"e1","provider","aws"\\n'
    >>> m = parse_archi_csv(("elements.csv", els), ("relations.csv", rels), ("properties.csv", props))
    >>> m.name, [(e.identifier, e.type, e.name, e.line) for e in m.elements]
    ('Demo', [('e1', 'Node', 'db01', 3)])
    >>> [(p.key, p.value, p.file, p.line) for p in m.elements[0].properties]
    [('provider', 'aws', 'properties.csv', 2)]
    """
    model = ArchiModel(file=elements[0])
    owners: dict[str, ArchiElement | ArchiRelation | ArchiModel] = {}
    seen: dict[str, tuple[str, int]] = {}

    def register(ident: str, owner, file: str, line: int, entry: str) -> None:
        if ident in seen:
            first_file, first_line = seen[ident]
            raise InputError(f"duplicate ID (first at {first_file}:{first_line})", file=file, line=line, entry=entry, field="ID")
        seen[ident] = (file, line)
        owners[ident] = owner

    file, content = elements
    for line, row in _rows(file, content, delimiter, _ELEMENTS):
        entry = f"element '{row.get('name') or row.get('id')}'"
        ident = _required(row, "ID", file, line, entry)
        type_ = _required(row, "Type", file, line, entry)
        if type_ == _MODEL_TYPE:
            model.name = row.get("name")
            register(ident, model, file, line, entry)
            continue
        element = ArchiElement(ident, type_, row.get("name"), row.get("documentation"), file=file, line=line)
        register(ident, element, file, line, entry)
        model.elements.append(element)

    file, content = relations
    for line, row in _rows(file, content, delimiter, _RELATIONS):
        entry = f"relation '{row.get('id')}'"
        ident = _required(row, "ID", file, line, entry)
        type_ = _required(row, "Type", file, line, entry)
        relation = ArchiRelation(
            ident, type_.removesuffix("Relationship"),
            _required(row, "Source", file, line, entry), _required(row, "Target", file, line, entry),
            name=row.get("name"), file=file, line=line,
        )
        register(ident, relation, file, line, entry)
        model.relations.append(relation)

    file, content = properties
    for line, row in _rows(file, content, delimiter, _PROPERTIES):
        entry = f"property of '{row.get('id')}'"
        ident = _required(row, "ID", file, line, entry)
        key = _required(row, "Key", file, line, entry)
        owner = owners.get(ident)
        if owner is None:
            raise InputError(f"the ID '{ident}' is no element, relation or model of {elements[0]} or {relations[0]}",
                             file=file, line=line, entry=entry, field="ID")
        owner.properties.append(ArchiProperty(key, row.get("value"), line, file))
    return model
