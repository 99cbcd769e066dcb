"""``sovmap coverage``: what the sources of a snapshot could and could not read, and why.

A snapshot is ``incomplete`` when any source reports something it did not read (a denied
call, a region that failed, a service not enabled). The table lists those gaps first and
sums up what was read per source; ``--all`` lists every read too; ``--json`` gives all.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from sovmap.cli import (
    DbOption,
    JsonOption,
    SnapshotOption,
    _fail,
    _print_json,
    _store,
    app,
    out,
)
from sovmap.errors import SovmapError

__all__ = ["coverage", "summarize_coverage"]

STATUS_STYLE = {"denied": "bold red", "failed": "red", "skipped": "yellow", "read": "green"}
_ORDER = {"denied": 0, "failed": 1, "skipped": 2, "read": 3}


def summarize_coverage(entries: list[dict]) -> list[dict]:
    """Per source: how many scopes were read, denied, failed or skipped, and the resources read.

    >>> summarize_coverage([{"source": "aws", "scope": "1/eu-west-1/s3", "status": "read", "count": 4},
    ...     {"source": "aws", "scope": "1/eu-west-1/kms", "status": "denied", "count": 0}])
    [{'source': 'aws', 'read': 1, 'denied': 1, 'failed': 0, 'skipped': 0, 'resources': 4}]
    """
    out_rows: dict[str, dict] = {}
    for e in entries:
        row = out_rows.setdefault(e["source"], {"source": e["source"], "read": 0, "denied": 0, "failed": 0, "skipped": 0, "resources": 0})
        row[e["status"]] = row.get(e["status"], 0) + 1
        if e["status"] in ("read", "denied") and e.get("scope") != "dependencies":
            row["resources"] += e.get("count") or 0
    return list(out_rows.values())


@app.command()
def coverage(
    db: DbOption = None,
    snapshot: SnapshotOption = None,
    all_: Annotated[bool, typer.Option("--all", help="List every scope read, not only the gaps.")] = False,
    json_out: JsonOption = False,
) -> None:
    """What each source read, and what it could not read (denied, failed, skipped) with the reason."""
    try:
        snap = _store(db).snapshot(snapshot)
    except SovmapError as exc:
        _fail(exc)
    entries = sorted(snap["coverage"] or [], key=lambda e: (_ORDER.get(e["status"], 9), e["source"], e["scope"]))
    gaps = [e for e in entries if e["status"] != "read"]
    if json_out:
        _print_json({"snapshot": snap["id"], "status": snap["status"], "summary": summarize_coverage(entries),
                     "gaps": len(gaps), "entries": entries})
        return
    out.print(f"snapshot [bold]{snap['id']}[/] is [bold]{snap['status']}[/]: {len(gaps)} scope(s) not fully read")
    summary = Table("source", "read", "denied", "failed", "skipped", "resources", title="Coverage by source")
    for row in summarize_coverage(entries):
        summary.add_row(escape(row["source"]), str(row["read"]), str(row["denied"]), str(row["failed"]), str(row["skipped"]), str(row["resources"]))
    out.print(summary)
    shown = entries if all_ else gaps
    if not shown:
        return
    table = Table(title="Every scope" if all_ else "What was not read")
    table.add_column("status", no_wrap=True)
    table.add_column("source", overflow="fold")
    # Folded, not cut: the scope and the reason are what a person acts on.
    table.add_column("scope", overflow="fold")
    table.add_column("resources", justify="right")
    table.add_column("reason", overflow="fold", ratio=2)
    for e in shown:
        style = STATUS_STYLE.get(e["status"], "")
        table.add_row(f"[{style}]{e['status']}[/]", escape(e["source"]), escape(e["scope"]), str(e.get("count") or 0), escape(e.get("detail") or "-"))
    out.print(table)
