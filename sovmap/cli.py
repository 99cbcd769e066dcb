"""The ``sovmap`` command line: the same functions the dashboard uses, as tables or JSON."""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from sovmap.errors import SovmapError

app = typer.Typer(
    name="sovmap",
    help="Digital sovereignty dependency analyzer: where data sits, which jurisdictions reach it, "
    "who operates it, and how hard an exit is.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[Optional[str], typer.Option("--db", help="Database URL (default: SOVMAP_DATABASE_URL, then sqlite:///sovmap.db).", show_default=False)]
SnapshotOption = Annotated[Optional[int], typer.Option("--snapshot", "-s", help="Snapshot id (default: the latest).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]

SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "dim"}
STATUS_STYLE = {"implicit": "bold red", "expired": "yellow", "stated": "green"}


def _fail(exc: Exception) -> None:
    err.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
    raise typer.Exit(2)


def _store(db: str | None):
    from inventory.store import open_store
    from sovmap.config import resolve_database_url

    return open_store(resolve_database_url(db))


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _snapshot(store, snapshot: int | None) -> dict:
    return store.snapshot(snapshot)


def _system_scores(db: str | None, snapshot: int | None, kind: str, system: str | None) -> tuple[dict, dict]:
    """A snapshot and its stored scores of one kind, for one system or all; exits on errors."""
    try:
        store = _store(db)
        snap = store.snapshot(snapshot)
        data = store.scores(snap["id"], kind, system)
    except SovmapError as exc:
        _fail(exc)
    if system is not None and not data:
        _fail(SovmapError(f"no system '{system}' in snapshot {snap['id']}"))
    return snap, data


@app.command()
def scan(
    config: Annotated[Path, typer.Option("--config", "-c", help="The sovmap.yaml to scan.")],
    db: DbOption = None,
    as_of: Annotated[Optional[str], typer.Option(help="Judge register review dates as of this day (YYYY-MM-DD; default today).")] = None,
    json_out: JsonOption = False,
) -> None:
    """Read every source of the config, score it and store a snapshot."""
    from inventory.store import open_store
    from sovmap.config import load_config, resolve_database_url
    from sovmap.scan import run_scan

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        _fail(SovmapError(f"--as-of: not a date (YYYY-MM-DD): {as_of!r}"))
    try:
        cfg = load_config(config)
        store = open_store(resolve_database_url(db, cfg))
        with err.status("scanning", spinner="dots") as status:
            result = run_scan(config, store, as_of=day, progress=lambda m: status.update(m))
    except SovmapError as exc:
        _fail(exc)
    if json_out:
        _print_json({"snapshot": result.snapshot_id, "status": result.status, "counts": result.counts,
                     "findings": result.finding_counts})
        return
    c = result.counts
    out.print(
        f"snapshot [bold]{result.snapshot_id}[/] ({result.status}): {c['systems']} systems, {c['components']} components, "
        f"{c['operators']} operators, {c['findings']} findings"
    )
    implicit = result.finding_counts.get("implicit", 0)
    out.print(
        f"[bold red]{implicit}[/] risks accepted without being stated, "
        f"{result.finding_counts.get('expired', 0)} with an expired acceptance, {result.finding_counts.get('stated', 0)} stated"
    )


@app.command()
def snapshots(db: DbOption = None, json_out: JsonOption = False) -> None:
    """List the stored snapshots."""
    try:
        rows = _store(db).snapshots()
    except SovmapError as exc:
        _fail(exc)
    if json_out:
        _print_json([_snapshot_summary(r) for r in rows])
        return
    out.print(_snapshot_table(rows))


def _snapshot_summary(row: dict) -> dict:
    """A snapshot's metadata as the CLI prints it in JSON."""
    return {k: row[k] for k in ("id", "created_at", "status", "as_of", "config_path", "counts")}


def _snapshot_table(rows: list[dict], title: str | None = None) -> Table:
    table = Table("id", "created", "status", "as of", "systems", "components", "findings", title=title)
    for r in rows:
        c = r["counts"] or {}
        table.add_row(str(r["id"]), f"{r['created_at']:%Y-%m-%d %H:%M}", r["status"], str(r["as_of"]),
                      str(c.get("systems", "")), str(c.get("components", "")), str(c.get("findings", "")))
    return table


@app.command()
def prune(
    keep: Annotated[int, typer.Option(help="Keep this many of the newest snapshots (at least 1); required, so that deleting is never implied.", min=1)],
    older_than: Annotated[Optional[int], typer.Option(
        "--older-than", help="Delete only snapshots made more than this many days ago.", min=0)] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be deleted; delete nothing.")] = False,
    compact: Annotated[bool, typer.Option(help="Give the space back to the disk afterwards (SQLite VACUUM, PostgreSQL VACUUM ANALYZE).")] = False,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Delete old snapshots: all but the newest --keep, or with --older-than only those older too."""
    from datetime import datetime, timedelta, timezone

    cutoff = None if older_than is None else datetime.now(timezone.utc) - timedelta(days=older_than)
    try:
        store = _store(db)
        gone = store.prune_snapshots(keep=keep, older_than=cutoff, dry_run=dry_run)
    except SovmapError as exc:
        _fail(exc)
    if compact and gone and not dry_run:
        err.print(f"deleted {len(gone)} snapshot(s); compacting the store ...")
        try:
            store.compact()
        except SovmapError as exc:
            _fail(SovmapError(f"the snapshots were deleted, but {exc}"))
    if json_out:
        _print_json({"dry_run": dry_run, "deleted": [_snapshot_summary(r) for r in gone]})
        return
    if not gone:
        out.print("nothing to delete")
        return
    out.print(_snapshot_table(gone, title=f"{'would delete' if dry_run else 'deleted'} {len(gone)} snapshot(s)"))


@app.command()
def exposure(
    db: DbOption = None,
    snapshot: SnapshotOption = None,
    system: Annotated[Optional[str], typer.Option(help="Only this system.")] = None,
    json_out: JsonOption = False,
) -> None:
    """Per system: where its data is stored and which jurisdictions reach it, by which path."""
    snap, data = _system_scores(db, snapshot, "exposure", system)
    rows = sorted(data.values(), key=lambda e: (-e["confidentiality"]["score"], -e["availability"]["score"], e["system"]))
    if json_out:
        _print_json([
            {"system": e["system"], "name": e["name"], "criticality": e["criticality"],
             "data_countries": e["data_countries"],
             "jurisdictions": [{"code": j["code"], "laws": j["laws"], "via": j["via"], "foreign": j["foreign"]} for j in e["jurisdictions"]],
             "confidentiality": {k: e["confidentiality"][k] for k in ("score", "level")},
             "availability": {k: e["availability"][k] for k in ("score", "level")}}
            for e in rows
        ])
        return
    table = Table("system", "criticality", "data in", "foreign jurisdictions (via)", "confid.", "avail.", title=f"Exposure, snapshot {snap['id']}")
    for e in rows:
        foreign = [f"{j['code']} ({', '.join(v['kind'] for v in j['via'])})" for j in e["jurisdictions"] if j["foreign"]]
        table.add_row(
            e["system"], e["criticality"], ", ".join(e["data_countries"]) or "-", "\n".join(foreign) or "-",
            f"{e['confidentiality']['score']:.0f} {e['confidentiality']['level']}",
            f"{e['availability']['score']:.0f} {e['availability']['level']}",
        )
    out.print(table)


@app.command()
def concentration(
    by: Annotated[str, typer.Option("--by", help="provider, parent or jurisdiction.")] = "provider",
    db: DbOption = None,
    snapshot: SnapshotOption = None,
    json_out: JsonOption = False,
) -> None:
    """Herfindahl-Hirschman index of dependence on providers, ultimate parents or jurisdictions."""
    if by not in ("provider", "parent", "jurisdiction"):
        _fail(SovmapError(f"--by must be provider, parent or jurisdiction, not {by!r}"))
    try:
        store = _store(db)
        snap = _snapshot(store, snapshot)
        data = store.scores(snap["id"], "concentration", by)[by]
    except SovmapError as exc:
        _fail(exc)
    if json_out:
        _print_json({"by": data["by"], "hhi": data["hhi"], "band": data["band"],
                     "shares": [{"key": s["key"], "share": s["share"], "systems": s["systems"]} for s in data["shares"]]})
        return
    out.print(f"HHI by {by}: [bold]{data['hhi']:.0f}[/] ({data['band']})")
    table = Table(by, "share", "weight", "systems")
    for s in data["shares"]:
        table.add_row(s["key"], f"{s['share']:.1%}", str(s["weight"]), str(len(s["systems"])))
    out.print(table)
    if data.get("unknown_systems"):
        out.print(f"{len(data['unknown_systems'])} system(s) also rest on something the catalog does not know (not counted).")


@app.command()
def risks(
    db: DbOption = None,
    snapshot: SnapshotOption = None,
    status: Annotated[Optional[str], typer.Option(help="Only implicit, expired or stated.")] = None,
    type_: Annotated[Optional[str], typer.Option("--type", help="Only this finding type.")] = None,
    stale: Annotated[bool, typer.Option("--stale", help="List the register entries that cover no finding any more.")] = False,
    json_out: JsonOption = False,
) -> None:
    """Findings with their status against the risk register; implicit ones first."""
    if status is not None and status not in ("implicit", "expired", "stated"):
        _fail(SovmapError(f"--status must be implicit, expired or stated, not {status!r}"))
    try:
        store = _store(db)
        snap = _snapshot(store, snapshot)
        rows = store.findings(snap["id"], status=status)
        stale_entries = store.scores(snap["id"], "register", "stale").get("stale", {}).get("entries", [])
    except SovmapError as exc:
        _fail(exc)
    if stale:
        if json_out:
            _print_json(stale_entries)
            return
        table = Table("acceptance", "risk", "scope", "owner", "defined at", title=f"Stale register entries, snapshot {snap['id']}")
        for e in stale_entries:
            table.add_row(e["id"], e["risk"], ", ".join(f"{k}={v}" for k, v in e["scope"].items()), e["owner"], e.get("origin") or "-")
        out.print(table)
        out.print(f"{len(stale_entries)} register {'entry covers' if len(stale_entries) == 1 else 'entries cover'} no finding any more.")
        return
    if type_:
        rows = [r for r in rows if r["type"] == type_]
    order = {"implicit": 0, "expired": 1, "stated": 2}
    sev = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    rows.sort(key=lambda r: (order[r["status"]], sev[r["severity"]], r["id"]))
    if json_out:
        _print_json([{k: r[k] for k in ("id", "type", "system", "severity", "status", "title", "scope", "acceptance_id", "evidence")}
                     for r in rows])
        return
    table = Table("status", "severity", "type", "system", "finding", "acceptance", title=f"Risks, snapshot {snap['id']}")
    for r in rows:
        table.add_row(f"[{STATUS_STYLE[r['status']]}]{r['status']}[/]", f"[{SEVERITY_STYLE[r['severity']]}]{r['severity']}[/]",
                      r["type"], r["system"] or "-", r["title"], r["acceptance_id"] or "-")
    out.print(table)
    n = sum(1 for r in rows if r["status"] == "implicit")
    out.print(f"[bold red]{n}[/] risk(s) accepted without being stated.")
    if stale_entries:
        out.print(f"{len(stale_entries)} register {'entry covers' if len(stale_entries) == 1 else 'entries cover'} no finding any more "
                  f"(stale: {', '.join(e['id'] for e in stale_entries)}); see 'sovmap risks --stale'.")


@app.command()
def connectors(json_out: JsonOption = False) -> None:
    """The registered connectors, what they read and the read-only rights they need."""
    from connectors import REGISTRY, load_connector

    rows = []
    for spec in REGISTRY.values():
        module = load_connector(spec.type)
        rows.append({"type": spec.type, "kind": spec.kind, "summary": module.SUMMARY, "permissions": list(module.PERMISSIONS)})
    if json_out:
        _print_json(rows)
        return
    table = Table("type", "kind", "reads", "permissions")
    for r in rows:
        table.add_row(r["type"], r["kind"], r["summary"], "\n".join(r["permissions"]))
    out.print(table)


@app.command()
def dashboard(
    db: DbOption = None,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8501,
    address: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    headless: Annotated[bool, typer.Option(help="Do not open a browser.")] = True,
) -> None:
    """Serve the Streamlit dashboard on the store."""
    from dashboards.access import auth_in_secret_files
    from sovmap.config import ENV_DATABASE_URL, resolve_database_url

    loopback = address in ("127.0.0.1", "localhost", "::1") or address.startswith("127.")
    if not loopback and not auth_in_secret_files():
        _fail(SovmapError(
            f"refusing to serve on {address}: no login is configured. Without one the dashboard serves "
            "127.0.0.1 only; configure OIDC login ([auth] in .streamlit/secrets.toml, see docs/security.md) first."
        ))
    app_path = Path(__file__).resolve().parent.parent / "streamlit_app.py"
    env = dict(os.environ)
    env[ENV_DATABASE_URL] = resolve_database_url(db)
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(app_path),
        "--server.port", str(port), "--server.address", address,
        "--server.headless", "true" if headless else "false",
        "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer",
        # The map's base layer is served from static/ (no CDN); no file watcher in service.
        "--server.enableStaticServing", "true", "--server.fileWatcherType", "none",
    ]
    err.print(f"sovmap dashboard on http://{address}:{port}")
    # Become the Streamlit server rather than wait for it as a child: a stop signal (a
    # service manager's, Ctrl-C) then reaches the server itself and leaves nothing behind.
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, cmd, env)


# Command groups in sovmap/commands/ register themselves on ``app``.
from sovmap.commands import register_all  # noqa: E402

register_all()


def main() -> None:  # pragma: no cover - console script entry
    app()
