"""Exports: the snapshot as CSV, XLSX, JSON, an HTML or PDF board report, GraphML or a DORA-style register."""

import streamlit as st

from dashboards import state
from sovmap.exports import FORMATS, export_bytes, file_name

st.title("Exports")
snapshot_id = state.pick_snapshot()
if snapshot_id is not None:
    st.caption("The same files as `sovmap export --format F --out PATH`. Each is made when you press its button. "
               "Text cells in CSV and XLSX are neutralised so that a spreadsheet never evaluates them.")
    store = state.store()

    def maker(fmt: str):
        # Built on the download's own thread, so a slow report does not hold up the page.
        def make() -> bytes:
            return export_bytes(fmt, store, snapshot_id).content
        return make

    labels = {"csv": "CSV (zip)", "xlsx": "Excel workbook", "json": "JSON", "html": "Board report (HTML)",
              "pdf": "Board report (PDF)", "graphml": "Dependency graph (GraphML)", "dora": "DORA register (XLSX)"}
    for fmt, spec in FORMATS.items():
        left, right = st.columns([1, 3])
        left.download_button(labels[fmt], data=maker(fmt), file_name=file_name(fmt, snapshot_id), mime=spec.mime, key=f"export-{fmt}",
                             on_click="ignore", icon=":material/download:", width="stretch")
        right.markdown(spec.summary + (" (charts need Chromium on the server; a report without it says so)"
                                       if fmt in ("html", "pdf") else ""))
