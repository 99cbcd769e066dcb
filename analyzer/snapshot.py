"""A stored snapshot's graph, rebuilt from its records and the catalog it was scored with."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from analyzer.graph import build_graph
from inventory.catalog import Catalog, load_catalog

__all__ = ["SnapshotGraph", "load_snapshot_graph", "snapshot_catalog"]


@dataclass
class SnapshotGraph:
    """The dependency graph of a snapshot and the catalog it was resolved against."""

    graph: nx.DiGraph
    catalog: Catalog
    missing_overrides: list[str] = field(default_factory=list)


def snapshot_catalog(store, snapshot_id: int | None = None) -> tuple[Catalog, list[str]]:
    """The catalog a snapshot was scored with: the bundled one plus its recorded overrides.

    Override files that no longer exist are left out and returned, so that a caller can
    say the answer may differ from the scan's.
    """
    meta = store.snapshot(snapshot_id).get("meta") or {}
    overrides = list(meta.get("catalog_overrides") or [])
    present = [p for p in overrides if Path(p).is_file()]
    return load_catalog(present), [p for p in overrides if p not in present]


def load_snapshot_graph(store, snapshot_id: int | None = None) -> SnapshotGraph:
    """Rebuild a snapshot's graph (the latest when ``snapshot_id`` is None) from the store."""
    snapshot_id = store.snapshot(snapshot_id)["id"]
    catalog, missing = snapshot_catalog(store, snapshot_id)
    return SnapshotGraph(build_graph(store.load_inventory(snapshot_id), catalog), catalog, missing)
