"""Dashboard: data functions and figure builders on their own, then every page in AppTest."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import EXAMPLE, FIXTURES, ROOT
from dashboards import data, figures
from dashboards.geo import COUNTRIES, iso3, mapped_iso3
from inventory.store import open_store
from sovmap.scan import run_scan

AS_OF = date(2026, 11, 22)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    path = tmp_path_factory.mktemp("dash") / "dash.db"
    url = f"sqlite:///{path}"
    store = open_store(url)
    sid = run_scan(FIXTURES / "small" / "sovmap.yaml", store, as_of=AS_OF).snapshot_id
    yield url, store, sid
    store.close()


@pytest.fixture(scope="module")
def small_graph(scanned):
    _, store, sid = scanned
    sg = data.load_snapshot_graph(store, sid)
    return sg, data.build_estate_index(sg.graph)


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The bundled example, scanned twice with a register change between, in a store of its own."""
    folder = tmp_path_factory.mktemp("example")
    shutil.copytree(EXAMPLE, folder / "customs-agency")
    config = folder / "customs-agency" / "sovmap.yaml"
    url = f"sqlite:///{folder / 'sovmap.db'}"
    store = open_store(url)
    first = run_scan(config, store, as_of=AS_OF).snapshot_id
    register = config.parent / "risk-register.yaml"
    text = register.read_text(encoding="utf-8")
    # One acceptance withdrawn: its findings become implicit in the second snapshot.
    start = text.index("  - id: RA-2026-02")
    end = text.index("  - id: RA-2026-03")
    register.write_text(text[:start] + text[end:], encoding="utf-8")
    second = run_scan(config, store, as_of=AS_OF).snapshot_id
    yield url, store, first, second
    store.close()


# -- data functions ------------------------------------------------------------------------
def test_findings_frame_puts_implicit_and_severe_first(scanned):
    _, store, sid = scanned

    frame = data.findings_frame(store, sid)

    assert list(frame["status"]) == sorted(frame["status"], key=data.STATUS_ORDER.get)
    implicit = frame[frame["status"] == "implicit"]
    assert list(implicit["severity"]) == sorted(implicit["severity"], key=data.SEVERITY_ORDER.get)
    assert len(frame) == sum(store.finding_counts(sid).values())


def test_findings_frame_carries_criticality_and_jurisdiction(scanned):
    _, store, sid = scanned

    frame = data.findings_frame(store, sid)

    row = frame[frame["id"] == "foreign-law-access:intake:US"].iloc[0]
    assert (row["criticality"], row["jurisdiction"]) == ("critical", "US")


def test_exposure_frame_and_bars(scanned):
    _, store, sid = scanned

    frame = data.exposure_frame(store, sid)
    fig = figures.exposure_bars(frame)

    assert set(frame["system"]) == {"intake", "archive", "identity"}
    assert [t.name for t in fig.data] == ["confidentiality (compelled access)", "availability (suspension)"]
    assert len(fig.data[0].y) == 3


def test_overview_counts_match_the_store(scanned):
    _, store, sid = scanned

    ov = data.overview(store, sid)

    assert ov["implicit"] == store.finding_counts(sid)["implicit"]
    assert ov["implicit_delta"] is None  # no earlier snapshot


def test_changes_name_the_findings_whose_acceptance_was_withdrawn(example):
    _, store, first, second = example

    ch = data.changes(store, second)

    assert ch["previous_id"] == first
    changed = {(r["id"], r["was"], r["now"]) for r in ch["status"].to_dict("records")}
    assert ("foreign-suspension:collaboration:US", "stated", "implicit") in changed
    assert ch["new"].empty and ch["gone"].empty


def test_geo_frame_filters_by_criticality(scanned):
    _, store, sid = scanned

    everything = data.geo_frame(store, sid)
    critical = data.geo_frame(store, sid, criticalities=["critical"])

    assert {(r["code"], r["data systems"] > 0) for r in everything.to_dict("records")} >= {("DE", True), ("US", False)}
    assert set(critical["code"]) <= set(everything["code"])
    assert critical["reached systems"].max() <= 2  # intake and identity


def test_every_catalog_country_has_a_map_code(bundled_catalog):
    missing = sorted(code for code in bundled_catalog.countries if code not in COUNTRIES)

    assert missing == []
    assert iso3("NL") in mapped_iso3()


def test_acceptances_frame_states_current_expired_and_stale(example):
    _, store, first, _ = example

    frame = data.acceptances_frame(store, first)

    states = dict(zip(frame["id"], frame["state"]))
    assert states["RA-2026-01"] == "current"
    assert states["RA-2025-03"] == "expired"
    assert states["RA-2023-08"] == "stale"


def test_migration_frame_puts_critical_first(example):
    _, store, first, _ = example

    frame = data.migration_frame(store, first)

    order = [data.CRITICALITIES.index(c) for c in frame["criticality"]]
    assert order == sorted(order)
    assert frame["feasibility"].between(0, 100).all()


# -- the graph explorer ----------------------------------------------------------------------
def test_estate_index_aggregates_components_to_providers(small_graph):
    _, idx = small_graph

    assert dict(idx.system_providers["intake"]) == {"bigco": 2}
    assert idx.uses["intake"] == {"identity"}  # intake-db authenticates via idp
    assert "US" in idx.provider_countries["bigco"]


def test_blast_radius_of_a_provider_follows_dependencies(small_graph):
    _, idx = small_graph

    hit = data.blast_radius(idx, "provider", "bigco")

    assert set(hit.items()) >= {("intake", 0), ("identity", 0)}
    assert hit["archive"] >= 0  # archive depends on intake and uses idp


def test_graph_view_of_a_system_draws_its_dependents_and_providers(small_graph):
    _, idx = small_graph

    view = data.build_graph_view(idx, ("system", "identity"))

    nodes = {(n["id"], n["hit"]) for n in view.nodes}
    assert ("system:identity", True) in nodes
    assert ("system:intake", True) in nodes  # depends on the identity provider
    assert ("provider:bigco", False) in nodes
    assert {(e["source"], e["target"]) for e in view.edges} >= {("system:intake", "system:identity")}


def test_graph_view_never_draws_more_than_its_limit():
    systems = {f"s{i}": {"name": f"S{i}", "criticality": "high", "classification": "internal"} for i in range(500)}
    idx = data.EstateIndex(
        systems=systems, components={s: [] for s in systems},
        system_providers={s: Counter({f"p{i % 60}": 1}) for i, s in enumerate(systems)},
        provider_countries={f"p{i}": {"US": {"legal-entity"}} for i in range(60)}, uses={s: set() for s in systems},
    )

    view = data.build_graph_view(idx, None, per_column=25)

    assert len(view.nodes) <= 3 * 26
    assert view.hidden == {"systems": 475, "providers": 35}
    assert sum(1 for n in view.nodes if n["kind"] == "more") == 2


def test_graph_view_drills_down_to_components(small_graph):
    _, idx = small_graph

    view = data.build_graph_view(idx, ("system", "archive"), components=True)

    assert {n["id"] for n in view.nodes if n["kind"] == "component"} == {"component:archive-store", "component:archive-srv"}


def test_network_figure_carries_node_ids_for_click_through(small_graph):
    _, idx = small_graph
    view = data.build_graph_view(idx, ("provider", "bigco"))

    fig = figures.network(view)

    ids = {i for trace in fig.data if trace.customdata is not None for i in trace.customdata}
    assert {"provider:bigco", "system:intake"} <= ids
    assert len(fig.layout.xaxis.ticktext) == len(view.columns)


def test_node_details_of_a_provider_name_its_ownership_chain(small_graph):
    sg, idx = small_graph

    details = data.node_details(sg, idx, "provider", "bigco")

    assert details["ownership"][-1]["country"] == "US"
    assert "intake" in details["systems on it"]


# -- figures -----------------------------------------------------------------------------------
def test_status_donut_has_three_slices():
    fig = figures.status_donut(3, 2, 1)

    assert list(fig.data[0].values) == [3, 2, 1]


def test_world_map_separates_data_from_reach(scanned):
    _, store, sid = scanned

    fig = figures.world_map(data.geo_frame(store, sid))

    by_name = {t.name: set(t.locations) for t in fig.data}
    assert "DEU" in by_name["data stored here"]
    assert "USA" in by_name["reaches by law"]


def test_hhi_bands_show_every_level(example):
    _, store, first, _ = example

    fig = figures.hhi_bands(data.concentration_levels(store, first))

    assert list(fig.data[0].y) == ["by provider", "by parent", "by jurisdiction"]


def test_figures_escape_names_from_the_inventory():
    frame = pd.DataFrame([{"system": "x", "name": "<a href='javascript:alert(1)'>x</a>", "criticality": "high",
                                "confidentiality": 80.0, "availability": 40.0, "confidentiality level": "high",
                                "availability level": "medium"}])

    fig = figures.exposure_bars(frame)

    assert all("<a" not in label for label in fig.data[0].y)


def test_scenario_bars_use_the_exit_time_when_an_outage_has_no_end():
    hit = {"criticality": "critical", "rto_hours": 4, "outage_hours": None, "rto_breach": True, "data_classes": []}
    result = {"systems_hit": [
        dict(hit, system="a", name="A", path=["system:a", "component:x"]),
        dict(hit, system="b", name="B", path=["system:b", "system:a", "component:x"]),  # down until a is rebuilt
        dict(hit, system="c", name="C", path=["system:c", "component:y"]),
    ]}

    fig = figures.scenario_bars(result, exit_days={"a": 100.0, "b": 0.0})

    assert dict(zip(fig.data[0].customdata, fig.data[0].x)) == {"until rebuilt elsewhere (exit time)": 2400.0, "no end known": 1}
    assert list(fig.data[0].x).count(2400.0) == 2


# -- the app, page by page ------------------------------------------------------------------------
PAGES = ["overview", "graph", "jurisdictions", "concentration", "migration", "scenarios", "register", "exports"]


def _app(url, monkeypatch, page: str | None = None, **params) -> AppTest:
    monkeypatch.setenv("SOVMAP_DATABASE_URL", url)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    if page is not None and page != "overview":
        at.switch_page(f"dashboards/pages/{page}.py")
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_the_example(example, monkeypatch, page):
    url, _, _, _ = example

    at = _app(url, monkeypatch, page)

    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title


def test_overview_page_shows_the_headline_and_the_change(example, monkeypatch):
    url, store, _, second = example

    at = _app(url, monkeypatch)

    metric = next(m for m in at.metric if m.label == "Risks accepted without being stated")
    assert int(metric.value) == store.finding_counts(second)["implicit"]
    changed = next(m for m in at.metric if m.label == "Status changed")
    assert int(changed.value) >= 1


def test_graph_page_opens_a_provider_from_the_url(example, monkeypatch):
    url, _, first, _ = example

    at = _app(url, monkeypatch, "graph", snapshot=str(first), kind="provider", key="azure")

    assert not at.exception
    assert any("Blast radius" in m.value for m in at.markdown)
    assert at.query_params["key"] == ["azure"] or at.query_params["key"] == "azure"


def test_scenarios_page_runs_a_provider_loss(example, monkeypatch):
    url, _, _, _ = example

    at = _app(url, monkeypatch, "scenarios", scenario="provider-loss", target="azure")

    assert not at.exception
    hit = next(m for m in at.metric if m.label == "Systems hit")
    assert int(hit.value) > 0


def test_register_page_filters_from_the_url(example, monkeypatch):
    url, _, _, _ = example

    at = _app(url, monkeypatch, "register", status="implicit", crit="critical", juris="US")

    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["status"]) == {"implicit"} and set(table["criticality"]) == {"critical"}
    assert set(table["jurisdiction"]) == {"US"}


def test_overview_page_on_an_empty_store_says_to_scan(tmp_path, monkeypatch):
    at = _app(f"sqlite:///{tmp_path / 'empty.db'}", monkeypatch)

    assert not at.exception
    assert any("sovmap scan" in e.value for e in at.info)
