"""The parts of an ArchiMate model that sovmap reads, whichever file format they came from.

Both readers (:mod:`connectors.archimate_exchange` for the Open Group exchange format,
:mod:`connectors.archimate_csv` for Archi's CSV export) produce a :class:`ArchiModel`;
:mod:`connectors.archimate` maps it to inventory records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ArchiElement", "ArchiModel", "ArchiProperty", "ArchiRelation"]


@dataclass(slots=True)
class ArchiProperty:
    key: str
    value: str | None
    line: int | None = None
    file: str | None = None  # where the property was read (Archi's CSV keeps them in a file of their own)


@dataclass(slots=True)
class ArchiElement:
    """An element (``xsi:type`` such as ``ApplicationComponent``, ``Node``, ``Location``)."""

    identifier: str
    type: str
    name: str | None
    documentation: str | None = None
    properties: list[ArchiProperty] = field(default_factory=list)
    file: str | None = None
    line: int | None = None


@dataclass(slots=True)
class ArchiRelation:
    """A relationship; ``type`` without the ``Relationship`` suffix Archi's CSV adds (``Serving``)."""

    identifier: str
    type: str
    source: str
    target: str
    name: str | None = None
    access_type: str | None = None
    properties: list[ArchiProperty] = field(default_factory=list)
    file: str | None = None
    line: int | None = None


@dataclass
class ArchiModel:
    name: str | None = None
    properties: list[ArchiProperty] = field(default_factory=list)
    elements: list[ArchiElement] = field(default_factory=list)
    relations: list[ArchiRelation] = field(default_factory=list)
    file: str | None = None
