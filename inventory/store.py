"""The store: snapshots of the inventory and their findings, in SQLite or PostgreSQL.

Every scan writes one snapshot, in one transaction, with bulk writes (``COPY`` on
PostgreSQL, multi-row ``INSERT`` on SQLite): a scan that fails leaves no trace and the
previous snapshot exactly as it was. Records are never updated
in place; the difference between two snapshots is a query.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict
from datetime import date, datetime, timezone
from itertools import chain, islice
from operator import attrgetter
from typing import Any

import orjson
from sqlalchemy import JSON, Column, Date, DateTime, Engine, delete, event, func, insert, inspect, select, text
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlmodel import Field, SQLModel, create_engine

from inventory.merge import Inventory
from inventory.records import (
    AcceptanceRecord,
    ComponentRecord,
    CoverageEntry,
    OperatorRecord,
    Organization,
    SiteRecord,
    SystemRecord,
)
from sovmap.errors import StoreError

__all__ = [
    "Store",
    "open_store",
]

#: Bumped whenever a table changes; a store written by another version is refused with a
#: clear message instead of failing halfway through a query.
SCHEMA_VERSION = 2

class MetaRow(SQLModel, table=True):
    __tablename__ = "sovmap_meta"

    key: str = Field(primary_key=True)
    value: str


class SnapshotRow(SQLModel, table=True):
    __tablename__ = "snapshots"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime
    status: str  # complete | incomplete
    as_of: date
    config_path: str | None = None
    digest: str | None = None
    organization: dict | None = Field(default=None, sa_column=Column(JSON))
    sources: list = Field(default_factory=list, sa_column=Column(JSON))
    coverage: list = Field(default_factory=list, sa_column=Column(JSON))
    counts: dict = Field(default_factory=dict, sa_column=Column(JSON))
    meta: dict = Field(default_factory=dict, sa_column=Column(JSON))


class SystemRow(SQLModel, table=True):
    __tablename__ = "systems"

    snapshot_id: int = Field(foreign_key="snapshots.id", primary_key=True)
    id: str = Field(primary_key=True)
    name: str
    criticality: str
    classification: str
    personal_data: bool = False
    owner: str | None = None
    rto_hours: float | None = None
    rpo_hours: float | None = None
    exit_plan: bool = False
    alternatives: list = Field(default_factory=list, sa_column=Column(JSON))
    substitutability: str | None = None
    description: str | None = None
    source: str | None = None
    origin: str | None = None


class ComponentRow(SQLModel, table=True):
    __tablename__ = "components"

    snapshot_id: int = Field(foreign_key="snapshots.id", primary_key=True)
    id: str = Field(primary_key=True)
    name: str | None = None
    system: str | None = None
    kind: str | None = None
    provider: str | None = None
    service: str | None = None
    region: str | None = None
    site: str | None = None
    holds_data: bool = False
    data_volume_gb: float | None = None
    key_custody: str | None = None
    external_id: str | None = None
    account: str | None = None
    tags: dict = Field(default_factory=dict, sa_column=Column(JSON))
    model: str | None = None
    source: str | None = None
    origin: str | None = None


class DependencyRow(SQLModel, table=True):
    __tablename__ = "dependencies"

    snapshot_id: int = Field(foreign_key="snapshots.id", primary_key=True)
    kind: str = Field(primary_key=True)  # system | component
    source: str = Field(primary_key=True)
    target: str = Field(primary_key=True)


class OperatorRow(SQLModel, table=True):
    __tablename__ = "operators"

    snapshot_id: int = Field(foreign_key="snapshots.id", primary_key=True)
    id: str = Field(primary_key=True)
    name: str
    legal_entity: str | None = None
    country: str | None = None
    access: str = "admin"
    operates: list = Field(default_factory=list, sa_column=Column(JSON))
    source: str | None = None
    origin: str | None = None


class SiteRow(SQLModel, table=True):
    __tablename__ = "sites"

    snapshot_id: int = Field(foreign_key="snapshots.id", primary_key=True)
    id: str = Field(primary_key=True)
    name: str
    country: str | None = None
    city: str | None = None
    legal_entity: str | None = None
    source: str | None = None
    origin: str | None = None


class AcceptanceRow(SQLModel, table=True):
    __tablename__ = "acceptances"

    snapshot_id: int = Field(foreign_key="snapshots.id", primary_key=True)
    id: str = Field(primary_key=True)
    risk: str
    scope: dict = Field(default_factory=dict, sa_column=Column(JSON))
    owner: str
    rationale: str | None = None
    decided_on: date | None = None
    review_by: date | None = None
    source: str | None = None
    origin: str | None = None
    recorded_by: str | None = None
    recorded_at: datetime | None = None


class RegisterEventRow(SQLModel, table=True):
    """Who changed the risk register from sovmap, and when: kept even if the file is edited later.

    ``snapshot_id`` is the snapshot the person was looking at; it is no foreign key, so
    that deleting a snapshot never deletes the record of a decision.
    """

    __tablename__ = "register_events"

    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int | None = None
    acceptance_id: str = Field(index=True)
    action: str  # accept
    by: str
    at: datetime
    file: str | None = None
    entry: dict = Field(default_factory=dict, sa_column=Column(JSON))


class FindingRow(SQLModel, table=True):
    __tablename__ = "findings"

    snapshot_id: int = Field(foreign_key="snapshots.id", primary_key=True)
    id: str = Field(primary_key=True)
    type: str = Field(index=True)
    system: str | None = None
    severity: str
    status: str = Field(index=True)
    acceptance_id: str | None = None
    title: str
    scope: dict = Field(default_factory=dict, sa_column=Column(JSON))
    evidence: dict = Field(default_factory=dict, sa_column=Column(JSON))


class ScoreRow(SQLModel, table=True):
    """A computed result of a snapshot (exposure, feasibility, concentration), kept as JSON."""

    __tablename__ = "scores"

    snapshot_id: int = Field(foreign_key="snapshots.id", primary_key=True)
    kind: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON))


_RECORD_TABLES = (
    (SystemRow, "systems", SystemRecord),
    (ComponentRow, "components", ComponentRecord),
    (OperatorRow, "operators", OperatorRecord),
    (SiteRow, "sites", SiteRecord),
    (AcceptanceRow, "acceptances", AcceptanceRecord),
)

#: Parameters of one multi-row INSERT on SQLite: every SQLite allows 999.
_SQLITE_PARAMETERS = 999

#: Finding attributes stored as they are, in column order; ``scope`` and ``evidence`` follow as JSON.
_FINDING_FIELDS = ("id", "type", "system", "severity", "status", "acceptance_id", "title")


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default, separators=(",", ":"))


def _json(value: Any) -> str:
    """The JSON text of a column value, encoded once.

    orjson writes tuples as arrays and dates as ISO strings, as :func:`_dumps` does, at a
    tenth of the cost; what it refuses (keys that are not strings, integers beyond 64
    bits, lone surrogates) goes through the standard library as before. One difference:
    a float NaN or infinity becomes ``null`` (PostgreSQL's ``json`` refuses ``NaN``).
    """
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError
        return _dumps(value)


def _utc(value: datetime) -> datetime:
    """A stored time as an aware datetime: snapshot times are written in UTC and read back naive."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _same(value: Any) -> Any:
    return value


class _Writer:
    """Rows of one table, as tuples in column order, and the columns they fill.

    Bulk writes bypass SQLAlchemy's per-row parameter processing, the cost of a scan's
    write: the values of plain columns are taken as they are (the drivers adapt str,
    int, float, bool and None alike), JSON columns are encoded here once, and date
    columns go through the column type's own bind processor so that they are stored
    exactly as SQLAlchemy stores them (and read back by it).
    """

    def __init__(self, table: Any, plain: Sequence[str], converted: Sequence[tuple[str, Callable[[Any], Any]]]) -> None:
        if len(plain) < 2:  # attrgetter of one name gives a value, not a tuple
            raise ValueError(f"{table.name}: a record table has at least two plain columns")
        self.table = table
        self.columns = ("snapshot_id", *plain, *(name for name, _ in converted))
        self._plain = attrgetter(*plain)
        self._converted = tuple(converted)

    @classmethod
    def for_records(cls, table: Any, record_cls: type, dialect: Any) -> _Writer:
        plain: list[str] = []
        converted: list[tuple[str, Callable[[Any], Any]]] = []
        for name in record_cls.__slots__:
            if name == "depends_on":
                continue
            column_type = table.c[name].type
            if isinstance(column_type, JSON):
                converted.append((name, _json))
            elif isinstance(getattr(column_type, "impl", column_type), (Date, DateTime)):  # impl: a TypeDecorator's
                processor = column_type.dialect_impl(dialect).bind_processor(dialect)
                converted.append((name, processor or _same))
            else:
                plain.append(name)
        return cls(table, plain, converted)

    def rows(self, snapshot_id: int, records: Iterable[Any]) -> Iterator[tuple]:
        plain = self._plain
        converted = self._converted
        if len(converted) == 1:
            # The common case (components: tags), without a loop per row.
            ((name, convert),) = converted
            get = attrgetter(name)
            for record in records:
                yield (snapshot_id, *plain(record), convert(get(record)))
            return
        for record in records:
            yield (snapshot_id, *plain(record), *[convert(getattr(record, name)) for name, convert in converted])


def _dependency_rows(snapshot_id: int, inv: Inventory) -> Iterator[tuple]:
    for kind, table in (("system", inv.systems), ("component", inv.components)):
        for record in table.values():
            for target in dict.fromkeys(record.depends_on):
                yield (snapshot_id, kind, record.id, target)


class _FindingRows:
    """The rows of the findings, counted as they go: ``findings`` may be any iterable, read once."""

    def __init__(self, snapshot_id: int, findings: Iterable[Any]) -> None:
        self.snapshot_id = snapshot_id
        self.findings = findings
        self.count = 0

    def __iter__(self) -> Iterator[tuple]:
        # Evidence may carry dates and tuples: _json writes them as JSON does.
        get = attrgetter(*_FINDING_FIELDS)
        for finding in self.findings:
            self.count += 1
            yield (self.snapshot_id, *get(finding), _json(finding.scope), _json(finding.evidence))


def _score_rows(snapshot_id: int, scores: Iterable[tuple[str, str, dict]]) -> Iterator[tuple]:
    for kind, key, data in scores:
        yield (snapshot_id, kind, key, _json(data))


def _sqlite_write(dbapi_connection: Any, preparer: Any, table: Any, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """Prepared INSERTs of many rows each, fed chunk by chunk.

    sqlite3's executemany takes an iterator, so memory stays flat; statements of many
    rows save the driver's cost per statement (a seventh of the whole write).
    """
    names = ", ".join(preparer.quote(c) for c in columns)
    head = f"INSERT INTO {preparer.format_table(table)} ({names}) VALUES "
    one = "(" + ", ".join("?" * len(columns)) + ")"
    per = max(1, _SQLITE_PARAMETERS // len(columns))
    rest: list[tuple] = []

    def chunks(rows: Iterator[tuple]) -> Iterator[tuple]:
        while True:
            chunk = list(islice(rows, per))
            if len(chunk) < per:
                rest.extend(chunk)
                return
            yield tuple(chain.from_iterable(chunk))

    cursor = dbapi_connection.cursor()
    try:
        cursor.executemany(head + ", ".join([one] * per), chunks(iter(rows)))
        if rest:
            cursor.executemany(head + one, rest)
    finally:
        cursor.close()


def _postgresql_write(dbapi_connection: Any, preparer: Any, table: Any, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """COPY ... FROM STDIN, in the transaction the rest of the snapshot is written in."""
    names = ", ".join(preparer.quote(c) for c in columns)
    with dbapi_connection.cursor() as cursor:
        with cursor.copy(f"COPY {preparer.format_table(table)} ({names}) FROM STDIN") as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row)


#: The bulk write of each supported database and driver.
_BULK_WRITERS: dict[tuple[str, str], Callable[..., None]] = {
    ("sqlite", "pysqlite"): _sqlite_write,
    ("postgresql", "psycopg"): _postgresql_write,
}


class Store:
    """A handle on one database; opened by :func:`open_store`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        dialect = engine.dialect
        self._writers = {attr: _Writer.for_records(table.__table__, record_cls, dialect)
                         for table, attr, record_cls in _RECORD_TABLES}

    # -- writing -------------------------------------------------------------------
    def save_snapshot(
        self,
        inv: Inventory,
        findings: Iterable[Any],
        *,
        as_of: date,
        scores: Iterable[tuple[str, str, dict]] = (),
        meta: dict | None = None,
        config_path: str | None = None,
        digest: str | None = None,
    ) -> int:
        """Write a whole snapshot in one transaction and return its id.

        The snapshot row goes in through SQLAlchemy; every other row is streamed to the
        driver in the same transaction (PostgreSQL: ``COPY``; SQLite: prepared multi-row
        ``INSERT``s run by ``executemany``), without a list of all rows: a million
        components take no more memory than a thousand. Nothing is visible to readers
        until the commit, and any failure rolls all of it back.
        """
        status = "complete" if all(c.status == "read" for c in inv.coverage) else "incomplete"
        counts = {
            "systems": len(inv.systems),
            "components": len(inv.components),
            "operators": len(inv.operators),
            "sites": len(inv.sites),
            "acceptances": len(inv.acceptances),
        }
        dialect = self.engine.dialect
        write = _BULK_WRITERS.get((dialect.name, dialect.driver))
        if write is None:
            raise StoreError(f"sovmap writes snapshots to SQLite or to PostgreSQL through psycopg 3, not {dialect.name}+{dialect.driver}")
        preparer = dialect.identifier_preparer
        snapshots = SnapshotRow.__table__
        try:
            with self.engine.begin() as conn:
                self._check_version(conn)
                snapshot_id = conn.execute(
                    insert(snapshots).returning(snapshots.c.id),
                    {
                        "created_at": datetime.now(timezone.utc),
                        "status": status,
                        "as_of": as_of,
                        "config_path": config_path,
                        "digest": digest,
                        "organization": asdict(inv.organization) if inv.organization else None,
                        "sources": list(inv.sources),
                        "coverage": [asdict(c) for c in inv.coverage],
                        "counts": counts,
                        "meta": meta or {},
                    },
                ).scalar_one()
                raw = conn.connection.dbapi_connection
                for _table, attr, _ in _RECORD_TABLES:
                    writer = self._writers[attr]
                    write(raw, preparer, writer.table, writer.columns, writer.rows(snapshot_id, getattr(inv, attr).values()))
                write(raw, preparer, DependencyRow.__table__, ("snapshot_id", "kind", "source", "target"),
                      _dependency_rows(snapshot_id, inv))
                finding_rows = _FindingRows(snapshot_id, findings)
                write(raw, preparer, FindingRow.__table__, ("snapshot_id", *_FINDING_FIELDS, "scope", "evidence"), finding_rows)
                counts["findings"] = finding_rows.count
                write(raw, preparer, ScoreRow.__table__, ("snapshot_id", "kind", "key", "data"), _score_rows(snapshot_id, scores))
                conn.execute(snapshots.update().where(snapshots.c.id == snapshot_id).values(counts=counts))
        except (SQLAlchemyError, dialect.loaded_dbapi.Error, ValueError) as exc:
            # ValueError: a column type refusing a value (a datetime without a time zone).
            cause = exc.orig if isinstance(exc, SQLAlchemyError) and getattr(exc, "orig", None) is not None else exc
            raise StoreError(f"could not write the snapshot; nothing was stored: {exc.__class__.__name__}: {cause}") from None
        return snapshot_id

    @staticmethod
    def _check_version(conn: Any) -> None:
        """Refuse to write into tables another sovmap changed since this store was opened."""
        table = MetaRow.__table__
        found = conn.execute(select(table.c.value).where(table.c.key == "schema_version")).scalar()
        if found is not None and found != str(SCHEMA_VERSION):
            raise StoreError(
                f"the store was changed to schema {found} by another sovmap since it was opened; "
                f"this one writes schema {SCHEMA_VERSION}: nothing was stored"
            )

    def delete_snapshot(self, snapshot_id: int) -> None:
        """Delete one snapshot and every row of it, in one transaction."""
        with self.engine.begin() as conn:
            self._delete_snapshots(conn, [snapshot_id])

    @staticmethod
    def _delete_snapshots(conn: Any, ids: Sequence[int]) -> None:
        for table in (ScoreRow, FindingRow, DependencyRow, *(t for t, _, _ in _RECORD_TABLES)):
            conn.execute(delete(table.__table__).where(table.__table__.c.snapshot_id.in_(ids)))
        conn.execute(delete(SnapshotRow.__table__).where(SnapshotRow.__table__.c.id.in_(ids)))

    def prune_snapshots(self, *, keep: int, older_than: datetime | None = None, dry_run: bool = False) -> list[dict]:
        """Delete the snapshots beyond the newest ``keep`` (and, if given, made before ``older_than``).

        The newest snapshot is always kept (``keep`` is at least 1). Which snapshots go is
        decided and carried out in one transaction: a scan storing a snapshot meanwhile is
        never among them, and an interrupted prune deletes nothing. The record of register
        decisions (``register_events``) is kept whatever happens to the snapshot it was made
        on. Returns the metadata of the snapshots deleted (or, with ``dry_run``, that would be).
        """
        if keep < 1:
            raise StoreError(f"keep must be at least 1 (the newest snapshot is always kept), not {keep}")
        if older_than is not None and older_than.tzinfo is None:
            raise StoreError("older_than needs a time zone")
        table = SnapshotRow.__table__
        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("BEGIN IMMEDIATE")  # decide under the write lock, not before it
                else:
                    conn.execute(text(f"LOCK TABLE {table.name} IN SHARE ROW EXCLUSIVE MODE"))  # no scan stores meanwhile
                rows = [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c.id.desc()))]
                gone = [r for r in rows[keep:] if older_than is None or _utc(r["created_at"]) < older_than]
                if gone and not dry_run:
                    self._delete_snapshots(conn, [r["id"] for r in gone])
        except OperationalError as exc:
            raise StoreError(f"could not delete snapshots; nothing was deleted: {str(exc.orig).strip()}") from None
        return gone[::-1]  # oldest first

    def compact(self) -> None:
        """Give the space of deleted rows back: ``VACUUM`` on SQLite, ``VACUUM ANALYZE`` on PostgreSQL.

        SQLite rewrites the whole file (about twice its size in free disk space), waiting
        for a scan that is writing; readers go on reading, and the file shrinks once the
        last of them that started before has finished.
        """
        try:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                if conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("VACUUM")
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # the rewritten pages into the file now
                else:
                    conn.exec_driver_sql("VACUUM ANALYZE")
        except OperationalError as exc:
            raise StoreError(f"the store could not be compacted ({str(exc.orig).strip()}); nothing changed. "
                             "Compact again when no dashboard or scan has it open.") from None

    # -- reading -------------------------------------------------------------------
    def snapshots(self) -> list[dict]:
        table = SnapshotRow.__table__
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c.id))]

    def snapshot(self, snapshot_id: int | None = None) -> dict:
        """One snapshot's metadata; the latest when ``snapshot_id`` is None."""
        table = SnapshotRow.__table__
        query = select(table)
        query = query.where(table.c.id == snapshot_id) if snapshot_id is not None else query.order_by(table.c.id.desc()).limit(1)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            if snapshot_id is None:
                raise StoreError("the store holds no snapshot yet: run 'sovmap scan -c sovmap.yaml' first")
            raise StoreError(f"no snapshot {snapshot_id} in the store")
        return dict(row._mapping)

    def load_inventory(self, snapshot_id: int) -> Inventory:
        """Read a snapshot's records back into an :class:`Inventory`."""
        meta = self.snapshot(snapshot_id)
        inv = Inventory(
            organization=Organization(**meta["organization"]) if meta["organization"] else None,
            coverage=[CoverageEntry(**c) for c in meta["coverage"] or []],
            sources=list(meta["sources"] or []),
        )
        deps: dict[tuple[str, str], list[str]] = {}
        with self.engine.connect() as conn:
            dep_table = DependencyRow.__table__
            for kind, source, target in conn.execute(
                select(dep_table.c.kind, dep_table.c.source, dep_table.c.target).where(dep_table.c.snapshot_id == snapshot_id)
            ):
                deps.setdefault((kind, source), []).append(target)
            for table, attr, record_cls in _RECORD_TABLES:
                target_dict = getattr(inv, attr)
                fields = [n for n in record_cls.__slots__ if n != "depends_on"]
                cols = [table.__table__.c[n] for n in fields]
                kind = "system" if record_cls is SystemRecord else "component"
                query = select(*cols).where(table.__table__.c.snapshot_id == snapshot_id).order_by(table.__table__.c.id)
                for row in conn.execute(query):
                    values = dict(zip(fields, row))
                    for key in ("alternatives", "operates"):
                        if key in values:
                            values[key] = tuple(values[key] or ())
                    if "depends_on" in record_cls.__slots__:
                        values["depends_on"] = tuple(deps.get((kind, values["id"]), ()))
                    target_dict[values["id"]] = record_cls(**values)
        return inv

    def findings(self, snapshot_id: int, *, status: str | None = None) -> list[dict]:
        table = FindingRow.__table__
        query = select(table).where(table.c.snapshot_id == snapshot_id)
        if status is not None:
            query = query.where(table.c.status == status)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query.order_by(table.c.id))]

    def scores(self, snapshot_id: int, kind: str, key: str | None = None) -> dict[str, dict]:
        """Stored results of one kind (``exposure``, ``feasibility``, ``concentration``), by key."""
        table = ScoreRow.__table__
        query = select(table.c.key, table.c.data).where(table.c.snapshot_id == snapshot_id, table.c.kind == kind)
        if key is not None:
            query = query.where(table.c.key == key)
        with self.engine.connect() as conn:
            return {k: d for k, d in conn.execute(query.order_by(table.c.key))}

    def score_fields(self, snapshot_id: int, kind: str, fields: Sequence[str]) -> dict[str, dict]:
        """Some top-level fields of the stored results of one kind, by key.

        The fields are taken out of the JSON by the database (``json_extract`` on SQLite,
        ``->`` on PostgreSQL), so a page that needs a system's SEAL and score does not read
        and decode its whole evidence. A field a result lacks is None. With no fields, the
        keys alone.
        """
        table = ScoreRow.__table__
        columns = [table.c.data[name].label(f"f{i}") for i, name in enumerate(fields)]
        query = (select(table.c.key, *columns).where(table.c.snapshot_id == snapshot_id, table.c.kind == kind)
                 .order_by(table.c.key))
        with self.engine.connect() as conn:
            return {row[0]: dict(zip(fields, row[1:])) for row in conn.execute(query)}

    def acceptances(self, snapshot_id: int) -> list[dict]:
        """The risk register entries a snapshot read, by id."""
        table = AcceptanceRow.__table__
        with self.engine.connect() as conn:
            query = select(table).where(table.c.snapshot_id == snapshot_id).order_by(table.c.id)
            return [dict(r._mapping) for r in conn.execute(query)]

    def save_register_event(
        self, *, acceptance_id: str, action: str, by: str, at: datetime, entry: dict,
        snapshot_id: int | None = None, file: str | None = None,
    ) -> int:
        """Record a change to the risk register made from sovmap; returns the event id."""
        table = RegisterEventRow.__table__
        try:
            with self.engine.begin() as conn:
                return conn.execute(
                    insert(table).returning(table.c.id),
                    {"snapshot_id": snapshot_id, "acceptance_id": acceptance_id, "action": action, "by": by,
                     "at": at, "file": file, "entry": json.loads(_dumps(entry))},
                ).scalar_one()
        except SQLAlchemyError as exc:
            raise StoreError(f"could not record the register event: {exc.__class__.__name__}: {exc.orig if hasattr(exc, 'orig') else exc}") from None

    def register_events(self, acceptance_id: str | None = None) -> list[dict]:
        """Changes to the risk register made from sovmap, oldest first."""
        table = RegisterEventRow.__table__
        query = select(table).order_by(table.c.id)
        if acceptance_id is not None:
            query = query.where(table.c.acceptance_id == acceptance_id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def finding_counts(self, snapshot_id: int) -> dict[str, int]:
        table = FindingRow.__table__
        query = select(table.c.status, func.count()).where(table.c.snapshot_id == snapshot_id).group_by(table.c.status)
        with self.engine.connect() as conn:
            return {status: n for status, n in conn.execute(query)}

    def close(self) -> None:
        self.engine.dispose()


#: How long a connection keeps trying to switch a new SQLite store to WAL while other
#: processes hold it (seconds).
_WAL_PATIENCE = 30.0


def _sqlite_wal(cursor: Any) -> None:
    """Put the database in WAL mode, waiting for other processes that hold it.

    Switching a new database to WAL needs it to itself, and SQLite answers "database is
    locked" at once, without its busy timeout, when processes open a new store together
    (a scan and the dashboard). Once a database is in WAL mode it stays so: the first
    read tells, and nothing waits.
    """
    deadline = time.monotonic() + _WAL_PATIENCE
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.01, 0.05))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the dashboard read while a scan writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    _sqlite_wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # A snapshot of a large estate is written in one transaction of a hundred MB or more; with
    # the default 2 MB page cache SQLite spills and rereads pages all along (a fifth of the write).
    cursor.execute("PRAGMA cache_size=-131072")
    cursor.close()


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def redact_url(url: str) -> str:
    """The URL with any password replaced, for messages and logs."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


#: The key of the PostgreSQL advisory lock held while tables are created ("sovm" in ASCII).
_SETUP_LOCK = 0x736F766D


def _check_schema(engine: Engine, url: str) -> None:
    table = MetaRow.__table__
    with engine.begin() as conn:
        if not set(SQLModel.metadata.tables) <= set(inspect(conn).get_table_names()):
            # Processes opening a new store at once (a scan and the dashboard, sharded scans)
            # would each find no tables and create them, and all but one fail: one at a time,
            # then. Only then: an existing store is opened without waiting for a running scan.
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SETUP_LOCK})
            elif engine.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            SQLModel.metadata.create_all(conn)
        found = conn.execute(select(table.c.value).where(table.c.key == "schema_version")).scalar()
        if found is None:
            conn.execute(insert(table), {"key": "schema_version", "value": str(SCHEMA_VERSION)})
            return
    if found != str(SCHEMA_VERSION):
        engine.dispose()
        raise StoreError(
            f"the database {redact_url(url)} was written by a sovmap with store schema {found}; "
            f"this one uses schema {SCHEMA_VERSION}. Point --db at a new database (or export and rescan)."
        )


def open_store(url: str, *, create: bool = True) -> Store:
    """Open (and by default create the tables of) the store at ``url``."""
    url = normalise_url(url)
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except (ArgumentError, ImportError, ValueError) as exc:
        raise StoreError(f"cannot use database URL {redact_url(url)}: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        if create:
            _check_schema(engine, url)
        else:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        engine.dispose()
        raise StoreError(f"cannot open the database {redact_url(url)}: {str(exc.orig).strip().splitlines()[0] if exc.orig else exc}") from None
    return Store(engine)
