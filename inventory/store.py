"""The store: snapshots of the inventory and their findings, in SQLite or PostgreSQL.

Every scan writes one snapshot, in one transaction, with bulk inserts: a scan that fails
leaves no trace and the previous snapshot exactly as it was. Records are never updated
in place; the difference between two snapshots is a query.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import JSON, Column, Engine, delete, event, func, insert, inspect, select, text
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

# Rows per executemany batch: large enough to amortise round trips, small enough to keep
# a million-row scan's memory flat.
BATCH = 5000


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


def _batched(rows: Iterable[dict], size: int = BATCH) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default, separators=(",", ":"))


class Store:
    """A handle on one database; opened by :func:`open_store`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

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
        """Write a whole snapshot in one transaction and return its id."""
        status = "complete" if all(c.status == "read" for c in inv.coverage) else "incomplete"
        counts = {
            "systems": len(inv.systems),
            "components": len(inv.components),
            "operators": len(inv.operators),
            "sites": len(inv.sites),
            "acceptances": len(inv.acceptances),
        }
        try:
            with self.engine.begin() as conn:
                snapshot_id = conn.execute(
                    insert(SnapshotRow.__table__).returning(SnapshotRow.__table__.c.id),
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
                for table, attr, _ in _RECORD_TABLES:
                    rows = (self._row(snapshot_id, r) for r in getattr(inv, attr).values())
                    for batch in _batched(rows):
                        conn.execute(insert(table.__table__), batch)
                deps = self._dependency_rows(snapshot_id, inv)
                for batch in _batched(deps):
                    conn.execute(insert(DependencyRow.__table__), batch)
                finding_count = 0
                for batch in _batched(self._finding_row(snapshot_id, f) for f in findings):
                    finding_count += len(batch)
                    conn.execute(insert(FindingRow.__table__), batch)
                counts["findings"] = finding_count
                score_rows = (
                    {"snapshot_id": snapshot_id, "kind": kind, "key": key, "data": json.loads(_dumps(data))}
                    for kind, key, data in scores
                )
                for batch in _batched(score_rows):
                    conn.execute(insert(ScoreRow.__table__), batch)
                conn.execute(
                    SnapshotRow.__table__.update().where(SnapshotRow.__table__.c.id == snapshot_id).values(counts=counts)
                )
        except SQLAlchemyError as exc:
            raise StoreError(f"could not write the snapshot; nothing was stored: {exc.__class__.__name__}: {exc.orig if hasattr(exc, 'orig') else exc}") from None
        return snapshot_id

    @staticmethod
    def _row(snapshot_id: int, record: Any) -> dict:
        row = {name: getattr(record, name) for name in record.__slots__ if name != "depends_on"}
        for key in ("alternatives", "operates"):
            if key in row:
                row[key] = list(row[key])
        row["snapshot_id"] = snapshot_id
        return row

    @staticmethod
    def _dependency_rows(snapshot_id: int, inv: Inventory) -> Iterator[dict]:
        for kind, table in (("system", inv.systems), ("component", inv.components)):
            for record in table.values():
                for target in dict.fromkeys(record.depends_on):
                    yield {"snapshot_id": snapshot_id, "kind": kind, "source": record.id, "target": target}

    @staticmethod
    def _finding_row(snapshot_id: int, finding: Any) -> dict:
        # Evidence may carry dates and tuples: normalise through JSON once, here.
        return {
            "snapshot_id": snapshot_id,
            "id": finding.id,
            "type": finding.type,
            "system": finding.system,
            "severity": finding.severity,
            "status": finding.status,
            "acceptance_id": finding.acceptance_id,
            "title": finding.title,
            "scope": json.loads(_dumps(finding.scope)),
            "evidence": json.loads(_dumps(finding.evidence)),
        }

    def delete_snapshot(self, snapshot_id: int) -> None:
        with self.engine.begin() as conn:
            for table in (ScoreRow, FindingRow, DependencyRow, *(t for t, _, _ in _RECORD_TABLES)):
                conn.execute(delete(table.__table__).where(table.__table__.c.snapshot_id == snapshot_id))
            conn.execute(delete(SnapshotRow.__table__).where(SnapshotRow.__table__.c.id == snapshot_id))

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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the dashboard read while a scan writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
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
