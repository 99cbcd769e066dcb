"""JSON: the views as records, plus the findings with their full evidence and the stored scores."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

from inventory.store import Store
from sovmap.exports.views import Views

__all__ = ["json_bytes"]

SCORE_KINDS = ("exposure", "feasibility", "concentration", "sovereignty", "register")


def _default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def _records(frame) -> list[dict]:
    out = []
    for record in frame.to_dict("records"):
        out.append({k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in record.items()})
    return out


def json_bytes(views: Views, store: Store) -> bytes:
    sid = views.snapshot["id"]
    doc = {
        "format": "sovmap-export",
        "version": 1,
        "snapshot": {k: views.snapshot[k] for k in ("id", "created_at", "status", "as_of", "organization", "counts")},
        "summary": views.summary,
        "views": {name: _records(frame) for name, frame in views.tables.items() if name != "Summary"},
        "findings": store.findings(sid),
        "scores": {kind: store.scores(sid, kind) for kind in SCORE_KINDS},
    }
    return json.dumps(doc, default=_default, ensure_ascii=False, indent=1).encode("utf-8")
