"""CSV (one file per view) and XLSX (one sheet per view), every text cell neutralised."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pandas as pd

from sovmap.exports.cells import MAX_XLSX_TEXT, neutralise
from sovmap.exports.views import Views

__all__ = ["csv_files", "csv_zip", "rows", "xlsx_bytes"]


def rows(frame: pd.DataFrame):
    """The frame's cells, neutralised, row by row (NaN and None both become empty)."""
    for record in frame.itertuples(index=False, name=None):
        yield [neutralise(v) for v in record]


def slug(name: str) -> str:
    """A file name for a view.

    >>> slug("Single points of failure")
    'single-points-of-failure'
    """
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def csv_files(views: Views) -> dict[str, bytes]:
    """``{file name: CSV bytes}``, UTF-8 with a byte-order mark so that spreadsheets read accents right."""
    out = {}
    for name, frame in views.tables.items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([neutralise(c) for c in frame.columns])
        writer.writerows(rows(frame))
        out[f"{slug(name)}.csv"] = buffer.getvalue().encode("utf-8-sig")
    return out


def csv_zip(views: Views) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in csv_files(views).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _truncate(value):
    if isinstance(value, str) and len(value) > MAX_XLSX_TEXT:
        return value[:MAX_XLSX_TEXT] + " … [truncated]"
    return value


def write_sheet(wb, name: str, header: list[str], body, *, widths: list[int] | None = None, subheader: list[str] | None = None):
    """Append a write-only sheet: a bold, frozen, filterable header (and labels under it) over the rows.

    ``body`` yields rows already neutralised (see :func:`rows`).
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title=name[:31])
    top = 2 + (1 if subheader else 0)
    ws.freeze_panes = f"A{top}"
    for i, width in enumerate(widths or [], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width

    def styled(texts: list[str], font, fill=None) -> list:
        cells = []
        for text in texts:
            cell = WriteOnlyCell(ws, value=_truncate(neutralise(text)))
            cell.font = font
            if fill is not None:
                cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cells.append(cell)
        return cells

    ws.append(styled(header, Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="37474F")))
    if subheader:
        ws.append(styled(subheader, Font(italic=True, color="424242"), PatternFill("solid", fgColor="ECEFF1")))
    count = 0
    for row in body:
        ws.append([_truncate(v) for v in row])
        count += 1
    if header:
        ws.auto_filter.ref = f"A{top - 1}:{get_column_letter(len(header))}{top - 1 + max(count, 1)}"
    return ws


def _widths(frame: pd.DataFrame) -> list[int]:
    out = []
    for column in frame.columns:
        longest = max([len(str(column)), *(len(str(v)) for v in frame[column].head(200))])
        out.append(max(8, min(60, longest + 2)))
    return out


def xlsx_bytes(views: Views) -> bytes:
    """A workbook with a sheet per view."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for name, frame in views.tables.items():
        write_sheet(wb, name, [str(c) for c in frame.columns], rows(frame), widths=_widths(frame))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
