"""Plotly figure builders: data in, figure out; no Streamlit, tested on their own.

The same figures go into the dashboard and, as images, into the HTML and PDF reports.
"""

from __future__ import annotations

import html
import zlib
from collections.abc import Iterable, Mapping

import pandas as pd
import plotly.graph_objects as go

from dashboards.data import CRITICALITIES, SEAL_NAMES, GraphView, rebuild_days

LEVEL_COLOURS = {"none": "#2e7d32", "low": "#9ccc65", "medium": "#ffb300", "high": "#c62828"}
STATUS_COLOURS = {"implicit": "#c62828", "expired": "#ef6c00", "stated": "#2e7d32"}
CRITICALITY_COLOURS = {"critical": "#b71c1c", "high": "#ef6c00", "medium": "#f9a825", "low": "#9e9e9e"}
BAND_COLOURS = {"low": "#c8e6c9", "moderate": "#ffe0b2", "high": "#ffcdd2"}
FEASIBILITY_COLOURS = {"low": "#c62828", "medium": "#ffb300", "high": "#2e7d32"}
HIT = "#d50000"
#: HHI band limits (scoring.concentration.band): below 1000 low, up to 1800 moderate, above high.
HHI_BANDS = (("low", 0, 1000), ("moderate", 1000, 1800), ("high", 1800, 10000))
MARGIN = dict(l=10, r=10, t=40, b=10)

__all__ = [
    "exit_breakdown", "exposure_bars", "feasibility_scatter", "hhi_bands", "network", "scenario_bars",
    "seal_bars", "share_bars", "status_donut", "world_map",
]


def _safe(texts: Iterable[object]) -> list[str]:
    """Names from inventories, escaped: plotly renders a subset of HTML (links too) in labels."""
    return [html.escape(str(t), quote=False) for t in texts]


def _empty(message: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(height=200, margin=MARGIN, xaxis_visible=False, yaxis_visible=False,
                      annotations=[dict(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")])
    return fig


def exposure_bars(frame: pd.DataFrame, *, top: int = 30) -> go.Figure:
    """Confidentiality and availability exposure per system, the most exposed first."""
    if frame.empty:
        return _empty("No systems in this snapshot")
    fig = go.Figure()
    data = frame.head(top).iloc[::-1]
    labels = _safe(f"{n} ({c})" for n, c in zip(data["name"], data["criticality"]))
    fig.add_bar(y=labels, x=data["confidentiality"], name="confidentiality (compelled access)", orientation="h",
                marker_color="#6a1b9a", customdata=data["confidentiality level"],
                hovertemplate="%{y}<br>confidentiality %{x:.0f} (%{customdata})<extra></extra>")
    fig.add_bar(y=labels, x=data["availability"], name="availability (suspension)", orientation="h",
                marker_color="#ef6c00", customdata=data["availability level"],
                hovertemplate="%{y}<br>availability %{x:.0f} (%{customdata})<extra></extra>")
    fig.update_layout(
        barmode="group", height=max(300, 26 * len(data) + 120), xaxis=dict(range=[0, 100], title="exposure (0-100)"),
        legend=dict(orientation="h", y=1.02, x=0), margin=MARGIN,
    )
    return fig


def status_donut(implicit: int, expired: int, stated: int) -> go.Figure:
    """Findings by register status: implicit (never stated), expired, stated."""
    fig = go.Figure(go.Pie(
        labels=["implicit", "expired", "stated"], values=[implicit, expired, stated], hole=0.6, sort=False,
        marker=dict(colors=[STATUS_COLOURS[s] for s in ("implicit", "expired", "stated")]),
    ))
    fig.update_layout(height=260, margin=dict(l=10, r=10, t=10, b=10), showlegend=True)
    return fig


def seal_bars(frame: pd.DataFrame) -> go.Figure:
    """Systems per sovereignty level (SEAL-0 .. SEAL-4), stacked by criticality."""
    if frame.empty:
        return _empty("No sovereignty levels in this snapshot")
    fig = go.Figure()
    levels = list(SEAL_NAMES)
    for crit in CRITICALITIES:
        part = frame[frame["criticality"] == crit]
        counts = [int((part["seal"] == level).sum()) for level in levels]
        fig.add_bar(x=[SEAL_NAMES[level] for level in levels], y=counts, name=crit, marker_color=CRITICALITY_COLOURS[crit],
                    hovertemplate="%{x}<br>%{y} " + crit + " system(s)<extra></extra>")
    fig.update_layout(barmode="stack", height=320, margin=MARGIN, yaxis_title="systems",
                      legend=dict(orientation="h", y=1.08, x=0))
    return fig


# -- the dependency graph --------------------------------------------------------------
_NODE_STYLE = {
    "system": dict(symbol="circle", size=16),
    "provider": dict(symbol="square", size=18),
    "jurisdiction": dict(symbol="diamond", size=18),
    "component": dict(symbol="circle", size=9),
    "more": dict(symbol="circle-open", size=14),
}
_KIND_COLOURS = {"provider": "#1565c0", "jurisdiction": "#6a1b9a", "component": "#607d8b", "more": "#9e9e9e"}
_EDGE_STYLE = {
    "depends_on": dict(color="#90a4ae", dash="dot", width=1.2),
    "part_of": dict(color="#b0bec5", dash="solid", width=1),
    "runs_on": dict(color="#90caf9", dash="solid", width=1.4),
    "reach": dict(color="#ce93d8", dash="solid", width=1.4),
}


def _positions(view: GraphView) -> dict[str, tuple[float, float]]:
    """Columns left to right; within a column, nodes ordered by their neighbours' places (one barycentre pass)."""
    columns: dict[int, list[dict]] = {}
    for n in view.nodes:
        columns.setdefault(n["column"], []).append(n)
    neighbours: dict[str, list[str]] = {}
    for e in view.edges:
        neighbours.setdefault(e["source"], []).append(e["target"])
        neighbours.setdefault(e["target"], []).append(e["source"])
    pos: dict[str, tuple[float, float]] = {}
    for column in sorted(columns):
        nodes = columns[column]
        if column > 0:
            def centre(n: dict) -> float:
                placed = [pos[m][1] for m in neighbours.get(n["id"], []) if m in pos]
                return sum(placed) / len(placed) if placed else 0.5
            more = [n for n in nodes if n["kind"] == "more"]
            nodes = sorted((n for n in nodes if n["kind"] != "more"), key=centre, reverse=True) + more
        count = len(nodes)
        for i, n in enumerate(nodes):
            y = 0.5 if count == 1 else 1 - i / (count - 1)
            pos[n["id"]] = (float(column), y)
    return pos


def network(view: GraphView, *, title: str | None = None) -> go.Figure:
    """The dependency graph in columns (systems, providers, jurisdictions...), blast radius in red.

    Each node carries its id in ``customdata``, so that a click can open it.
    """
    if not view.nodes:
        return _empty("Nothing to draw")
    pos = _positions(view)
    hit_ids = {n["id"] for n in view.nodes if n["hit"]}
    fig = go.Figure()
    for kind, style in _EDGE_STYLE.items():
        for red in (False, True):
            xs: list[float | None] = []
            ys: list[float | None] = []
            for e in view.edges:
                if e["kind"] != kind or ((e["source"] in hit_ids and e["target"] in hit_ids) != red):
                    continue
                (x0, y0), (x1, y1) = pos[e["source"]], pos[e["target"]]
                xs += [x0, x1, None]
                ys += [y0, y1, None]
            if xs:
                line = dict(style, color=HIT, width=style["width"] + 0.8) if red else style
                fig.add_scatter(x=xs, y=ys, mode="lines", line=line, hoverinfo="skip", showlegend=False)
    # Invisible points halfway along each edge say what the edge is.
    mids = [((pos[e["source"]][0] + pos[e["target"]][0]) / 2, (pos[e["source"]][1] + pos[e["target"]][1]) / 2,
             f"{e['source'].split(':', 1)[1]} → {e['target'].split(':', 1)[1]}: {e['label']}") for e in view.edges]
    if mids:
        fig.add_scatter(x=[m[0] for m in mids], y=[m[1] for m in mids], mode="markers", marker=dict(size=6, opacity=0),
                        hovertext=_safe(m[2] for m in mids), hoverinfo="text", showlegend=False)
    for kind, style in _NODE_STYLE.items():
        nodes = [n for n in view.nodes if n["kind"] == kind]
        if not nodes:
            continue
        colours = [CRITICALITY_COLOURS.get(n["criticality"], "#78909c") if kind == "system" else _KIND_COLOURS[kind] for n in nodes]
        name = {"more": "left out (too many to draw)"}.get(kind, kind + "s")
        fig.add_scatter(
            x=[pos[n["id"]][0] for n in nodes], y=[pos[n["id"]][1] for n in nodes], mode="markers+text", name=name,
            text=_safe(n["label"] if len(n["label"]) <= 28 else n["label"][:27] + "…" for n in nodes),
            textposition="top center", textfont=dict(size=10),
            marker=dict(symbol=style["symbol"], size=[style["size"] + (6 if n["hit"] else 0) for n in nodes], color=colours,
                        line=dict(color=[HIT if n["hit"] else "#ffffff" for n in nodes], width=[3 if n["hit"] else 1 for n in nodes])),
            customdata=[n["id"] for n in nodes],
            hovertext=_safe(f"{n['kind']}: {n['label']}" + (f" ({n['criticality']})" if n["criticality"] else "")
                            + (" · in the blast radius" if n["hit"] and n["kind"] == "system" else "") for n in nodes),
            hoverinfo="text",
        )
    rows = max(sum(1 for n in view.nodes if n["column"] == c) for c in range(len(view.columns)))
    fig.update_layout(
        height=max(420, min(1400, 34 * rows + 160)), margin=dict(l=10, r=10, t=70 if title else 40, b=40),
        title=title, clickmode="event+select", dragmode="pan", hovermode="closest",
        legend=dict(orientation="h", y=0, yanchor="top", x=0),
        xaxis=dict(visible=True, showgrid=False, zeroline=False, range=[-0.5, len(view.columns) - 0.5], fixedrange=False,
                   tickmode="array", tickvals=list(range(len(view.columns))), ticktext=view.columns, side="top"),
        yaxis=dict(visible=False, range=[-0.06, 1.08]),
    )
    return fig


# -- the map -----------------------------------------------------------------------------
def world_map(frame: pd.DataFrame) -> go.Figure:
    """Where data sits (blue, by number of systems) and which other countries reach it by law (orange)."""
    if frame.empty:
        return _empty("No country in this selection")
    drawn = frame[frame["iso3"].notna()]
    data = drawn[drawn["data systems"] > 0]
    reach = drawn[(drawn["data systems"] == 0) & (drawn["reached systems"] > 0)]
    fig = go.Figure()

    def hover(part: pd.DataFrame) -> list[str]:
        return [f"<b>{r['country']}</b> ({r['code']}, {r['bloc'] or 'bloc unknown'})<br>data of {r['data systems']} system(s)<br>"
                f"reaches {r['reached systems']} system(s) via {r['via'] or '-'}" for r in part.to_dict("records")]

    if not data.empty:
        fig.add_choropleth(locations=data["iso3"], z=data["data systems"], locationmode="ISO-3", name="data stored here",
                           colorscale="Blues", zmin=0, marker_line_color="#ffffff", hovertext=hover(data), hoverinfo="text",
                           colorbar=dict(title="systems with<br>data there", x=1.0, len=0.45, y=0.75))
    if not reach.empty:
        fig.add_choropleth(locations=reach["iso3"], z=reach["reached systems"], locationmode="ISO-3", name="reaches by law",
                           colorscale="Oranges", zmin=0, marker_line_color="#ffffff", hovertext=hover(reach), hoverinfo="text",
                           colorbar=dict(title="systems reached<br>(no data there)", x=1.0, len=0.45, y=0.25))
    fig.update_geos(projection_type="natural earth", showcountries=True, countrycolor="#bdbdbd", showcoastlines=False,
                    showland=True, landcolor="#f5f5f5", showframe=False, lataxis_range=[-58, 85])
    fig.update_layout(height=520, margin=dict(l=0, r=0, t=10, b=0))
    return fig


# -- concentration -------------------------------------------------------------------------
def hhi_bands(levels: Mapping[str, Mapping]) -> go.Figure:
    """The HHI at each level against its bands (low below 1000, moderate to 1800, high above)."""
    if not levels:
        return _empty("No concentration in this snapshot")
    names = list(levels)
    fig = go.Figure()
    for band_name, lo, hi in HHI_BANDS:
        fig.add_shape(type="rect", x0=lo, x1=hi, y0=-0.5, y1=len(names) - 0.5, fillcolor=BAND_COLOURS[band_name],
                      line_width=0, layer="below")
        fig.add_annotation(x=lo, xanchor="left", y=-0.5, yanchor="bottom", text=f" {band_name}", showarrow=False,
                           font=dict(size=11, color="#616161"))
    values = [levels[n]["hhi"] for n in names]
    fig.add_bar(y=[f"by {n}" for n in names], x=values, orientation="h", marker_color="#37474f",
                text=[f"{v:,.0f} ({levels[n]['band']})" for n, v in zip(names, values)], textposition="outside",
                hovertemplate="%{y}: HHI %{x:,.0f}<extra></extra>")
    fig.update_layout(height=90 * len(names) + 90, margin=MARGIN, showlegend=False,
                      xaxis=dict(range=[0, 10000], title="Herfindahl-Hirschman index (0-10,000)"),
                      yaxis=dict(autorange="reversed"))
    return fig


def share_bars(frame: pd.DataFrame, *, top: int = 15, title: str | None = None) -> go.Figure:
    """The largest shares of weighted dependence at one level."""
    if frame.empty:
        return _empty("No shares")
    data = frame.head(top).iloc[::-1]
    fig = go.Figure(go.Bar(
        y=_safe(data["key"]), x=data["share"] * 100, orientation="h", marker_color="#1565c0",
        customdata=data["systems"], text=[f"{s:.0%}" for s in data["share"]], textposition="outside",
        hovertemplate="%{y}: %{x:.1f}% of weighted dependence, %{customdata} system(s)<extra></extra>",
    ))
    fig.update_layout(height=max(260, 24 * len(data) + 100), margin=MARGIN, title=title,
                      xaxis=dict(title="share of weighted dependence (%)", range=[0, max(100.0, float(data["share"].max() * 110))]))
    return fig


# -- migration ---------------------------------------------------------------------------
def _jitter(key: str) -> float:
    # A stable offset per system, so that systems of one criticality do not hide one another.
    return (zlib.crc32(key.encode()) % 1000) / 1000 * 0.5 - 0.25


def feasibility_scatter(frame: pd.DataFrame) -> go.Figure:
    """Migration feasibility against criticality; the danger corner (critical, hard to leave) shaded."""
    if frame.empty:
        return _empty("No systems in this snapshot")
    order = {c: i for i, c in enumerate(reversed(CRITICALITIES))}
    fig = go.Figure()
    fig.add_shape(type="rect", x0=0, x1=40, y0=1.5, y1=3.5, fillcolor="#ffcdd2", opacity=0.5, line_width=0, layer="below")
    fig.add_annotation(x=20, y=3.45, text="critical or high, hard to leave", showarrow=False, font=dict(size=11, color="#b71c1c"))
    has_days = frame["exit days"].notna().any()
    for band, colour in FEASIBILITY_COLOURS.items():
        part = frame[frame["band"] == band]
        if part.empty:
            continue
        days = part["exit days"].fillna(0) if has_days else None
        fig.add_scatter(
            x=part["feasibility"], y=[order.get(c, 0) + _jitter(s) for c, s in zip(part["criticality"], part["system"])],
            mode="markers", name=f"feasibility {band}",
            marker=dict(color=colour, size=(8 + (days.clip(upper=720) / 720) * 22) if days is not None else 12,
                        line=dict(color="#ffffff", width=1), opacity=0.85),
            customdata=[[s, n, c, "-" if pd.isna(d) else f"{d:,.0f}"] for s, n, c, d in
                        zip(part["system"], _safe(part["name"]), part["criticality"], part["exit days"])],
            hovertemplate="<b>%{customdata[1]}</b> (%{customdata[2]})<br>feasibility %{x:.0f}/100<br>exit %{customdata[3]} days<extra></extra>",
        )
    fig.update_layout(
        height=420, margin=MARGIN, legend=dict(orientation="h", y=1.08, x=0),
        xaxis=dict(range=[0, 100], title="migration feasibility (0 = locked in, 100 = easy to leave)"),
        yaxis=dict(tickmode="array", tickvals=list(order.values()), ticktext=list(order), range=[-0.5, 3.6], title=None),
    )
    return fig


def exit_breakdown(frame: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """The steps of an exit and their days, as a waterfall to the total."""
    if frame.empty:
        return _empty("No exit time in this snapshot")
    fig = go.Figure(go.Waterfall(
        orientation="h", y=_safe(frame["step"]) + ["total"], x=list(frame["days"]) + [0],
        measure=["relative"] * len(frame) + ["total"], text=[f"{d:,.0f} d" for d in frame["days"]] + [f"{frame['days'].sum():,.0f} d"],
        textposition="outside", hovertext=_safe(frame["detail"].fillna("")) + [""], connector=dict(line=dict(color="#bdbdbd")),
    ))
    fig.update_layout(height=max(240, 34 * len(frame) + 120), margin=MARGIN, title=title, xaxis_title="days",
                      yaxis=dict(autorange="reversed"))
    return fig


# -- scenarios -------------------------------------------------------------------------------
def scenario_bars(result: Mapping, *, exit_days: Mapping[str, float] | None = None, top: int = 40) -> go.Figure:
    """Systems a scenario hits: how long each is down against its RTO, breaches in red.

    A scenario without an end (a provider lost, sanctions) lasts until what the system
    rests on is rebuilt elsewhere: with ``exit_days`` the bar is the longest exit time of
    the systems on its path to what was hit (its own, or that of a system it depends
    on), else the system is marked as down with no end known.
    """
    hit = list(result.get("systems_hit") or [])
    if not hit:
        return _empty("This scenario hits no system")
    rank = {c: i for i, c in enumerate(CRITICALITIES)}
    hit.sort(key=lambda h: (not h.get("rto_breach"), rank.get(h.get("criticality"), 9), h["system"]))
    hit = hit[:top][::-1]
    labels = _safe(f"{h.get('name') or h['system']} ({h.get('criticality')})" for h in hit)
    hours: list[float | None] = []
    how: list[str] = []
    for h in hit:
        if h.get("outage_hours") is not None:
            hours.append(h["outage_hours"])
            how.append("outage")
        elif (days := rebuild_days(h, exit_days)) is not None:
            hours.append(days * 24)
            how.append("until rebuilt elsewhere (exit time)")
        else:
            hours.append(None)
            how.append("no end known")
    fig = go.Figure()
    # A log axis cannot draw 0: a system with no known end gets a stub of one hour, in grey, and says so.
    fig.add_bar(y=labels, x=[v if v is not None else 1 for v in hours], orientation="h", name="down for (hours)",
                marker_color=["#e0e0e0" if v is None else HIT if h.get("rto_breach") else "#78909c" for v, h in zip(hours, hit)],
                customdata=how,
                text=["no exit time known" if v is None else f"{v / 24:,.0f} d" if v >= 48 else f"{v:,.1f} h" for v in hours],
                textposition="outside", hovertemplate="%{y}<br>down %{x:,.0f} h: %{customdata}<extra></extra>")
    rto = [(label, h.get("rto_hours")) for label, h in zip(labels, hit) if h.get("rto_hours") is not None]
    if rto:
        fig.add_scatter(y=[r[0] for r in rto], x=[r[1] for r in rto], mode="markers", name="RTO (hours)",
                        marker=dict(symbol="line-ns-open", size=18, color="#000000", line_width=2),
                        hovertemplate="%{y}<br>RTO %{x:,.0f} h<extra></extra>")
    ticks = [(1, "1 h"), (24, "1 day"), (168, "1 week"), (720, "30 days"), (8760, "1 year")]
    fig.update_layout(height=max(300, 24 * len(hit) + 120), margin=MARGIN, legend=dict(orientation="h", y=1.06, x=0),
                      xaxis=dict(title="hours (log scale)", type="log", tickvals=[t for t, _ in ticks],
                                 ticktext=[t for _, t in ticks]))
    return fig
