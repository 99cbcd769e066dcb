"""GraphML of a snapshot's dependency graph, for Gephi, yEd, Neo4j or networkx."""

from __future__ import annotations

import io
import json
from typing import Any

import networkx as nx

from sovmap.exports.cells import clean_text

__all__ = ["graphml_bytes"]


def _value(value: Any) -> Any:
    # GraphML holds scalars only: sequences are joined, mappings kept as JSON, text made XML-safe.
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return clean_text(", ".join(str(v) for v in value))
    if isinstance(value, dict):
        return clean_text(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))
    return clean_text(str(value))


def graphml_bytes(G: nx.DiGraph) -> bytes:
    """The graph with every attribute GraphML can hold; absent (None) attributes are left out."""
    H = nx.DiGraph()
    for node, attrs in G.nodes(data=True):
        H.add_node(clean_text(node), **{k: _value(v) for k, v in attrs.items() if v is not None})
    for a, b, attrs in G.edges(data=True):
        H.add_edge(clean_text(a), clean_text(b), **{k: _value(v) for k, v in attrs.items() if v is not None})
    buffer = io.BytesIO()
    nx.write_graphml(H, buffer, encoding="utf-8", prettyprint=False)
    return buffer.getvalue()
