"""The dashboard in a real headless Chromium: every page loads without an exception.

Runs ``sovmap dashboard`` as a subprocess on the bundled example and drives Debian's
Chromium through Playwright. Screenshots are saved under ``artifacts/screenshots/``.
Skips with a reason when no Chromium is installed, except with CI=true, where
``.ci/run`` installs it and a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import date

import pytest
from conftest import EXAMPLE, ROOT

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
#: (name, URL path with query, title, text the page must show, what must be drawn: a CSS selector or None)
PAGES = [
    ("overview", "", "Sovereignty overview", "Risks accepted without being stated", ".js-plotly-plot .main-svg"),
    ("graph", "graph?kind=provider&key=azure", "Dependency graph", "in the blast radius of provider azure", ".js-plotly-plot .scatterlayer"),
    ("graph-estate", "graph", "Dependency graph", "Click a system, provider or jurisdiction", ".js-plotly-plot .scatterlayer"),
    ("jurisdictions", "jurisdictions?crit=critical,high", "Jurisdictions", "Foreign jurisdictions reaching the selection", ".choroplethlocation"),
    ("concentration", "concentration", "Concentration", "Single points of failure", ".js-plotly-plot .barlayer"),
    ("migration", "migration", "Migration and exit", "One system's exit", ".js-plotly-plot .scatterlayer"),
    ("scenarios", "scenarios?scenario=provider-loss&target=azure", "Scenarios", "Systems hit", ".js-plotly-plot .barlayer"),
    ("register", "register?status=implicit&crit=critical&juris=US", "Risk register", "Accept a risk", None),
    ("exports", "exports", "Exports", "DORA register", None),
]


def _chromium() -> str:
    path = os.environ.get("SOVMAP_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium must be installed when CI=true (.ci/run installs Debian's chromium)")
        pytest.skip("no chromium on PATH (apt-get install chromium)")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    from inventory.store import open_store
    from sovmap.scan import run_scan

    folder = tmp_path_factory.mktemp("browser")
    # A copy of the example: accepting a risk in the browser writes to its register file.
    shutil.copytree(EXAMPLE, folder / "example")
    db = folder / "sovmap.db"
    url = f"sqlite:///{db}"
    store = open_store(url)
    run_scan(folder / "example" / "sovmap.yaml", store, as_of=date(2026, 11, 22))
    store.close()
    port = _free_port()
    log_path = db.parent / "dashboard.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed in teardown
    # As the served dashboard runs: no file watcher (a source tree being edited would rerun
    # pages endlessly), and its own static files (the base map) served locally.
    env = dict(os.environ, STREAMLIT_SERVER_FILE_WATCHER_TYPE="none", STREAMLIT_SERVER_ENABLE_STATIC_SERVING="true")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sovmap", "dashboard", "--db", url, "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None:
                log.close()
                raise RuntimeError(log_path.read_text(errors="replace"))
            time.sleep(0.3)
    else:
        proc.kill()
        log.close()
        raise RuntimeError("the dashboard did not start within 60 s")
    yield f"http://127.0.0.1:{port}", folder / "example"
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=executable, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


def _settle(page) -> None:
    """Wait until Streamlit has finished running the page's script."""
    page.wait_for_function(
        "() => !document.querySelector(\"[data-testid='stStatusWidget']\")"
        " || document.querySelector(\"[data-testid='stStatusWidget']\").innerText.trim() === ''",
        timeout=60_000,
    )


@pytest.mark.parametrize(("name", "path", "title", "text", "drawn"), PAGES, ids=[p[0] for p in PAGES])
def test_page_renders_without_exception(dashboard, browser, name, path, title, text, drawn):
    base, _ = dashboard
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/{path}", wait_until="networkidle")
    page.wait_for_selector(f"h1:has-text('{title}')", timeout=60_000)
    page.wait_for_selector(f"text={text}", timeout=60_000)
    if drawn:
        page.wait_for_selector(drawn, timeout=60_000)
    _settle(page)
    time.sleep(1.0)  # let the charts settle before the picture

    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("[data-testid='stAlertContentError']").count() == 0, page.locator(
        "[data-testid='stAlertContentError']").all_inner_texts()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)
    page.close()


def test_a_risk_is_accepted_in_the_browser_and_written_to_the_register(dashboard, browser):
    base, example = dashboard
    register = example / "risk-register.yaml"
    before = register.read_text(encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/register?status=implicit&crit=critical&juris=US&type=foreign-law-access", wait_until="networkidle")
    page.wait_for_selector("text=Select an implicit or expired finding", timeout=60_000)
    _settle(page)

    # The table is drawn on a canvas: tick the first row's selection box by its place.
    grid = page.locator("[data-testid='stDataFrame']").first.bounding_box()
    page.mouse.click(grid["x"] + 14, grid["y"] + 35 + 17)
    page.wait_for_selector("text=Record the acceptance", timeout=60_000)
    page.get_by_label("Owner (who carries the risk)").fill("CISO")
    page.get_by_label("Rationale (why the risk is accepted, and until what)").fill("Accepted in the browser test")
    page.get_by_label("Your name (recorded with the entry)").fill("Browser Test")
    page.get_by_text("Record the acceptance").click()
    page.wait_for_selector("text=The finding's status changes at the next scan", timeout=60_000)
    _settle(page)

    after = register.read_text(encoding="utf-8")
    assert after.startswith(before)
    assert "recorded_by: Browser Test" in after and "rationale: Accepted in the browser test" in after
    assert page.locator("text=1 acceptance(s) recorded since this snapshot").count() == 1
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "register-accepted.png"), full_page=False)
    page.close()


def test_tables_offer_no_unneutralised_csv_download(dashboard, browser):
    # Streamlit's own table download writes cells as they are: a name beginning with "="
    # would run as a formula in a spreadsheet. The Exports page writes neutralised files.
    base, _ = dashboard
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/", wait_until="networkidle")
    page.wait_for_selector("text=Risks accepted without being stated", timeout=60_000)
    _settle(page)
    table = page.locator("[data-testid='stDataFrame']").first
    table.hover()
    page.wait_for_selector("[data-testid='stElementToolbar'] button", timeout=30_000)
    labels = [b.get_attribute("aria-label") or b.inner_text() for b in page.locator("[data-testid='stElementToolbar'] button").all()]
    assert labels, "the table toolbar shows no buttons at all"
    assert not [label for label in labels if "download" in label.lower()], labels
    page.close()
