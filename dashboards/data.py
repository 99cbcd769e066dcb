"""Data for the dashboard pages: plain functions over the store, returning DataFrames.

No Streamlit here, so every function is testable on its own; ``dashboards.state`` adds
caching for the running app.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from inventory.store import Store

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
STATUS_ORDER = {"implicit": 0, "expired": 1, "stated": 2}

__all__ = ["evidence_summary", "exposure_frame", "findings_frame", "overview", "snapshot_choices"]


def snapshot_choices(store: Store) -> list[dict]:
    """Snapshots newest first, for the picker."""
    return list(reversed(store.snapshots()))


def evidence_summary(finding: dict[str, Any]) -> str:
    """One line that says why a finding exists: channels and laws, or the unknown field.

    >>> evidence_summary({"evidence": {"via": [{"kind": "legal-entity", "path": []}], "laws": ["us-cloud-act"]}})
    'via legal-entity; laws: us-cloud-act'
    """
    ev = finding.get("evidence") or {}
    parts = []
    if ev.get("via"):
        parts.append("via " + ", ".join(sorted({v["kind"] for v in ev["via"]})))
    if ev.get("laws"):
        parts.append("laws: " + ", ".join(ev["laws"]))
    if ev.get("resolution") == "UNKNOWN":
        parts.append(f"{ev.get('field')} '{ev.get('value')}' UNKNOWN")
    if ev.get("systems"):
        parts.append(f"{len(ev['systems'])} systems")
    if "score" in ev and not parts:
        parts.append(f"score {ev['score']}")
    return "; ".join(parts)


def findings_frame(store: Store, snapshot_id: int, status: str | None = None) -> pd.DataFrame:
    rows = store.findings(snapshot_id, status=status)
    frame = pd.DataFrame(
        [
            {
                "id": r["id"], "status": r["status"], "severity": r["severity"], "type": r["type"],
                "system": r["system"], "finding": r["title"], "evidence": evidence_summary(r),
                "acceptance": r["acceptance_id"],
            }
            for r in rows
        ],
        columns=["id", "status", "severity", "type", "system", "finding", "evidence", "acceptance"],
    )
    if frame.empty:
        return frame
    frame["_s"] = frame["status"].map(STATUS_ORDER)
    frame["_v"] = frame["severity"].map(SEVERITY_ORDER)
    return frame.sort_values(["_s", "_v", "id"]).drop(columns=["_s", "_v"]).reset_index(drop=True)


def exposure_frame(store: Store, snapshot_id: int) -> pd.DataFrame:
    rows = []
    for e in store.scores(snapshot_id, "exposure").values():
        foreign = [j for j in e["jurisdictions"] if j["foreign"]]
        rows.append({
            "system": e["system"], "name": e["name"], "criticality": e["criticality"],
            "classification": e["classification"],
            "data countries": ", ".join(e["data_countries"]) or "-",
            "foreign jurisdictions": ", ".join(
                f"{j['code']} ({', '.join(v['kind'] for v in j['via'])})" for j in foreign
            ) or "-",
            "confidentiality": e["confidentiality"]["score"], "availability": e["availability"]["score"],
            "confidentiality level": e["confidentiality"]["level"], "availability level": e["availability"]["level"],
            "unresolved": len(e.get("unresolved") or []),
        })
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    return frame.sort_values(["confidentiality", "availability", "system"], ascending=[False, False, True]).reset_index(drop=True)


def overview(store: Store, snapshot_id: int) -> dict[str, Any]:
    """Headline figures of one snapshot, and the change since the snapshot before it."""
    snap = store.snapshot(snapshot_id)
    counts = store.finding_counts(snapshot_id)
    earlier = [s for s in store.snapshots() if s["id"] < snapshot_id]
    previous = store.finding_counts(earlier[-1]["id"]) if earlier else None
    return {
        "snapshot": snap,
        "implicit": counts.get("implicit", 0),
        "expired": counts.get("expired", 0),
        "stated": counts.get("stated", 0),
        "implicit_delta": counts.get("implicit", 0) - previous.get("implicit", 0) if previous is not None else None,
        "systems": snap["counts"].get("systems", 0),
        "components": snap["counts"].get("components", 0),
        "coverage_gaps": [c for c in snap["coverage"] or [] if c["status"] != "read"],
    }
