"""Plotly figure builders: data in, figure out; no Streamlit, tested on their own."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

LEVEL_COLOURS = {"none": "#2e7d32", "low": "#9ccc65", "medium": "#ffb300", "high": "#c62828"}
STATUS_COLOURS = {"implicit": "#c62828", "expired": "#ef6c00", "stated": "#2e7d32"}

__all__ = ["exposure_bars", "status_donut"]


def exposure_bars(frame: pd.DataFrame, *, top: int = 30) -> go.Figure:
    """Confidentiality and availability exposure per system, the most exposed first."""
    fig = go.Figure()
    if frame.empty:
        fig.update_layout(title="No systems in this snapshot")
        return fig
    data = frame.head(top).iloc[::-1]
    labels = [f"{n} ({c})" for n, c in zip(data["name"], data["criticality"])]
    fig.add_bar(y=labels, x=data["confidentiality"], name="confidentiality (compelled access)", orientation="h",
                marker_color="#6a1b9a", customdata=data["confidentiality level"],
                hovertemplate="%{y}<br>confidentiality %{x:.0f} (%{customdata})<extra></extra>")
    fig.add_bar(y=labels, x=data["availability"], name="availability (suspension)", orientation="h",
                marker_color="#ef6c00", customdata=data["availability level"],
                hovertemplate="%{y}<br>availability %{x:.0f} (%{customdata})<extra></extra>")
    fig.update_layout(
        barmode="group", height=max(300, 26 * len(data) + 120), xaxis=dict(range=[0, 100], title="exposure (0-100)"),
        legend=dict(orientation="h", y=1.02, x=0), margin=dict(l=10, r=10, t=40, b=10),
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
