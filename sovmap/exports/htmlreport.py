"""The board report as one self-contained HTML file: charts embedded as images, every text escaped."""

from __future__ import annotations

import base64
import html
import math

import pandas as pd

from sovmap.exports.cells import clean_text
from sovmap.exports.report import Report

__all__ = ["html_bytes"]

CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#212121;max-width:1100px;margin:2em auto;padding:0 1em}
h1{margin-bottom:.2em}h2{border-bottom:2px solid #37474f;padding-bottom:.2em;margin-top:2em}
.sub{color:#616161}.notice{background:#fff3e0;border-left:4px solid #ef6c00;padding:.6em 1em}
.cards{display:flex;flex-wrap:wrap;gap:1em;margin:1.5em 0}.card{border:1px solid #e0e0e0;border-radius:6px;padding:.8em 1.2em;min-width:12em}
.card .v{font-size:1.8em;font-weight:600}.card:first-child .v{color:#c62828}.card .l{color:#616161;font-size:.9em}
img{max-width:100%;height:auto}table{border-collapse:collapse;width:100%;font-size:.85em;margin:.8em 0}
th{background:#37474f;color:#fff;text-align:left;padding:.35em .5em}td{border-bottom:1px solid #e0e0e0;padding:.3em .5em;vertical-align:top}
.more{color:#616161;font-size:.85em}
"""


def _e(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(clean_text(str(value)), quote=True)


def _table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in frame.itertuples(index=False, name=None))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def html_bytes(report: Report) -> bytes:
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        # The report embeds everything it shows; it loads and runs nothing.
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">",
        f"<title>{_e(report.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(report.title)}</h1><p class='sub'>{_e(report.subtitle)}</p>",
    ]
    if report.notice:
        parts.append(f"<p class='notice'>{_e(report.notice)}</p>")
    parts.append("<div class='cards'>" + "".join(
        f"<div class='card'><div class='v'>{_e(v)}</div><div class='l'>{_e(k)}</div></div>" for k, v in report.headline) + "</div>")
    for section in report.sections:
        parts.append(f"<h2>{_e(section.title)}</h2>")
        if section.text:
            parts.append(f"<p>{_e(section.text)}</p>")
        if section.chart and section.chart in report.images:
            data = base64.b64encode(report.images[section.chart]).decode("ascii")
            parts.append(f"<img alt='{_e(section.text or section.title)}' src='data:image/png;base64,{data}'>")
        if section.table is not None and not section.table.empty:
            parts.append(_table(section.table))
        if section.left_out:
            parts.append(f"<p class='more'>… and {section.left_out:,} more rows: the XLSX and CSV exports hold them all.</p>")
    parts.append("<p class='sub'>Made by sovmap. Every finding carries its evidence (graph paths and catalog facts with "
                 "their sources) in the JSON and XLSX exports.</p></body></html>")
    return "".join(parts).encode("utf-8")
