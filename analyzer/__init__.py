"""Analyzer: the dependency graph built from stored records, and the questions asked of it."""

from analyzer.graph import build_graph, node_id
from analyzer.jurisdiction import Reach, component_reach, system_reach

__all__ = ["Reach", "build_graph", "component_reach", "node_id", "system_reach"]
