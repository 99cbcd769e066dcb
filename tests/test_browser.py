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
from pathlib import Path

import pytest

from conftest import EXAMPLE, ROOT

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
PAGES = [("overview", "")]  # (name, url path)


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

    db = tmp_path_factory.mktemp("browser") / "sovmap.db"
    url = f"sqlite:///{db}"
    store = open_store(url)
    run_scan(EXAMPLE / "sovmap.yaml", store, as_of=date(2026, 11, 22))
    store.close()
    port = _free_port()
    log_path = db.parent / "dashboard.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed in teardown
    proc = subprocess.Popen(
        [sys.executable, "-m", "sovmap.cli", "dashboard", "--db", url, "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
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
    yield f"http://127.0.0.1:{port}"
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


@pytest.mark.parametrize(("name", "path"), PAGES)
def test_page_renders_without_exception(dashboard, browser, name, path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{dashboard}/{path}", wait_until="networkidle")
    page.wait_for_selector("[data-testid='stMetric']", timeout=60_000)
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    time.sleep(1.0)  # let the charts settle before the picture

    assert page.locator("[data-testid='stException']").count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)
    if name == "overview":
        assert "Risks accepted without being stated" in page.inner_text("body")
    page.close()
