"""The graph's component and dependency edges share one read-only attribute dictionary per type.

Sharing is what keeps a million-component graph in memory; these tests hold the promise that
goes with it: nobody can change one edge and so silently change all edges of its type, and a
copy of the graph is an ordinary graph of its own.
"""

from __future__ import annotations

import copy
import pickle

import networkx as nx
import pytest

from analyzer.graph import SharedEdgeData, build_graph
from inventory.merge import Inventory
from inventory.records import ComponentRecord, SystemRecord


@pytest.fixture()
def graph(bundled_catalog) -> nx.DiGraph:
    inv = Inventory(
        systems={"s": SystemRecord("s", "S"), "t": SystemRecord("t", "T", depends_on=("s",))},
        components={
            "a": ComponentRecord("a", system="s", provider="aws", service="ec2", region="eu-central-1"),
            "b": ComponentRecord("b", system="s", provider="aws", service="ec2", region="eu-central-1", depends_on=("a",)),
            "c": ComponentRecord("c", system="t", provider="aws", service="rds", region="eu-central-1", holds_data=True),
        },
    )
    return build_graph(inv, bundled_catalog)


def test_edges_of_one_type_share_their_attributes(graph):
    assert graph.edges["component:a", "system:s"] is graph.edges["component:b", "system:s"]
    assert graph.edges["component:a", "system:s"] == {"type": "part_of"}
    assert graph.edges["component:c", "region:aws/eu-central-1"] == {"type": "stores_data_in"}
    assert graph.edges["component:a", "region:aws/eu-central-1"] == {"type": "runs_on"}
    assert isinstance(graph.edges["component:b", "component:a"], dict)


@pytest.mark.parametrize("change", [
    lambda d: d.__setitem__("type", "depends_on"),
    lambda d: d.update(type="depends_on"),
    lambda d: d.setdefault("weight", 1),
    lambda d: d.pop("type"),
    lambda d: d.popitem(),
    lambda d: d.clear(),
    lambda d: d.__delitem__("type"),
    lambda d: d.__ior__({"weight": 1}),
])
def test_a_shared_edge_refuses_to_change(graph, change):
    data = graph.edges["component:a", "system:s"]

    with pytest.raises(TypeError, match="shared by every edge of this type"):
        change(data)
    assert graph.edges["component:b", "system:s"] == {"type": "part_of"}


def test_adding_an_existing_edge_again_refuses_rather_than_changing_all(graph):
    with pytest.raises(TypeError):
        graph.add_edge("component:a", "system:s", type="depends_on")
    assert [(u, d) for u, _, d in graph.in_edges("system:s", data=True)] == [
        ("component:a", {"type": "part_of"}), ("component:b", {"type": "part_of"}), ("system:t", {"type": "depends_on"})]


@pytest.mark.parametrize("duplicate", [nx.DiGraph.copy, copy.deepcopy, lambda g: pickle.loads(pickle.dumps(g))])
def test_a_copy_has_plain_attributes_of_its_own(graph, duplicate):
    other = duplicate(graph)

    assert list(other.nodes(data=True)) == list(graph.nodes(data=True))
    assert list(other.edges(data=True)) == list(graph.edges(data=True))
    assert not any(isinstance(d, SharedEdgeData) for _, _, d in other.edges(data=True))
    other.edges["component:a", "system:s"]["type"] = "changed"
    assert graph.edges["component:a", "system:s"] == {"type": "part_of"}
    assert graph.edges["component:b", "system:s"] == {"type": "part_of"}
