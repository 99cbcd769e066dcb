"""The board report's content, shared by the HTML and the PDF: headline, charts, short tables."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from dashboards import data
from inventory.store import Store
from sovmap.exports import charts
from sovmap.exports.views import Views

__all__ = ["Report", "Section", "build_report"]

#: Rows a report table shows; the full tables are in the XLSX and CSV exports.
ROWS = 40


@dataclass
class Section:
    title: str
    text: str | None = None
    chart: str | None = None
    table: pd.DataFrame | None = None
    left_out: int = 0


@dataclass
class Report:
    title: str
    subtitle: str
    headline: list[tuple[str, str]]
    sections: list[Section] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)
    notice: str | None = None


def _cap(frame: pd.DataFrame, rows: int = ROWS) -> tuple[pd.DataFrame, int]:
    return frame.head(rows), max(0, len(frame) - rows)


def build_report(store: Store, snapshot_id: int, views: Views, *, images: bool = True) -> Report:
    """The report of one snapshot; ``images=False`` leaves the charts out (no browser is started)."""
    s = views.summary
    snap = views.snapshot
    org = s["organisation"] or "the organisation"
    levels = data.concentration_levels(store, snapshot_id)
    figs = charts.report_figures(views, levels)
    rendered, notice = charts.render({k: f for k, (_, f) in figs.items()}) if images else ({}, "charts not requested")
    report = Report(
        title=f"Digital sovereignty: {org}",
        subtitle=f"Snapshot #{snap['id']}, taken {snap['created_at']:%Y-%m-%d %H:%M} UTC; register judged as of {snap['as_of']}.",
        headline=[
            ("Risks accepted without being stated", f"{s['risks accepted without being stated (implicit)']:,}"),
            ("Acceptances expired", f"{s['acceptances expired']:,}"),
            ("Stated and current", f"{s['stated and current']:,}"),
            ("Systems / components", f"{s['systems']:,} / {s['components']:,}"),
            *[(k, str(v)) for k, v in s.items() if k.startswith("HHI by")],
        ],
        images=rendered,
        notice=notice if images else None,
    )

    def chart(name: str) -> str | None:
        return name if name in figs else None

    def caption(name: str) -> str | None:
        return figs[name][0] if name in figs else None

    risks = views.tables["Risks"]
    implicit = risks[risks["status"] == "implicit"]
    critical_foreign = implicit[implicit["type"].isin(["foreign-law-access", "foreign-suspension"]) & (implicit["criticality"] == "critical")]
    table, more = _cap(critical_foreign[["system", "jurisdiction", "type", "severity", "finding"]])
    report.sections.append(Section(
        "Critical systems under foreign law, with no stated acceptance",
        "Each row is a risk the organisation carries without having stated or accepted it."
        if not critical_foreign.empty else "None: every critical system reached by foreign law is covered by a current acceptance.",
        chart("status"), table if not critical_foreign.empty else None, more))
    report.sections.append(Section("Exposure", caption("exposure"), chart("exposure")))
    if "sovereignty" in figs:
        report.sections.append(Section("Sovereignty levels", caption("sovereignty"), chart("sovereignty")))
    report.sections.append(Section("Where data sits and who can reach it", caption("map"), chart("map")))
    spof = views.tables.get("Single points of failure")
    table, more = _cap(spof[["component", "owner system", "systems", "status", "finding"]]) if spof is not None else (None, 0)
    report.sections.append(Section("Concentration and single points of failure", caption("concentration"),
                                   chart("concentration"), table, more))
    if "providers" in figs:
        report.sections.append(Section("Largest providers", caption("providers"), chart("providers")))
    migration = views.tables.get("Migration")
    if migration is not None:
        hard = migration[migration["criticality"].isin(["critical", "high"]) & (migration["band"] == "low")]
        cols = [c for c in ("system", "name", "criticality", "feasibility", "exit days", "alternatives named") if c in hard.columns]
        table, more = _cap(hard[cols])
        report.sections.append(Section("Hard to leave: critical and high systems with low exit feasibility",
                                       caption("migration"), chart("migration"), table if not hard.empty else None, more))
    top, more = _cap(implicit[["severity", "type", "system", "finding", "evidence"]])
    report.sections.append(Section("Implicit risks, most severe first", None, None, top, more))
    register = views.tables["Register"]
    attention = register[register["state"] != "current"] if not register.empty else register
    if not attention.empty:
        table, more = _cap(attention[["id", "risk", "scope", "owner", "state", "review by"]])
        report.sections.append(Section("Register entries to review (expired or covering nothing)", None, None, table, more))
    changes = views.tables.get("Changes")
    if changes is not None:
        table, more = _cap(changes[["change", "severity", "type", "system", "finding", "was", "now"]])
        report.sections.append(Section("What changed since the previous snapshot", None, None, table, more))
    return report
