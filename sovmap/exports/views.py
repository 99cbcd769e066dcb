"""The tables every export writes: the dashboard's views of one snapshot, from the same functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dashboards import data
from inventory.store import Store

__all__ = ["Views", "build_views"]


@dataclass
class Views:
    """One snapshot's headline figures and its tables, in the order a reader meets them."""

    snapshot: dict
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def _concentration(store: Store, snapshot_id: int) -> pd.DataFrame:
    frames = []
    for level, conc in data.concentration_levels(store, snapshot_id).items():
        shares = data.concentration_frame(store, snapshot_id, level)
        frames.append(shares.assign(level=level, hhi=conc["hhi"], band=conc["band"])
                      [["level", "hhi", "band", "key", "share", "weight", "systems", "system list"]])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _changes(store: Store, snapshot_id: int) -> pd.DataFrame:
    ch = data.changes(store, snapshot_id)
    frames = [frame.assign(change=kind) for kind, frame in (("new", ch["new"]), ("gone", ch["gone"]), ("status", ch["status"]))
              if not frame.empty]
    if not frames:
        return pd.DataFrame(columns=["change", "id", "severity", "type", "system", "finding", "was", "now"])
    out = pd.concat(frames, ignore_index=True)
    return out[["change", *[c for c in out.columns if c != "change"]]]


def build_views(store: Store, snapshot_id: int) -> Views:
    """Headline figures and every view of a snapshot as tables (empty views are left out)."""
    ov = data.overview(store, snapshot_id)
    snap = ov["snapshot"]
    levels = data.concentration_levels(store, snapshot_id)
    org = (snap.get("organization") or {}).get("name")
    summary: dict[str, Any] = {
        "organisation": org,
        "snapshot": snap["id"],
        "taken (UTC)": snap["created_at"],
        "register judged as of": snap["as_of"],
        "status": snap["status"],
        "systems": ov["systems"],
        "components": ov["components"],
        "risks accepted without being stated (implicit)": ov["implicit"],
        "acceptances expired": ov["expired"],
        "stated and current": ov["stated"],
        "implicit since the previous snapshot": ov["implicit_delta"],
    }
    for level, conc in levels.items():
        summary[f"HHI by {level}"] = f"{conc['hhi']:,.0f} ({conc['band']})"
    findings = data.findings_frame(store, snapshot_id)
    tables = {
        "Summary": pd.DataFrame([{"item": k, "value": v} for k, v in summary.items()]),
        "Risks": findings,
        "Exposure": data.exposure_frame(store, snapshot_id),
        "Sovereignty": data.sovereignty_frame(store, snapshot_id),
        "Concentration": _concentration(store, snapshot_id),
        "Single points of failure": data.spof_frame(store, snapshot_id),
        "Migration": data.migration_frame(store, snapshot_id),
        "Jurisdictions": data.geo_frame(store, snapshot_id).drop(columns=["iso3"]),
        "Register": data.acceptances_frame(store, snapshot_id),
        "Changes": _changes(store, snapshot_id),
    }
    keep = {"Summary", "Risks", "Register"}  # shown even when empty: an empty register says something
    return Views(snap, summary, {k: v for k, v in tables.items() if k in keep or not v.empty})
