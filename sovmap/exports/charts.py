"""The report's charts as PNG images: the dashboard's plotly figures, drawn by kaleido in Chromium.

kaleido drives a headless Chrome or Chromium that is already installed (``BROWSER_PATH``,
else ``chromium``, ``chromium-browser``, ``google-chrome`` on the PATH); it downloads
nothing. Without one, the reports are still written, with a notice where the charts
would be, and :func:`render` says why.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Mapping

import plotly.graph_objects as go

from dashboards import figures
from dashboards.geo import TOPOJSON_DIR
from sovmap.exports.views import Views

__all__ = ["BROWSERS", "find_browser", "render", "report_figures"]

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
# kaleido keeps one browser per process; two exports at once (two dashboard users) take turns.
_LOCK = threading.Lock()


def find_browser() -> str | None:
    """The Chrome or Chromium kaleido will use, or None."""
    explicit = os.environ.get("BROWSER_PATH")
    if explicit:
        return explicit if os.path.isfile(explicit) else None
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def report_figures(views: Views, levels: Mapping[str, Mapping]) -> dict[str, tuple[str, go.Figure]]:
    """``{name: (caption, figure)}`` of the charts a board report shows."""
    s = views.summary
    out: dict[str, tuple[str, go.Figure]] = {
        "status": ("Findings by register status: implicit risks were never stated or accepted.",
                   figures.status_donut(s["risks accepted without being stated (implicit)"], s["acceptances expired"],
                                        s["stated and current"])),
    }
    exposure = views.tables.get("Exposure")
    if exposure is not None:
        out["exposure"] = ("The most exposed systems: confidentiality (compelled access) and availability (suspension).",
                           figures.exposure_bars(exposure, top=15))
    sov = views.tables.get("Sovereignty")
    if sov is not None:
        out["sovereignty"] = ("Systems per sovereignty level (SEAL), by criticality.", figures.seal_bars(sov))
    if levels:
        out["concentration"] = ("Concentration (HHI) at each level against its bands.", figures.hhi_bands(levels))
    conc = views.tables.get("Concentration")
    if conc is not None:
        shares = conc[conc["level"] == "provider"]
        if not shares.empty:
            out["providers"] = ("Largest providers by share of weighted dependence.", figures.share_bars(shares, top=10))
    migration = views.tables.get("Migration")
    if migration is not None:
        out["migration"] = ("Migration feasibility against criticality.", figures.feasibility_scatter(migration))
    geo = views.tables.get("Jurisdictions")
    if geo is not None:
        from dashboards.geo import iso3

        out["map"] = ("Where data is stored (blue) and which other countries reach it by law (orange).",
                      figures.world_map(geo.assign(iso3=geo["code"].map(iso3))))
    return out


def render(figs: Mapping[str, go.Figure], *, width: int = 1000, height: int | None = None) -> tuple[dict[str, bytes], str | None]:
    """PNG bytes per figure, and None; or no images and the reason none could be drawn."""
    if not figs:
        return {}, None
    browser = find_browser()
    if browser is None:
        return {}, ("no Chrome or Chromium found (install Debian's 'chromium', or set BROWSER_PATH), "
                    "so the charts are left out of this report")
    import kaleido
    from kaleido import errors

    images: dict[str, bytes] = {}
    with _LOCK:
        kaleido.start_sync_server(path=browser, silence_warnings=True)
        try:
            for name, fig in figs.items():
                h = height or int(fig.layout.height or 450)
                images[name] = kaleido.calc_fig_sync(
                    fig, opts=dict(format="png", width=width, height=min(h, 1200), scale=2),
                    topojson=TOPOJSON_DIR.as_uri() + "/",
                )
        except (errors.ChromeNotFoundError, errors.BrowserFailedError, errors.BrowserClosedError,
                errors.KaleidoError, errors.JavascriptError, TimeoutError) as exc:
            return {}, f"the charts could not be drawn ({exc.__class__.__name__}: {exc}), so they are left out of this report"
        finally:
            kaleido.stop_sync_server(silence_warnings=True)
    return images, None
