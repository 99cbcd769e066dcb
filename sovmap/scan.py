"""A scan: every source of the config read, joined, scored and stored as one snapshot."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from connectors import ScanContext, load_connector
from connectors.declared import parse_register
from inventory.catalog import load_catalog
from inventory.merge import apply_attribution, check_references, merge_batches
from inventory.records import InventoryBatch
from inventory.store import Store
from scoring import Assessment, assess
from scoring.settings import scoring_settings
from scoring.sovereignty import check_override_scopes
from scoring.conflicts import add_conflict_findings
from sovmap.config import load_config
from sovmap.errors import InputError
from sovmap.runtime import collector_paused

__all__ = ["ScanResult", "run_scan"]


@dataclass
class ScanResult:
    snapshot_id: int
    status: str
    counts: dict
    finding_counts: dict[str, int]
    assessment: Assessment


def _read_register(path: Path) -> tuple[str, bytes]:
    try:
        return str(path), path.read_bytes()
    except FileNotFoundError:
        raise InputError("risk register file not found", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read the risk register: {exc.strerror}", file=str(path)) from None


def run_scan(
    config_path: str | Path,
    store: Store,
    *,
    as_of: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> ScanResult:
    """Read every source, check the whole, score it and store one snapshot.

    Nothing is written until everything has been read and checked; the snapshot is then
    written in one transaction, so a failed scan leaves the store exactly as it was.
    """
    say = progress or (lambda _msg: None)
    as_of = as_of or date.today()
    config = load_config(config_path)
    catalog = load_catalog(config.catalog_overrides)
    settings = scoring_settings(config.scoring, base_dir=config.base_dir, file=str(config.path))
    digest = hashlib.sha256()
    batches: list[InventoryBatch] = []
    ctx = ScanContext(base_dir=config.base_dir, progress=say)
    for type_, params in config.sources:
        say(f"reading {type_} source {getattr(params, 'name', None) or getattr(params, 'path', '')}")
        module = load_connector(type_)
        raw = module.fetch(params, ctx)
        if isinstance(raw, tuple) and len(raw) == 2 and isinstance(raw[1], bytes):
            digest.update(raw[1])
        else:
            # API sources return JSON-like data: hash it canonically, so that an unchanged
            # estate gives an unchanged digest.
            digest.update(json.dumps(raw, sort_keys=True, default=str, separators=(",", ":")).encode())
        # API fetches make short-lived garbage the collector should see; what follows
        # builds long-lived records in bulk (see collector_paused).
        with collector_paused():
            batches.append(module.normalize(raw, params))
        del raw  # the source's bytes: hundreds of MB on a large estate, not needed again
    register = []
    if config.risk_register is not None:
        raw = _read_register(config.risk_register)
        digest.update(raw[1])
        register = parse_register(raw)
    with collector_paused():
        inv = merge_batches(batches, register, settings=config.matching, source_types=[t for t, _ in config.sources])
        batches.clear()  # the merged inventory holds what is kept
        apply_attribution(inv, config.attribution.tag_keys, config.attribution.rules)
        check_references(inv)
        check_override_scopes(settings.overrides, catalog=catalog, components=inv.components, sites=inv.sites)
        say(f"scoring {len(inv.systems)} systems, {len(inv.components)} components")
        result = assess(inv, catalog, as_of=as_of, settings=settings)
        add_conflict_findings(result, inv, catalog)
        say("storing the snapshot")
        snapshot_id = store.save_snapshot(
            inv,
            result.findings,
            as_of=as_of,
            config_path=str(Path(config_path).resolve()),
            digest=digest.hexdigest(),
            scores=result.score_rows(),
            meta={"catalog_overrides": [str(p) for p in config.catalog_overrides], "matching": inv.matching.as_dict(),
                  "scoring": settings.describe()},
        )
        meta = store.snapshot(snapshot_id)
        return ScanResult(snapshot_id, meta["status"], meta["counts"], store.finding_counts(snapshot_id), result)
