"""Exports read back: XLSX opens, the PDF has pages, GraphML loads; hostile names stay inert."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date

import networkx as nx
import openpyxl
import pandas as pd
import pypdf
import pytest
from conftest import EXAMPLE
from typer.testing import CliRunner

from analyzer.snapshot import load_snapshot_graph
from inventory.store import open_store
from sovmap.cli import app
from sovmap.exports import FORMATS, export_bytes
from sovmap.exports.cells import FORMULA_PREFIXES, clean_text, neutralise
from sovmap.exports.charts import find_browser
from sovmap.exports.dora import B_02_02, B_05_01, B_07_01
from sovmap.exports.tabular import csv_files, xlsx_bytes
from sovmap.exports.views import Views
from sovmap.scan import run_scan

AS_OF = date(2026, 11, 22)
HOSTILE = [
    "=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-1+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1", "\r=1+1", "<script>alert('x')</script>", "x" * 40_000, "bell\x07 and null\x00 inside", "＝1+1",
]

HOSTILE_INVENTORY = """\
version: 1
organization: {name: "<b>Hostile</b> & Co", country: NL}
systems:
  - {id: formula, name: "=cmd|' /C calc'!A0", criticality: critical, classification: confidential, rto_hours: 4}
  - {id: plus, name: "+1+cmd|' /C calc'!A0", criticality: high, owner: "@SUM(1+1)*cmd|' /C calc'!A0"}
  - {id: minus, name: "-1+cmd|' /C calc'!A0", criticality: medium}
  - {id: markup, name: "<script>alert('x')</script>", criticality: high}
  - {id: controls, name: "bell\\a and escape\\e inside", criticality: low}
  - {id: long, name: "%s", criticality: low}
components:
  - {id: db, system: formula, provider: aws, service: dynamodb, region: eu-west-1, holds_data: true, data_volume_gb: 500}
  - {id: fn, name: "=HYPERLINK(\\"http://evil\\")", system: plus, provider: aws, service: lambda, region: us-east-1}
  - {id: vm, system: minus, provider: hetzner, service: cloud-server, region: fsn1}
  - {id: web, system: markup, provider: cloudflare, service: cdn}
  - {id: box, system: controls, provider: aws, service: s3, region: eu-central-1, holds_data: true}
  - {id: l1, system: long, provider: aws, service: s3, region: eu-central-1}
""" % ("L" * 1999)

HOSTILE_REGISTER = """\
version: 1
risk_register:
  - id: RA-1
    risk: foreign-law-access
    scope: {system: formula, jurisdiction: US}
    owner: "=cmd|' /C calc'!A0"
    rationale: "<img src=x onerror=alert(1)>"
    review_by: 2025-01-01
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "inventory.yaml").write_text(HOSTILE_INVENTORY, encoding="utf-8")
    (folder / "register.yaml").write_text(HOSTILE_REGISTER, encoding="utf-8")
    (folder / "sovmap.yaml").write_text(
        "version: 1\nsources:\n  - {type: declared, path: inventory.yaml}\nrisk_register: register.yaml\n", encoding="utf-8")
    store = open_store(f"sqlite:///{folder / 'sovmap.db'}")
    sid = run_scan(folder / "sovmap.yaml", store, as_of=AS_OF).snapshot_id
    yield store, sid
    store.close()


@pytest.fixture(scope="module")
def hostile_exports(hostile, tmp_path_factory):
    store, sid = hostile
    # Charts are drawn in the example's tests; here only the text matters.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BROWSER_PATH", str(tmp_path_factory.mktemp("nobrowser") / "none"))
        return {fmt: export_bytes(fmt, store, sid) for fmt in FORMATS}


@pytest.fixture(scope="module")
def example_exports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("example-exports")
    store = open_store(f"sqlite:///{folder / 'sovmap.db'}")
    sid = run_scan(EXAMPLE / "sovmap.yaml", store, as_of=AS_OF).snapshot_id
    yield store, sid, {fmt: export_bytes(fmt, store, sid) for fmt in FORMATS}
    store.close()


def _inert(cell) -> bool:
    """A cell a spreadsheet shows as it is: not text that starts like a formula (a number is fine)."""
    if not isinstance(cell, str) or not cell.startswith(FORMULA_PREFIXES):
        return True
    try:
        float(cell)
    except ValueError:
        return False
    return True


# -- the shared cell helper ----------------------------------------------------------------
@pytest.mark.parametrize("value", HOSTILE)
def test_every_hostile_value_is_neutralised(value):
    cell = neutralise(value)

    assert _inert(cell)
    assert clean_text(cell) == cell


def test_numbers_and_plain_text_are_left_alone():
    assert [neutralise(v) for v in (-1, 2.5, "plain", None)] == [-1, 2.5, "plain", None]


def test_writers_neutralise_every_hostile_value():
    frame = pd.DataFrame({"=header": HOSTILE, "n": range(len(HOSTILE))})
    views = Views({"id": 1}, {}, {"Hostile": frame})

    text = csv_files(views)["hostile.csv"].decode("utf-8-sig")
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(views)))

    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert all(_inert(c) for c in cells)
    assert "'=cmd|' /C calc'!A0" in cells and "'\t=1+1" in cells
    values = [c.value for row in workbook["Hostile"].iter_rows() for c in row]
    assert all(_inert(v) for v in values)
    assert "'=header" in values
    assert any(isinstance(v, str) and v.endswith("[truncated]") for v in values)


# -- a hostile estate, every format ---------------------------------------------------------
def test_csv_and_xlsx_of_a_hostile_estate_are_inert(hostile_exports):
    archive = zipfile.ZipFile(io.BytesIO(hostile_exports["csv"].content))
    workbook = openpyxl.load_workbook(io.BytesIO(hostile_exports["xlsx"].content))

    for name in archive.namelist():
        rows = csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig")))
        assert all(_inert(c) for row in rows for c in row), name
    for sheet in workbook.worksheets:
        assert all(_inert(c.value) for row in sheet.iter_rows() for c in row), sheet.title
    names = {c.value for c in workbook["Exposure"]["B"]}
    assert {"'=cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0", "'-1+cmd|' /C calc'!A0"} <= names
    assert "bell\ufffd and escape\ufffd inside" in names


def test_html_of_a_hostile_estate_is_escaped(hostile_exports):
    html = hostile_exports["html"].content.decode("utf-8")

    assert "<script>alert" not in html and "<img src=x" not in html and "<b>Hostile" not in html
    assert "&lt;b&gt;Hostile&lt;/b&gt; &amp; Co" in html
    assert "no Chrome or Chromium found" in html  # the charts' absence is said, not hidden


def test_pdf_graphml_json_and_dora_of_a_hostile_estate_read_back(hostile, hostile_exports):
    store, sid = hostile

    pdf = pypdf.PdfReader(io.BytesIO(hostile_exports["pdf"].content))
    graph = nx.read_graphml(io.BytesIO(hostile_exports["graphml"].content))
    doc = json.loads(hostile_exports["json"].content)
    dora = openpyxl.load_workbook(io.BytesIO(hostile_exports["dora"].content))

    assert len(pdf.pages) >= 1 and "Hostile" in pdf.pages[0].extract_text()
    assert graph.number_of_nodes() == load_snapshot_graph(store, sid).graph.number_of_nodes()
    assert graph.nodes["system:formula"]["name"] == "=cmd|' /C calc'!A0"  # GraphML is data: kept as it is
    assert "=cmd|' /C calc'!A0" in {e["name"] for e in doc["views"]["Exposure"]}
    assert all(_inert(c.value) for sheet in dora.worksheets for row in sheet.iter_rows() for c in row)


# -- the example, every format ---------------------------------------------------------------
def test_xlsx_has_a_sheet_per_view(example_exports):
    _, _, files = example_exports

    workbook = openpyxl.load_workbook(io.BytesIO(files["xlsx"].content))

    assert {"Summary", "Risks", "Exposure", "Concentration", "Single points of failure", "Migration",
            "Jurisdictions", "Register"} <= set(workbook.sheetnames)
    assert [c.value for c in workbook["Risks"][1]][:4] == ["id", "status", "severity", "type"]


def test_pdf_report_has_pages_and_charts(example_exports):
    _, _, files = example_exports

    pdf = pypdf.PdfReader(io.BytesIO(files["pdf"].content))

    assert len(pdf.pages) >= 3
    assert "Risks accepted" in pdf.pages[0].extract_text()
    if find_browser() is not None:
        assert files["pdf"].notice is None
        assert sum(len(p.images) for p in pdf.pages) >= 5


def test_html_report_embeds_its_charts(example_exports):
    _, _, files = example_exports

    html = files["html"].content.decode("utf-8")

    assert "Critical systems under foreign law, with no stated acceptance" in html
    if find_browser() is not None:
        assert html.count("data:image/png;base64,") >= 5


def test_graphml_loads_in_networkx_with_every_node(example_exports):
    store, sid, files = example_exports

    graph = nx.read_graphml(io.BytesIO(files["graphml"].content))

    original = load_snapshot_graph(store, sid).graph
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (original.number_of_nodes(), original.number_of_edges())
    assert graph.nodes["system:ecom-declarations"]["criticality"] == "critical"


def test_dora_register_uses_the_templates_codes_and_value_lists(example_exports):
    _, _, files = example_exports

    workbook = openpyxl.load_workbook(io.BytesIO(files["dora"].content))

    assert workbook.sheetnames == ["About", "B_05.01", "B_02.02", "B_07.01"]
    for name, columns in (("B_05.01", B_05_01), ("B_02.02", B_02_02), ("B_07.01", B_07_01)):
        header = [c.value for c in workbook[name][1]]
        assert header[: len(columns)] == [code for code, _ in columns]
    providers = {(r[4], r[7]) for r in workbook["B_05.01"].iter_rows(min_row=3, values_only=True)}
    assert ("Amazon Web Services EMEA SARL", "eba_GA:LU") in providers
    services = [r for r in workbook["B_02.02"].iter_rows(min_row=3, values_only=True)]
    assert {r[5] for r in services} <= {f"eba_TA:S{i:02d}" for i in range(1, 20)} | {None}
    assert {r[13] for r in services} <= {"eba_BT:x28", "eba_BT:x29"}
    assert {r[17] for r in services} <= {"eba_ZZ:x794", "eba_ZZ:x795", "eba_ZZ:x796", "eba_ZZ:x797"}
    assert "example-customs-agency" not in {r[12] for r in workbook["B_05.01"].iter_rows(min_row=3, values_only=True)}


def test_json_holds_findings_with_evidence_and_scores(example_exports):
    store, sid, files = example_exports

    doc = json.loads(files["json"].content)

    assert len(doc["findings"]) == sum(store.finding_counts(sid).values())
    assert set(doc["scores"]["exposure"]) == set(store.scores(sid, "exposure"))


# -- the command line -------------------------------------------------------------------------
def test_export_command_writes_each_format(example_exports, tmp_path):
    store, _, _ = example_exports
    url = str(store.engine.url)
    runner = CliRunner()

    csv_result = runner.invoke(app, ["export", "--db", url, "--format", "csv", "--out", str(tmp_path / "csv")])
    xlsx_result = runner.invoke(app, ["export", "--db", url, "--format", "xlsx", "--out", str(tmp_path / "out" / "r.xlsx")])

    assert csv_result.exit_code == 0, csv_result.output
    assert {p.name for p in (tmp_path / "csv").iterdir()} >= {"risks.csv", "exposure.csv", "summary.csv"}
    assert xlsx_result.exit_code == 0, xlsx_result.output
    assert openpyxl.load_workbook(tmp_path / "out" / "r.xlsx").sheetnames[0] == "Summary"


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "docx", "--out", "x.docx"], "--format must be one of"),
    (["--format", "xlsx", "--out", "."], "is a folder"),
])
def test_export_command_refuses_bad_arguments(example_exports, args, message):
    store, _, _ = example_exports

    result = CliRunner().invoke(app, ["export", "--db", str(store.engine.url), *args])

    assert result.exit_code == 2
    assert message in result.output
