"""``sovmap scenario``, ``check``, ``diff``, ``sovereignty`` and ``exit``: the analysis commands.

Each prints a table for people and, with ``--json``, the same numbers with their factors
and evidence for scripts. ``check`` is made for pipelines: it exits 1 with a summary when
the snapshot carries what ``--fail-on`` names, 0 when it does not, 2 on bad input.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

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
    _system_scores,
    app,
    out,
)
from sovmap.errors import SovmapError

__all__ = ["check", "check_snapshot", "diff", "exit_", "scenario", "sovereignty"]

FAIL_ON = ("implicit", "new-implicit", "expired", "stale")
SEAL_STYLE = {0: "bold red", 1: "red", 2: "yellow", 3: "green", 4: "bold green"}


def _short_path(path: list[str]) -> str:
    return " > ".join(n.split(":", 1)[-1] for n in path)


# -- scenario --------------------------------------------------------------------------------

@app.command()
def scenario(
    kind: Annotated[Optional[str], typer.Argument(help="provider-loss, region-loss, sanctions, compelled-access or change-of-control.")] = None,
    target: Annotated[Optional[str], typer.Argument(help="aws | aws:eu-west-1 | site:dc1 | US | a provider or legal entity.")] = None,
    to: Annotated[Optional[str], typer.Option("--to", help="change-of-control: the acquirer's country.")] = None,
    hours: Annotated[Optional[float], typer.Option("--hours", help="Outage length in hours (region-loss defaults to 14.5).")] = None,
    db: DbOption = None,
    snapshot: SnapshotOption = None,
    json_out: JsonOption = False,
) -> None:
    """What a scenario does to the estate: systems hit, RTO breaches, data classes exposed."""
    from analyzer.scenarios import SCENARIOS, load_graph, run_scenario, snapshot_catalog

    if kind is None:
        if json_out:
            _print_json(SCENARIOS)
            return
        table = Table("scenario", "target", "example", "what it models")
        for s in SCENARIOS:
            table.add_row(s["kind"], s["target"], f"sovmap scenario {s['kind']} {s['example']}", s["summary"])
        out.print(table)
        return
    if target is None:
        _fail(SovmapError(f"scenario {kind}: give a target ({next((s['target'] for s in SCENARIOS if s['kind'] == kind), 'see sovmap scenario')})"))
    if hours is not None and hours < 0:
        _fail(SovmapError("--hours cannot be negative"))
    try:
        store = _store(db)
        snap = store.snapshot(snapshot)
        catalog = snapshot_catalog(store, snap["id"])
        G = load_graph(store, snap["id"], catalog)
        result = run_scenario(G, kind, target, to=to, catalog=catalog, hours=hours).as_dict()
    except SovmapError as exc:
        _fail(exc)
    result["snapshot"] = snap["id"]
    if json_out:
        _print_json(result)
        return
    title = f"Scenario {kind} {result['target']}" + (f" --to {result['to']}" if result["to"] else "") + f", snapshot {snap['id']}"
    table = Table("system", "criticality", "RTO h", "outage h", "RTO breach", "data classes", "path", title=title)
    for s in result["systems_hit"]:
        outage = "-" if s["outage_hours"] is None else f"{s['outage_hours']:g}"
        if result["impact"] == "availability" and s["outage_hours"] is None:
            outage = "until resolved"
        table.add_row(s["system"], s["criticality"] or "-", "-" if s["rto_hours"] is None else f"{s['rto_hours']:g}", outage,
                      "[bold red]yes[/]" if s["rto_breach"] else "no", ", ".join(s["data_classes"]), escape(_short_path(s["path"])))
    out.print(table)
    out.print(f"{result['assumption']}.")
    out.print(f"[bold]{len(result['systems_hit'])}[/] system(s) hit through {result['components_hit']} component(s), "
              f"[bold red]{result['rto_breaches']}[/] RTO breach(es); data classes exposed: "
              f"{', '.join(result['exposed_data_classes']) or 'none'}")
    for p in result["systems_protected"]:
        out.print(f"protected by customer-held keys: {p['system']} ({', '.join(p['components'])})")
    for note in result["notes"]:
        out.print(f"note: {note}")


# -- check -----------------------------------------------------------------------------------

def check_snapshot(store, snapshot_id: int | None = None, *, fail_on: list[str], baseline: int | None = None) -> dict:
    """What a pipeline check finds in a snapshot, against a baseline snapshot for ``new-implicit``.

    The baseline defaults to the snapshot before the checked one; without one, every
    implicit risk is new.
    """
    unknown = [f for f in fail_on if f not in FAIL_ON]
    if unknown:
        raise SovmapError(f"--fail-on must be one of {', '.join(FAIL_ON)}, not {', '.join(unknown)}")
    snap = store.snapshot(snapshot_id)
    if baseline is None:
        earlier = [s["id"] for s in store.snapshots() if s["id"] < snap["id"]]
        baseline = earlier[-1] if earlier else None
    elif baseline == snap["id"]:
        raise SovmapError("--baseline is the snapshot being checked")
    else:
        store.snapshot(baseline)
    findings = store.findings(snap["id"])
    before = {f["id"] for f in store.findings(baseline, status="implicit")} if baseline is not None else set()
    keep = ("id", "type", "system", "severity", "title", "scope")
    failures: dict[str, list[dict]] = {}
    for rule in dict.fromkeys(fail_on):
        if rule == "implicit":
            failures[rule] = [{k: f[k] for k in keep} for f in findings if f["status"] == "implicit"]
        elif rule == "new-implicit":
            failures[rule] = [{k: f[k] for k in keep} for f in findings if f["status"] == "implicit" and f["id"] not in before]
        elif rule == "expired":
            failures[rule] = [{k: f[k] for k in keep} | {"acceptance_id": f["acceptance_id"]} for f in findings if f["status"] == "expired"]
        else:
            failures[rule] = store.scores(snap["id"], "register", "stale").get("stale", {}).get("entries", [])
    counts = {s: sum(1 for f in findings if f["status"] == s) for s in ("implicit", "expired", "stated")}
    return {"snapshot": snap["id"], "baseline": baseline, "fail_on": list(dict.fromkeys(fail_on)),
            "passed": not any(failures.values()), "failures": failures, "counts": counts}


@app.command()
def check(
    fail_on: Annotated[Optional[list[str]], typer.Option("--fail-on", help="implicit, new-implicit (default), expired or stale; repeatable.")] = None,
    baseline: Annotated[Optional[int], typer.Option("--baseline", help="Snapshot that new-implicit compares with (default: the previous one).")] = None,
    config: Annotated[Optional[Path], typer.Option("--config", "-c", help="Scan this sovmap.yaml first and check the new snapshot.")] = None,
    as_of: Annotated[Optional[str], typer.Option(help="With --config: judge review dates as of this day (YYYY-MM-DD).")] = None,
    db: DbOption = None,
    snapshot: SnapshotOption = None,
    json_out: JsonOption = False,
) -> None:
    """For pipelines: exit 1 when the snapshot carries new implicit risks (or what --fail-on names)."""
    rules = fail_on or ["new-implicit"]
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        _fail(SovmapError(f"--as-of: not a date (YYYY-MM-DD): {as_of!r}"))
    try:
        if config is not None:
            from inventory.store import open_store
            from sovmap.config import load_config, resolve_database_url
            from sovmap.scan import run_scan

            store = open_store(resolve_database_url(db, load_config(config)))
            snapshot = run_scan(config, store, as_of=day).snapshot_id
        else:
            store = _store(db)
        result = check_snapshot(store, snapshot, fail_on=rules, baseline=baseline)
    except SovmapError as exc:
        _fail(exc)
    if json_out:
        _print_json(result)
    else:
        against = f" (baseline snapshot {result['baseline']})" if "new-implicit" in rules and result["baseline"] else ""
        verdict = "[bold green]passed[/]" if result["passed"] else "[bold red]failed[/]"
        out.print(f"check {verdict} on snapshot {result['snapshot']}{against}: "
                  + ", ".join(f"{len(v)} {k}" for k, v in result["failures"].items()))
        for rule, items in result["failures"].items():
            for item in items[:20]:
                label = item.get("title") or f"{item['id']}: {item['risk']} {item['scope']} covers nothing"
                out.print(f"  {rule}: {escape(label)}", highlight=False)
            if len(items) > 20:
                out.print(f"  {rule}: ... and {len(items) - 20} more (--json lists all)")
    if not result["passed"]:
        raise typer.Exit(1)


# -- diff ------------------------------------------------------------------------------------

@app.command()
def diff(
    a: Annotated[Optional[int], typer.Argument(help="The earlier snapshot (default: the one before B).")] = None,
    b: Annotated[Optional[int], typer.Argument(help="The later snapshot (default: the latest).")] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Drift between two snapshots: components added, removed or moved, jurisdictions gained, findings new and resolved."""
    from analyzer.drift import diff_snapshots

    try:
        result = diff_snapshots(_store(db), a, b)
    except SovmapError as exc:
        _fail(exc)
    if json_out:
        _print_json(result)
        return
    c, f, j = result["components"], result["findings"], result["jurisdictions"]
    out.print(f"snapshot {result['from']['snapshot']} ({result['from']['as_of']}) -> {result['to']['snapshot']} "
              f"({result['to']['as_of']}): {len(c['added'])} component(s) added, {len(c['removed'])} removed, "
              f"{len(c['moved'])} moved; {sum(1 for g in j['gained'] if g['foreign'])} foreign jurisdiction(s) gained; "
              f"{len(f['new'])} finding(s) new, {len(f['resolved'])} resolved, {len(f['changed'])} changed")
    place = lambda p: "/".join(v for v in (p.get("provider"), p.get("region") or p.get("site")) if v) or "-"  # noqa: E731
    if c["added"] or c["removed"] or c["moved"]:
        table = Table("change", "component", "system", "where", title="Components")
        for x in c["added"]:
            table.add_row("added", x["component"], x["system"] or "-", place(x))
        for x in c["removed"]:
            table.add_row("removed", x["component"], x["system"] or "-", place(x))
        for x in c["moved"]:
            table.add_row("moved", x["component"], x["system"] or "-", f"{place(x['from'])} -> {place(x['to'])}")
        out.print(table)
    if j["gained"] or j["lost"]:
        table = Table("change", "system", "jurisdiction", "via", title="Jurisdictions")
        for g in j["gained"]:
            table.add_row("gained" + (" (foreign)" if g["foreign"] else ""), g["system"], g["jurisdiction"],
                          ", ".join(v["kind"] for v in g["via"]))
        for g in j["lost"]:
            table.add_row("lost", g["system"], g["jurisdiction"], "-")
        out.print(table)
    if f["new"] or f["resolved"] or f["changed"]:
        table = Table("change", "status", "severity", "finding", title="Findings")
        for x in f["new"]:
            table.add_row("new", x["status"], x["severity"], escape(x["title"]))
        for x in f["resolved"]:
            table.add_row("resolved", x["status"], x["severity"], escape(x["title"]))
        for x in f["changed"]:
            what = ", ".join(f"{k} {v['from']} -> {v['to']}" for k, v in x["changes"].items())
            table.add_row("changed", what, "", escape(x["title"]))
        out.print(table)


# -- sovereignty and exit ------------------------------------------------------------------

@app.command()
def sovereignty(
    system: Annotated[Optional[str], typer.Option(help="Only this system, with every criterion and its evidence.")] = None,
    db: DbOption = None,
    snapshot: SnapshotOption = None,
    json_out: JsonOption = False,
) -> None:
    """SEAL (0-4) and sovereignty score (0-100) per system, EU Cloud Sovereignty Framework."""
    snap, data = _system_scores(db, snapshot, "sovereignty", system)
    rows = sorted(data.values(), key=lambda r: (r["seal"] if r["seal"] is not None else 5, r["score"] or 0, r["system"]))
    if json_out:
        _print_json(rows)
        return
    if system is not None:
        r = rows[0]
        out.print(f"{r['system']}: SEAL [{SEAL_STYLE.get(r['seal'], '')}]{r['seal']}[/] ({r.get('seal_name')}), "
                  f"score {r['score']} with weights {r.get('weights')}")
        table = Table("objective", "weight", "score", title="Objectives")
        for o in r["objectives"]:
            table.add_row(f"{o['id']} {o['name']}", f"{o['weight']:.0%}", "not assessed" if o["score"] is None else f"{o['score']:.1f}")
        out.print(table)
        table = Table("criterion", "SEAL", "weakest answer", "source", "component", "why", "mean", title="Criteria")
        for c in r["criteria"]:
            ev = c["evidence"]
            table.add_row(c["id"], "-" if c["seal"] is None else str(c["seal"]), c["answer"] or "-", c["source"],
                          ev.get("component") or "-", escape(ev.get("detail") or ""),
                          "-" if c.get("mean_seal") is None else f"{c['mean_seal']:.2f}")
        out.print(table)
        return
    table = Table("system", "SEAL", "score", "capped by", "at", title=f"Sovereignty (EU CSF), snapshot {snap['id']}")
    for r in rows:
        caps = [c for c in r["criteria"] if c["seal"] is not None and c["seal"] == r["seal"]]
        at = sorted({c["evidence"].get("component") or "-" for c in caps})
        table.add_row(r["system"], f"[{SEAL_STYLE.get(r['seal'], '')}]{r['seal']}[/]" if r["seal"] is not None else "-",
                      "-" if r["score"] is None else f"{r['score']:.1f}",
                      ", ".join(f"{c['id']} {c['answer']}" for c in caps[:3]) + (" ..." if len(caps) > 3 else ""),
                      ", ".join(at[:2]) + (" ..." if len(at) > 2 else ""))
    out.print(table)
    dist = {s: sum(1 for r in rows if r["seal"] == s) for s in range(5)}
    out.print("SEAL distribution: " + ", ".join(f"SEAL-{s}: {n}" for s, n in dist.items()))


@app.command(name="exit")
def exit_(
    system: Annotated[Optional[str], typer.Option(help="Only this system, with every step.")] = None,
    db: DbOption = None,
    snapshot: SnapshotOption = None,
    json_out: JsonOption = False,
) -> None:
    """Migration feasibility and exit time in days per system, with the steps and EU alternatives."""
    snap, data = _system_scores(db, snapshot, "feasibility", system)
    rows = sorted(data.values(), key=lambda r: (-(r.get("exit") or {}).get("days", 0), r["system"]))
    if json_out:
        _print_json(rows)
        return
    table = Table("system", "feasibility", "exit days", "steps", "EU alternatives",
                  title=f"Exit, snapshot {snap['id']}")
    for r in rows:
        ex = r.get("exit") or {"days": 0, "breakdown": [], "eu_alternatives": []}
        steps = ", ".join(f"{b['step']} {b['days']:g}" for b in ex["breakdown"] if b["days"])
        alts = sorted({a for e in ex["eu_alternatives"] for a in e["alternatives"]})
        table.add_row(r["system"], f"{r['score']:.0f} {r['band']}", f"{ex['days']:g}", steps or "-",
                      ", ".join(alts[:4]) + (" ..." if len(alts) > 4 else "") or "-")
    out.print(table)
    if system is not None:
        ex = rows[0].get("exit") or {"breakdown": [], "eu_alternatives": []}
        for b in ex["breakdown"]:
            out.print(f"  {b['step']}: {b['days']:g} days ({escape(b['detail'])})")
        for e in ex["eu_alternatives"]:
            line = (f"  {e['service']} ({e['components']} component(s)): {', '.join(e['alternatives']) or 'no EU alternative catalogued'}"
                    + (f" (from the {e['from']} entry, {e['source']})" if e["from"] else ""))
            out.print(escape(line), highlight=False)

