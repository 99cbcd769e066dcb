"""The store on SQLite and PostgreSQL: round trips, one transaction per scan, nothing lost."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

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
from inventory.store import SCHEMA_VERSION, MetaRow, open_store, redact_url
from scoring.findings import Finding
from sovmap.errors import StoreError

AS_OF = date(2026, 11, 22)


def sample_inventory(n: int = 3) -> Inventory:
    inv = Inventory(organization=Organization("Org", "NL"), sources=["declared:x.yaml"])
    inv.systems = {"s": SystemRecord("s", "S", criticality="critical", alternatives=("euhost",), depends_on=("t",)),
                   "t": SystemRecord("t", "T")}
    for i in range(n):
        inv.components[f"c{i}"] = ComponentRecord(
            f"c{i}", system="s", provider="aws", service="s3", region="eu-west-1", holds_data=True,
            data_volume_gb=1.5 * i, depends_on=tuple(f"c{j}" for j in range(i)), tags={"env": "prod", "ünïcode": "ja"},
            origin=f"x.yaml:{i + 1}",
        )
    inv.operators = {"op": OperatorRecord("op", "MSP", country="NL", operates=("c0",), access="support")}
    inv.sites = {"dc": SiteRecord("dc", "DC", country="NL", city="Apeldoorn")}
    inv.acceptances = {"RA": AcceptanceRecord("RA", "foreign-law-access", {"system": "s"}, "CISO", decided_on=date(2025, 1, 1),
                                              review_by=date(2026, 1, 1))}
    return inv


def finding(i: int = 0, **kw) -> Finding:
    return Finding(id=f"f{i}", type="foreign-law-access", system="s", scope={"system": "s", "jurisdiction": "US"},
                   severity="high", title="t", evidence={"via": [{"kind": "legal-entity", "path": ["a", "b"]}], "day": AS_OF}, **kw)


def test_snapshot_round_trip(store):
    inv = sample_inventory()

    sid = store.save_snapshot(inv, [finding()], as_of=AS_OF, scores=[("exposure", "s", {"score": 80})])
    back = store.load_inventory(sid)

    assert back.systems == inv.systems
    assert back.components == inv.components
    assert back.operators == inv.operators
    assert back.sites == inv.sites
    assert back.acceptances == inv.acceptances
    assert back.organization == inv.organization
    assert store.snapshot()["id"] == sid and store.snapshot()["status"] == "complete"
    assert [(f["id"], f["status"], f["evidence"]["day"]) for f in store.findings(sid)] == [("f0", "implicit", "2026-11-22")]
    assert store.scores(sid, "exposure") == {"s": {"score": 80}}
    assert store.snapshot(sid)["counts"] == {"systems": 2, "components": 3, "operators": 1, "sites": 1, "acceptances": 1, "findings": 1}


def test_coverage_gaps_mark_the_snapshot_incomplete(store):
    inv = sample_inventory()
    inv.coverage = [CoverageEntry("aws", "123:eu-west-1:rds", "denied", "AccessDenied")]

    sid = store.save_snapshot(inv, [], as_of=AS_OF)

    assert store.snapshot(sid)["status"] == "incomplete"
    assert store.load_inventory(sid).coverage == inv.coverage


def test_a_failing_write_leaves_the_previous_snapshot_exactly_as_it_was(store):
    first = store.save_snapshot(sample_inventory(), [finding()], as_of=AS_OF)
    before = (store.snapshots(), store.load_inventory(first), store.findings(first))

    with pytest.raises(StoreError, match="nothing was stored"):
        # Two findings with one id violate the primary key halfway through the write.
        store.save_snapshot(sample_inventory(50), [finding(1), finding(1)], as_of=AS_OF)

    assert (store.snapshots(), store.load_inventory(first), store.findings(first)) == before


def test_bulk_write_of_many_rows(store):
    inv = sample_inventory(0)
    for i in range(12_000):  # more than two insert batches
        inv.components[f"c{i}"] = ComponentRecord(f"c{i}", system="s", provider="aws", service="ec2", region="eu-west-1")

    sid = store.save_snapshot(inv, [finding(i) for i in range(6000)], as_of=AS_OF)

    assert store.snapshot(sid)["counts"]["components"] == 12_000
    assert len(store.load_inventory(sid).components) == 12_000
    assert store.finding_counts(sid) == {"implicit": 6000}


def test_snapshots_are_independent_and_deletable(store):
    a = store.save_snapshot(sample_inventory(2), [], as_of=AS_OF)
    b = store.save_snapshot(sample_inventory(4), [], as_of=AS_OF)

    store.delete_snapshot(a)

    assert [s["id"] for s in store.snapshots()] == [b]
    assert len(store.load_inventory(b).components) == 4


def _row_counts(store) -> dict[str, int]:
    from sqlmodel import SQLModel

    with store.engine.connect() as conn:
        return {name: conn.exec_driver_sql(f"SELECT count(*) FROM {name}").scalar()
                for name in SQLModel.metadata.tables if name != "sovmap_meta"}


def test_pruning_keeps_the_newest_snapshots_whole_and_deletes_the_rest_entirely(store):
    from sqlalchemy import update

    from inventory.store import SnapshotRow

    ids = [store.save_snapshot(sample_inventory(n), [finding(n)], as_of=AS_OF, scores=[("exposure", "s", {"n": n})])
           for n in (1, 2, 3, 4)]
    event = store.save_register_event(acceptance_id="RA", action="accept", by="CISO", at=datetime.now(UTC), entry={},
                                      snapshot_id=ids[0])
    # Made 40, 30, 20 and 10 days ago.
    with store.engine.begin() as conn:
        for sid, days in zip(ids, (40, 30, 20, 10), strict=True):
            conn.execute(update(SnapshotRow.__table__).where(SnapshotRow.__table__.c.id == sid)
                         .values(created_at=datetime.now(UTC) - timedelta(days=days)))
    before = _row_counts(store)

    assert [r["id"] for r in store.prune_snapshots(keep=1, dry_run=True)] == ids[:3]
    assert _row_counts(store) == before
    # Only the older than 25 days, of those beyond the newest one.
    assert [r["id"] for r in store.prune_snapshots(keep=1, older_than=datetime.now(UTC) - timedelta(days=25))] == ids[:2]
    assert [s["id"] for s in store.snapshots()] == ids[2:]
    assert [r["id"] for r in store.prune_snapshots(keep=1)] == [ids[2]]
    assert store.prune_snapshots(keep=1) == []

    after = _row_counts(store)
    assert after["snapshots"] == 1 and after["findings"] == 1 and after["scores"] == 1
    assert after["components"] == 4 and after["systems"] == 2
    # The newest snapshot is whole, and the record of a decision outlives its snapshot.
    assert len(store.load_inventory(ids[3]).components) == 4
    assert store.scores(ids[3], "exposure") == {"s": {"n": 4}}
    assert after["register_events"] == before["register_events"] == 1 and event
    store.compact()
    assert _row_counts(store) == after
    with pytest.raises(StoreError, match="at least 1"):
        store.prune_snapshots(keep=0)


def test_empty_store_says_what_to_do(store):
    with pytest.raises(StoreError, match="sovmap scan"):
        store.snapshot()
    with pytest.raises(StoreError, match="no snapshot 42"):
        store.snapshot(42)


def test_unreachable_database_is_a_clear_error_without_the_password():
    with pytest.raises(StoreError) as info:
        open_store("postgresql://sovmap:s3cret-pw@127.0.0.1:1/nowhere")

    assert "s3cret-pw" not in str(info.value)
    assert "cannot open the database" in str(info.value)


def test_bad_url_is_a_clear_error():
    with pytest.raises(StoreError, match="cannot use database URL"):
        open_store("nosuchdb://x")


def test_redact_url_hides_password():
    assert redact_url("postgresql+psycopg://u:pw@h/db") == "postgresql+psycopg://u:***@h/db"


def test_a_store_of_another_schema_version_is_refused_clearly(tmp_path):
    from sqlalchemy import update

    url = f"sqlite:///{tmp_path / 'old.db'}"
    s = open_store(url)
    with s.engine.begin() as conn:
        conn.execute(update(MetaRow.__table__).values(value="0"))
    s.close()

    with pytest.raises(StoreError, match="store schema 0"):
        open_store(url)


#: Text that COPY's text format, SQL quoting and JSON each have to escape.
AWKWARD = "tab\there, new\nline\r, back\\slash, \\N, NULL, 'single' \"double\", ünïcode ✓ 🇪🇺"


def test_awkward_text_dates_and_json_survive_the_bulk_write(store):
    inv = sample_inventory(0)
    inv.systems["s"].name = AWKWARD
    inv.systems["s"].alternatives = (AWKWARD, "NULL")
    inv.components = {
        AWKWARD: ComponentRecord(AWKWARD, name=AWKWARD, system="s", holds_data=True, data_volume_gb=0.0,
                                 tags={AWKWARD: AWKWARD, "empty": ""}, origin=AWKWARD),
        "\\N": ComponentRecord("\\N", name="NULL", system="s", depends_on=(AWKWARD,)),
    }
    inv.acceptances["RA"].recorded_by = AWKWARD
    inv.acceptances["RA"].recorded_at = datetime(2026, 11, 20, 10, 30, tzinfo=timezone(timedelta(hours=2)))
    evidence = {"day": AS_OF, "at": datetime(2026, 11, 20, 8, 30, tzinfo=UTC), "path": ("a", "b"), "text": AWKWARD,
                3: "a key that is no string", "big": 2**70}
    found = Finding(id=AWKWARD, type="foreign-law-access", system="s", scope={"component": AWKWARD}, severity="high",
                    title=AWKWARD, evidence=evidence)

    sid = store.save_snapshot(inv, [found], as_of=AS_OF, scores=[("exposure", AWKWARD, {"path": ("x",), "nan": float("nan")})])
    back = store.load_inventory(sid)

    assert back.systems == inv.systems
    assert back.components == inv.components
    assert back.acceptances == inv.acceptances
    assert back.acceptances["RA"].recorded_at == datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    with store.engine.connect() as conn:
        stored = tuple(conn.exec_driver_sql("SELECT recorded_at, decided_on FROM acceptances").one())
    if store.engine.dialect.name == "sqlite":  # as SQLAlchemy writes them, in UTC
        assert stored == ("2026-11-20 08:30:00.000000", "2025-01-01")
    else:
        assert stored == (datetime(2026, 11, 20, 8, 30, tzinfo=UTC), date(2025, 1, 1))
    [row] = store.findings(sid)
    assert (row["id"], row["title"], row["scope"]) == (AWKWARD, AWKWARD, {"component": AWKWARD})
    assert row["evidence"] == {"day": "2026-11-22", "at": "2026-11-20T08:30:00+00:00", "path": ["a", "b"], "text": AWKWARD,
                               "3": "a key that is no string", "big": 2**70}
    # NaN is no JSON (and PostgreSQL's json refuses it): stored as null.
    assert store.scores(sid, "exposure") == {AWKWARD: {"path": ["x"], "nan": None}}


def test_score_fields_are_the_fields_of_the_stored_results(store):
    inv = sample_inventory(0)
    scores = [
        ("sovereignty", "s", {"seal": 2, "score": 61.5, "name": AWKWARD, "criteria": [{"evidence": {"path": ["a"]}}]}),
        ("sovereignty", "t", {"seal": None, "score": None, "nested": {"seal": 4}}),
        ("sovereignty", AWKWARD, {"seal": 0, "score": 0.0, "flag": True, "list": [1, "x"]}),
        ("exposure", "s", {"seal": 3}),
    ]

    sid = store.save_snapshot(inv, [], as_of=AS_OF, scores=scores)
    fields = ["seal", "score", "name", "flag", "list", "missing"]
    read = store.score_fields(sid, "sovereignty", fields)

    full = store.scores(sid, "sovereignty")
    assert read == {key: {name: data.get(name) for name in fields} for key, data in full.items()}
    assert read["s"]["score"] == 61.5 and read["t"]["seal"] is None and read[AWKWARD]["list"] == [1, "x"]
    assert store.score_fields(sid, "sovereignty", ()) == {key: {} for key in full}
    assert store.score_fields(sid, "feasibility", ["seal"]) == {}


def test_a_failure_in_the_middle_of_a_table_leaves_nothing(store):
    first = store.save_snapshot(sample_inventory(), [finding()], as_of=AS_OF)
    before = (store.snapshots(), store.load_inventory(first), store.findings(first))

    def findings():
        yield finding(1)
        bad = finding(2)
        bad.evidence["what"] = object()
        yield bad

    with pytest.raises(TypeError, match="not JSON serialisable"):
        # The components are written by then; the second finding cannot be encoded.
        store.save_snapshot(sample_inventory(500), findings(), as_of=AS_OF)

    assert (store.snapshots(), store.load_inventory(first), store.findings(first)) == before
    assert store.save_snapshot(sample_inventory(2), [finding(3)], as_of=AS_OF) > first


def test_rows_are_streamed_not_held(store):
    # The rows of a million components must not all be in memory at once: the write holds
    # a few rows at a time, whatever the size of the estate.
    inv = sample_inventory(0)
    for i in range(10_000):
        inv.components[f"c{i}"] = ComponentRecord(f"c{i}", system="s", provider="aws", service="ec2", region="eu-west-1",
                                                  tags={"env": "prod"}, depends_on=("c0",), origin=f"x.yaml:{i + 1}")
    findings = [finding(i) for i in range(2_000)]

    tracemalloc.start()
    try:
        sid = store.save_snapshot(inv, iter(findings), as_of=AS_OF)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert store.snapshot(sid)["counts"]["components"] == 10_000
    assert store.finding_counts(sid) == {"implicit": 2_000}
    assert peak < 2_000_000, f"{peak / 1e6:.1f} MB held while writing"


def test_a_schema_changed_after_opening_is_refused_at_the_write(store):
    from sqlalchemy import update

    first = store.save_snapshot(sample_inventory(), [], as_of=AS_OF)
    with store.engine.begin() as conn:
        conn.execute(update(MetaRow.__table__).values(value=str(SCHEMA_VERSION + 1)))
    try:
        with pytest.raises(StoreError, match=f"schema {SCHEMA_VERSION + 1}.*nothing was stored"):
            store.save_snapshot(sample_inventory(), [], as_of=AS_OF)
        assert [s["id"] for s in store.snapshots()] == [first]
    finally:
        with store.engine.begin() as conn:
            conn.execute(update(MetaRow.__table__).values(value=str(SCHEMA_VERSION)))
