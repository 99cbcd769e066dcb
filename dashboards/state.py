"""The running app's view of the store: one cached handle, cached queries, URL-kept choices.

Every cached query is keyed by the database URL as well as its arguments, so two stores
never share answers. Snapshots never change once written, so answers keyed by snapshot
id are cached for good; only the list of snapshots and the register's pending entries
are refreshed. Choices (snapshot, filters, focus) live in the URL, so a view is a link.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

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


@st.cache_data(show_spinner=False)
def _findings(db: str, snapshot_id: int, status: str | None):
    return data.findings_frame(_store(db), snapshot_id, status)


@st.cache_data(show_spinner=False)
def _exposure(db: str, snapshot_id: int):
    return data.exposure_frame(_store(db), snapshot_id)


@st.cache_data(show_spinner=False)
def _exposure_scores(db: str, snapshot_id: int):
    return _store(db).scores(snapshot_id, "exposure")


@st.cache_data(show_spinner=False, ttl=10)
def _overview(db: str, snapshot_id: int):
    return data.overview(_store(db), snapshot_id)


@st.cache_data(show_spinner=False, ttl=10)
def _changes(db: str, snapshot_id: int):
    return data.changes(_store(db), snapshot_id)


@st.cache_data(show_spinner=False, ttl=10)
def _snapshots(db: str):
    return data.snapshot_choices(_store(db))


@st.cache_data(show_spinner=False)
def _call(db: str, name: str, snapshot_id: int, args: tuple, kwargs: tuple):
    return getattr(data, name)(_store(db), snapshot_id, *args, **dict(kwargs))


@st.cache_resource(show_spinner="Building the dependency graph of this snapshot…", max_entries=4)
def _graph(db: str, snapshot_id: int) -> data.SnapshotGraph:
    return data.load_snapshot_graph(_store(db), snapshot_id)


@st.cache_resource(show_spinner=False, max_entries=4)
def _index(db: str, snapshot_id: int) -> data.EstateIndex:
    return data.build_estate_index(_graph(db, snapshot_id).graph)


def findings(snapshot_id: int, status: str | None = None):
    return _findings(url(), snapshot_id, status)


def exposure(snapshot_id: int):
    return _exposure(url(), snapshot_id)


def exposure_scores(snapshot_id: int) -> dict:
    return _exposure_scores(url(), snapshot_id)


def overview(snapshot_id: int):
    return _overview(url(), snapshot_id)


def changes(snapshot_id: int):
    return _changes(url(), snapshot_id)


def cached(name: str, snapshot_id: int, *args: Any, **kwargs: Any):
    """A data function of :mod:`dashboards.data` over (store, snapshot), cached per database."""
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, (list, set)) else v) for k, v in kwargs.items()))
    return _call(url(), name, snapshot_id, args, frozen)


def graph(snapshot_id: int) -> data.SnapshotGraph:
    return _graph(url(), snapshot_id)


def index(snapshot_id: int) -> data.EstateIndex:
    return _index(url(), snapshot_id)


def pending(snapshot_id: int):
    """Acceptances recorded since the snapshot (never cached: they change as people record)."""
    return data.pending_acceptances(store(), snapshot_id)


def finding(snapshot_id: int, finding_id: str) -> dict | None:
    rows = [r for r in store().findings(snapshot_id) if r["id"] == finding_id]
    return rows[0] if rows else None


# -- choices kept in the URL -------------------------------------------------------------------
def param(name: str, default: str | None = None) -> str | None:
    value = st.query_params.get(name)
    return value if value not in (None, "") else default


def set_param(name: str, value: Any, default: Any = None) -> None:
    """Keep a choice in the URL; the default is left out so that links stay short."""
    if isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
        default = ",".join(str(v) for v in default) if isinstance(default, (list, tuple)) else default
    if value in (None, "") or value == default:
        if name in st.query_params:
            del st.query_params[name]
    elif st.query_params.get(name) != str(value):
        st.query_params[name] = str(value)


def select_param(
    label: str, options: Sequence, name: str, default: Any = None, *, container: Any = None,
    format_func: Callable[[Any], str] = str, widget: str = "selectbox", **kwargs: Any,
) -> Any:
    """A selectbox (or ``widget="radio"``) whose choice is kept in the URL as ``?name=value``."""
    options = list(options)
    if not options:
        return None
    wanted = param(name)
    by_text = {str(o): o for o in options}
    value = by_text.get(wanted, default if default in options else options[0])
    make = getattr(container or st, widget)
    chosen = make(label, options, index=options.index(value), format_func=format_func, key=f"qp_{name}", **kwargs)
    set_param(name, chosen, default if default in options else options[0])
    return chosen


def multiselect_param(
    label: str, options: Sequence[str], name: str, default: Sequence[str] | None = None, *, container: Any = None, **kwargs: Any,
) -> list[str]:
    """A multiselect whose choices are kept in the URL as ``?name=a,b``."""
    options = list(options)
    default = list(options if default is None else default)
    wanted = param(name)
    value = [v for v in wanted.split(",") if v in options] if wanted is not None else default
    chosen = (container or st).multiselect(label, options, default=value, key=f"qp_{name}", **kwargs)
    set_param(name, chosen, default)
    return chosen


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
    index_ = ids.index(int(wanted)) if wanted and wanted.isdigit() and int(wanted) in ids else 0
    labels = {c["id"]: f"#{c['id']} · {c['created_at']:%Y-%m-%d %H:%M} · {c['status']}" for c in choices}
    chosen = st.sidebar.selectbox("Snapshot", ids, index=index_, format_func=labels.get, key="snapshot_picker")
    if chosen != ids[0] or "snapshot" in st.query_params:
        st.query_params["snapshot"] = str(chosen)
    return chosen


def user_name() -> str | None:
    """The logged-in user when Streamlit's OIDC login is configured and used, else None."""
    from dashboards.access import current_user

    return current_user()


def map_config() -> dict:
    """Plotly config for maps: the base map from the dashboard's own ``static/`` when it serves it.

    ``sovmap dashboard`` turns Streamlit's static serving on; without it (``streamlit run``
    by hand) plotly.js falls back to its CDN.
    """
    if not st.get_option("server.enableStaticServing"):
        return {}
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return {"topojsonURL": f"/{base + '/' if base else ''}app/static/"}


@st.cache_data(show_spinner="Running the scenario…", max_entries=64)
def _scenario(db: str, snapshot_id: int, kind: str, target: str, to: str | None, hours: float | None) -> dict:
    from analyzer.scenarios import run_scenario

    sg = _graph(db, snapshot_id)
    return run_scenario(sg.graph, kind, target, to=to, catalog=sg.catalog, hours=hours).as_dict()


def scenario(snapshot_id: int, kind: str, target: str, *, to: str | None = None, hours: float | None = None) -> dict:
    """One scenario's result over the snapshot's graph (see :func:`analyzer.scenarios.run_scenario`)."""
    return _scenario(url(), snapshot_id, kind, target, to, hours)
