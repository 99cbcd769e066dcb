"""Access to the dashboard: local only without login; sign-in and roles with OIDC configured."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from conftest import FIXTURES, ROOT
from dashboards.access import LOCAL, RISK_OWNER, VIEWER, auth_in_secret_files, role_for
from inventory.store import open_store
from sovmap.cli import app
from sovmap.scan import run_scan

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
        "client_id": "sovmap", "client_secret": "s", "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}


@pytest.mark.parametrize(
    ("user", "auth", "owners", "expected"),
    [
        (None, False, set(), LOCAL),
        ("ciso@agency.eu", True, {"CISO@agency.eu"}, RISK_OWNER),
        ("analyst@agency.eu", True, {"ciso@agency.eu"}, VIEWER),
        (None, True, {"ciso@agency.eu"}, VIEWER),
    ],
)
def test_roles(user, auth, owners, expected):
    assert role_for(user, auth=auth, owners=owners) == expected


def test_secret_files_with_an_auth_section_count_as_login_configured(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert not auth_in_secret_files(tmp_path)
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n')

    assert auth_in_secret_files(tmp_path)


def test_dashboard_refuses_to_serve_beyond_this_machine_without_login(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))

    result = CliRunner().invoke(app, ["dashboard", "--address", "0.0.0.0", "--db", f"sqlite:///{tmp_path / 'x.db'}"])

    assert result.exit_code == 2
    assert "refusing to serve on 0.0.0.0: no login is configured" in result.stderr


@pytest.fixture(scope="module")
def db_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('access') / 'a.db'}"
    store = open_store(url)
    run_scan(FIXTURES / "small" / "sovmap.yaml", store, as_of=date(2026, 11, 22))
    store.close()
    return url


def test_without_login_the_app_runs_and_says_it_is_local(db_url, monkeypatch):
    monkeypatch.setenv("SOVMAP_DATABASE_URL", db_url)

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()

    assert not at.exception
    assert any("Local mode" in c.value for c in at.sidebar.caption)
    assert at.metric  # the overview is shown


def test_with_login_configured_nothing_is_shown_before_sign_in(db_url, monkeypatch):
    monkeypatch.setenv("SOVMAP_DATABASE_URL", db_url)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.secrets["auth"] = AUTH

    at.run()

    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.dataframe
