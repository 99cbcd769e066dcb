"""Drift between two snapshots: what moved, which jurisdictions came in, which findings are new.

Everything is compared by id, which is stable across scans: components and systems by
their inventory id, findings by ``type:system:qualifier``. A component *moved* when its
provider, region or site changed. Jurisdictions are the ones stored with each system's
exposure; a gained foreign one is what a CISO wants to hear about first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inventory.merge import Inventory

__all__ = ["diff_inventories", "diff_snapshots"]

_PLACE = ("provider", "service", "region", "site")


def _place(comp: Any) -> dict:
    return {k: getattr(comp, k) for k in _PLACE}


def diff_inventories(
    a: Inventory,
    b: Inventory,
    *,
    exposures_a: Mapping[str, dict] | None = None,
    exposures_b: Mapping[str, dict] | None = None,
    findings_a: list[dict] | None = None,
    findings_b: list[dict] | None = None,
) -> dict:
    """Differences from ``a`` to ``b``, as plain JSON-able data.

    ``exposures_*`` are stored exposure rows by system id; ``findings_*`` stored finding rows.

    >>> from inventory.records import ComponentRecord
    >>> a = Inventory(components={"x": ComponentRecord("x", provider="aws", region="eu-west-1"),
    ...                           "old": ComponentRecord("old", provider="aws", region="eu-west-1")})
    >>> b = Inventory(components={"x": ComponentRecord("x", provider="aws", region="us-east-1"),
    ...                           "new": ComponentRecord("new", site="dc1")})
    >>> d = diff_inventories(a, b)
    >>> [c["component"] for c in d["components"]["added"]], [c["component"] for c in d["components"]["removed"]]
    (['new'], ['old'])
    >>> [(m["component"], m["from"]["region"], m["to"]["region"]) for m in d["components"]["moved"]]
    [('x', 'eu-west-1', 'us-east-1')]
    """
    comps_a, comps_b = a.components, b.components
    added = [{"component": k, "system": comps_b[k].system, **_place(comps_b[k])} for k in sorted(set(comps_b) - set(comps_a))]
    removed = [{"component": k, "system": comps_a[k].system, **_place(comps_a[k])} for k in sorted(set(comps_a) - set(comps_b))]
    moved = []
    for k in sorted(set(comps_a) & set(comps_b)):
        before, after = _place(comps_a[k]), _place(comps_b[k])
        if before != after:
            moved.append({"component": k, "system": comps_b[k].system, "from": before, "to": after,
                          "changed": [f for f in _PLACE if before[f] != after[f]]})
    systems = {
        "added": sorted(set(b.systems) - set(a.systems)),
        "removed": sorted(set(a.systems) - set(b.systems)),
    }
    out: dict[str, Any] = {
        "components": {"added": added, "removed": removed, "moved": moved},
        "systems": systems,
    }
    if exposures_a is not None and exposures_b is not None:
        out["jurisdictions"] = _jurisdiction_drift(exposures_a, exposures_b)
    if findings_a is not None and findings_b is not None:
        out["findings"] = _finding_drift(findings_a, findings_b)
    return out


def _jurisdiction_drift(exp_a: Mapping[str, dict], exp_b: Mapping[str, dict]) -> dict:
    gained, lost = [], []
    for system in sorted(set(exp_a) | set(exp_b)):
        ja = {j["code"]: j for j in (exp_a.get(system) or {}).get("jurisdictions", [])}
        jb = {j["code"]: j for j in (exp_b.get(system) or {}).get("jurisdictions", [])}
        for code in sorted(set(jb) - set(ja)):
            j = jb[code]
            gained.append({"system": system, "jurisdiction": code, "foreign": j.get("foreign"), "laws": j.get("laws", []),
                           "via": j.get("via", [])})
        for code in sorted(set(ja) - set(jb)):
            lost.append({"system": system, "jurisdiction": code, "foreign": ja[code].get("foreign")})
        for code in sorted(set(ja) & set(jb)):
            new_vias = sorted({v["kind"] for v in jb[code].get("via", [])} - {v["kind"] for v in ja[code].get("via", [])})
            if new_vias:
                gained.append({"system": system, "jurisdiction": code, "foreign": jb[code].get("foreign"),
                               "laws": jb[code].get("laws", []), "via": [v for v in jb[code]["via"] if v["kind"] in new_vias],
                               "new_channels_only": True})
    gained.sort(key=lambda g: (not g["foreign"], g["system"], g["jurisdiction"]))
    return {"gained": gained, "lost": lost}


def _finding_drift(fa: list[dict], fb: list[dict]) -> dict:
    a = {f["id"]: f for f in fa}
    b = {f["id"]: f for f in fb}
    keep = ("id", "type", "system", "severity", "status", "title", "acceptance_id")
    new = [{k: b[i][k] for k in keep} for i in sorted(set(b) - set(a))]
    resolved = [{k: a[i][k] for k in keep} for i in sorted(set(a) - set(b))]
    changed = []
    for i in sorted(set(a) & set(b)):
        diffs = {k: {"from": a[i][k], "to": b[i][k]} for k in ("status", "severity", "acceptance_id") if a[i][k] != b[i][k]}
        if diffs:
            changed.append({"id": i, "type": b[i]["type"], "system": b[i]["system"], "title": b[i]["title"], "changes": diffs})
    sev = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    new.sort(key=lambda f: (f["status"] != "implicit", sev.get(f["severity"], 4), f["id"]))
    return {"new": new, "resolved": resolved, "changed": changed}


def diff_snapshots(store, a: int | None = None, b: int | None = None) -> dict:
    """Drift from snapshot ``a`` to snapshot ``b`` of a store.

    ``b`` defaults to the latest snapshot and ``a`` to the one before ``b``; the answer
    names both, with their as-of dates, beside the differences of :func:`diff_inventories`.
    """
    from sovmap.errors import StoreError

    meta_b = store.snapshot(b)
    if a is None:
        earlier = [s for s in store.snapshots() if s["id"] < meta_b["id"]]
        if not earlier:
            raise StoreError(f"snapshot {meta_b['id']} is the first one: nothing to compare it with")
        a = earlier[-1]["id"]
    meta_a = store.snapshot(a)
    out = diff_inventories(
        store.load_inventory(meta_a["id"]), store.load_inventory(meta_b["id"]),
        exposures_a=store.scores(meta_a["id"], "exposure"), exposures_b=store.scores(meta_b["id"], "exposure"),
        findings_a=store.findings(meta_a["id"]), findings_b=store.findings(meta_b["id"]),
    )
    return {"from": {"snapshot": meta_a["id"], "as_of": meta_a["as_of"].isoformat()},
            "to": {"snapshot": meta_b["id"], "as_of": meta_b["as_of"].isoformat()}, **out}
