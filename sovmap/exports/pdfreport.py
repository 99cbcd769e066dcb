"""The board report as PDF (reportlab): the same content as the HTML, charts as images."""

from __future__ import annotations

import io
import math
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd

from sovmap.exports.cells import clean_text
from sovmap.exports.report import Report

__all__ = ["pdf_bytes"]

#: Characters a cell shows at most in the PDF (the XLSX holds the full text).
CELL_CHARS = 300
#: A font with accents, Greek and Cyrillic when the system has it; else the PDF's built-in Helvetica.
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def _fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    regular, bold = DEJAVU / "DejaVuSans.ttf", DEJAVU / "DejaVuSans-Bold.ttf"
    if not (regular.is_file() and bold.is_file()):
        return "Helvetica", "Helvetica-Bold"
    try:
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
    except TTFError:
        return "Helvetica", "Helvetica-Bold"
    return "DejaVuSans", "DejaVuSans-Bold"


def _p(value, style):
    from reportlab.platypus import Paragraph

    if value is None or (isinstance(value, float) and math.isnan(value)):
        value = ""
    text = clean_text(str(value))
    if len(text) > CELL_CHARS:
        text = text[:CELL_CHARS] + "…"
    # Paragraph reads a small XML markup: every text is escaped so that none is read as markup.
    return Paragraph(escape(text), style)


def _table(frame: pd.DataFrame, styles, width: float):
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    cell = styles["cell"]
    head = styles["head"]
    data = [[_p(c, head) for c in frame.columns]]
    data += [[_p(v, cell) for v in row] for row in frame.itertuples(index=False, name=None)]
    weights = []
    for column in frame.columns:
        sample = [len(str(v)) for v in frame[column].head(50)] or [1]
        weights.append(max(4, min(40, max(len(str(column)), sum(sample) / len(sample)))))
    total = sum(weights)
    table = Table(data, colWidths=[width * w / total for w in weights], repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#37474f")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#e0e0e0")),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return table


def pdf_bytes(report: Report) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        Image,
        KeepTogether,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    regular, bold = _fonts()
    base = getSampleStyleSheet()
    for name in ("Title", "Heading2"):
        base[name].fontName = bold
    base["BodyText"].fontName = regular
    styles = {
        "title": base["Title"], "h2": base["Heading2"], "body": base["BodyText"],
        "sub": ParagraphStyle("sub", parent=base["BodyText"], textColor=colors.HexColor("#616161")),
        "notice": ParagraphStyle("notice", parent=base["BodyText"], backColor=colors.HexColor("#fff3e0"), borderPadding=4),
        "cell": ParagraphStyle("cell", parent=base["BodyText"], fontSize=7.5, leading=9),
        "head": ParagraphStyle("head", parent=base["BodyText"], fontName=bold, fontSize=7.5, leading=9, textColor=colors.white),
        "big": ParagraphStyle("big", parent=base["BodyText"], fontSize=18, leading=22),
    }
    buffer = io.BytesIO()
    page = landscape(A4)
    doc = SimpleDocTemplate(buffer, pagesize=page, leftMargin=1.5 * cm, rightMargin=1.5 * cm, topMargin=1.5 * cm,
                            bottomMargin=1.5 * cm, title=clean_text(report.title), author="sovmap")
    width = page[0] - 3 * cm
    story = [_p(report.title, styles["title"]), _p(report.subtitle, styles["sub"]), Spacer(1, 0.4 * cm)]
    if report.notice:
        story += [_p(report.notice, styles["notice"]), Spacer(1, 0.3 * cm)]
    cards = [[_p(v, styles["big"]) for _, v in report.headline], [_p(k, styles["sub"]) for k, _ in report.headline]]
    grid = Table(cards, colWidths=[width / len(report.headline)] * len(report.headline))
    grid.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.5, colors.HexColor("#e0e0e0")),
                              ("TEXTCOLOR", (0, 0), (0, 0), colors.HexColor("#c62828"))]))
    story += [grid, Spacer(1, 0.5 * cm)]
    for section in report.sections:
        block = [_p(section.title, styles["h2"])]
        if section.text:
            block.append(_p(section.text, styles["body"]))
        if section.chart and section.chart in report.images:
            from reportlab.lib.utils import ImageReader

            raw = report.images[section.chart]
            w, h = ImageReader(io.BytesIO(raw)).getSize()
            scale = min(width / w, (page[1] - 5 * cm) / h)
            block.append(Image(io.BytesIO(raw), width=w * scale, height=h * scale))
        story.append(KeepTogether(block))
        if section.table is not None and not section.table.empty:
            story.append(_table(section.table, styles, width))
        if section.left_out:
            story.append(_p(f"… and {section.left_out:,} more rows: the XLSX and CSV exports hold them all.", styles["sub"]))
        story.append(Spacer(1, 0.4 * cm))
    doc.build(story)
    return buffer.getvalue()
