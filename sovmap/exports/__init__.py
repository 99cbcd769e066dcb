"""Exports of a snapshot: CSV, XLSX, JSON, an HTML and PDF board report, GraphML, a DORA-style register.

The command line (``sovmap export``) and the dashboard's download buttons both call
:func:`export_bytes`; every format is built from the dashboard's own data functions.
Text cells in CSV and XLSX are neutralised against formula injection
(:mod:`sovmap.exports.cells`); HTML is escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from inventory.store import Store

__all__ = ["FORMATS", "ExportFile", "export_bytes", "file_name", "write_export"]


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str
    mime: str
    summary: str


FORMATS: dict[str, Format] = {
    "csv": Format("csv", ".zip", "application/zip", "one CSV file per view (a folder on the command line, a zip in the dashboard)"),
    "xlsx": Format("xlsx", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "a workbook with a sheet per view"),
    "json": Format("json", ".json", "application/json", "the views, the findings with their evidence and the stored scores"),
    "html": Format("html", ".html", "text/html", "the board report as one self-contained HTML file"),
    "pdf": Format("pdf", ".pdf", "application/pdf", "the board report as PDF"),
    "graphml": Format("graphml", ".graphml", "application/xml", "the dependency graph (Gephi, yEd, networkx)"),
    "dora": Format("dora", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   "a DORA-style register of information: B_05.01, B_02.02, B_07.01"),
}


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    file_name: str
    mime: str
    notice: str | None = None  # something the reader should know, e.g. charts left out


def file_name(fmt: str, snapshot_id: int) -> str:
    """The name a download of this export gets.

    >>> file_name("dora", 3)
    'sovmap-snapshot-3-dora-register.xlsx'
    """
    return f"sovmap-snapshot-{snapshot_id}{'-dora-register' if fmt == 'dora' else ''}{FORMATS[fmt].suffix}"


def _report(store: Store, snapshot_id: int, render: Callable):
    from sovmap.exports.report import build_report
    from sovmap.exports.views import build_views

    report = build_report(store, snapshot_id, build_views(store, snapshot_id))
    return render(report), report.notice


def export_bytes(fmt: str, store: Store, snapshot_id: int) -> ExportFile:
    """One export of a snapshot, in memory."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    spec = FORMATS[fmt]
    notice = None
    if fmt in ("csv", "xlsx", "json"):
        from sovmap.exports.views import build_views

        views = build_views(store, snapshot_id)
        if fmt == "csv":
            from sovmap.exports.tabular import csv_zip

            content = csv_zip(views)
        elif fmt == "xlsx":
            from sovmap.exports.tabular import xlsx_bytes

            content = xlsx_bytes(views)
        else:
            from sovmap.exports.jsonfile import json_bytes

            content = json_bytes(views, store)
    elif fmt in ("html", "pdf"):
        if fmt == "html":
            from sovmap.exports.htmlreport import html_bytes as render
        else:
            from sovmap.exports.pdfreport import pdf_bytes as render
        content, notice = _report(store, snapshot_id, render)
    else:
        from analyzer.snapshot import load_snapshot_graph

        sg = load_snapshot_graph(store, snapshot_id)
        if fmt == "graphml":
            from sovmap.exports.graphml import graphml_bytes

            content = graphml_bytes(sg.graph)
        else:
            from sovmap.exports.dora import dora_bytes

            content = dora_bytes(sg.graph, sg.catalog)
    return ExportFile(content, file_name(fmt, snapshot_id), spec.mime, notice)


def write_export(fmt: str, store: Store, snapshot_id: int, out: Path) -> tuple[list[Path], str | None]:
    """Write an export to ``out`` (for CSV: a folder with one file per view); returns the files written."""
    if fmt == "csv":
        from sovmap.exports.tabular import csv_files
        from sovmap.exports.views import build_views

        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, content in csv_files(build_views(store, snapshot_id)).items():
            path = out / name
            path.write_bytes(content)
            written.append(path)
        return written, None
    result = export_bytes(fmt, store, snapshot_id)
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(result.content)
    return [out], result.notice
