"""Dashboard: data functions and figure builders on their own, then the app in AppTest."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from conftest import FIXTURES, ROOT
from dashboards import data, figures
from inventory.store import open_store
from sovmap.scan import run_scan


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    path = tmp_path_factory.mktemp("dash") / "dash.db"
    url = f"sqlite:///{path}"
    store = open_store(url)
    sid = run_scan(FIXTURES / "small" / "sovmap.yaml", store, as_of=date(2026, 11, 22)).snapshot_id
    yield url, store, sid
    store.close()


def test_findings_frame_puts_implicit_and_severe_first(scanned):
    _, store, sid = scanned

    frame = data.findings_frame(store, sid)

    assert list(frame["status"]) == sorted(frame["status"], key=data.STATUS_ORDER.get)
    implicit = frame[frame["status"] == "implicit"]
    assert list(implicit["severity"]) == sorted(implicit["severity"], key=data.SEVERITY_ORDER.get)
    assert len(frame) == sum(store.finding_counts(sid).values())


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


def test_status_donut_has_three_slices():
    fig = figures.status_donut(3, 2, 1)

    assert list(fig.data[0].values) == [3, 2, 1]


def test_overview_page_runs_and_shows_the_headline(scanned, monkeypatch):
    url, store, sid = scanned
    monkeypatch.setenv("SOVMAP_DATABASE_URL", url)

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()

    assert not at.exception, [e.value for e in at.exception]
    metric = next(m for m in at.metric if m.label == "Risks accepted without being stated")
    assert int(metric.value) == store.finding_counts(sid)["implicit"]
    assert at.dataframe  # implicit risks and exposure tables


def test_overview_page_on_an_empty_store_says_to_scan(tmp_path, monkeypatch):
    monkeypatch.setenv("SOVMAP_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()

    assert not at.exception
    assert any("sovmap scan" in e.value for e in at.info)
