"""The running app's view of the store: one cached handle, cached queries, URL-kept choices.

Every cached query is keyed by the database URL as well as its arguments, so two stores
never share answers.
"""

from __future__ import annotations

import streamlit as st

from dashboards import data
from inventory.store import Store, open_store
from sovmap.config import resolve_database_url
from sovmap.errors import StoreError


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return open_store(url)


def url() -> str:
    return resolve_database_url()


def store() -> Store:
    return _store(url())


# Snapshots never change once written, so results keyed by snapshot id can be cached for good.
@st.cache_data(show_spinner=False)
def _findings(db: str, snapshot_id: int, status: str | None):
    return data.findings_frame(_store(db), snapshot_id, status)


@st.cache_data(show_spinner=False)
def _exposure(db: str, snapshot_id: int):
    return data.exposure_frame(_store(db), snapshot_id)


@st.cache_data(show_spinner=False, ttl=10)
def _overview(db: str, snapshot_id: int):
    return data.overview(_store(db), snapshot_id)


@st.cache_data(show_spinner=False, ttl=10)
def _snapshots(db: str):
    return data.snapshot_choices(_store(db))


def findings(snapshot_id: int, status: str | None = None):
    return _findings(url(), snapshot_id, status)


def exposure(snapshot_id: int):
    return _exposure(url(), snapshot_id)


def overview(snapshot_id: int):
    return _overview(url(), snapshot_id)


def finding(snapshot_id: int, finding_id: str) -> dict | None:
    rows = [r for r in store().findings(snapshot_id) if r["id"] == finding_id]
    return rows[0] if rows else None


def pick_snapshot() -> int | None:
    """The snapshot picker in the sidebar; the choice is kept in the URL (``?snapshot=N``)."""
    try:
        choices = _snapshots(url())
    except StoreError as exc:
        st.error(str(exc))
        return None
    if not choices:
        st.info("The store holds no snapshot yet. Run `sovmap scan -c sovmap.yaml` first.")
        return None
    ids = [c["id"] for c in choices]
    wanted = st.query_params.get("snapshot")
    index = ids.index(int(wanted)) if wanted and wanted.isdigit() and int(wanted) in ids else 0
    labels = {c["id"]: f"#{c['id']} · {c['created_at']:%Y-%m-%d %H:%M} · {c['status']}" for c in choices}
    chosen = st.sidebar.selectbox("Snapshot", ids, index=index, format_func=labels.get, key="snapshot_picker")
    if chosen != ids[0] or "snapshot" in st.query_params:
        st.query_params["snapshot"] = str(chosen)
    return chosen
