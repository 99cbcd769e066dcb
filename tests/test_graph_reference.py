"""The merged inventory and the graph of the bundled examples, against stored references.

The references in ``tests/fixtures/reference/`` were written by the straightforward
implementation of ``merge_batches`` and ``build_graph``; the faster one must produce the
same records, the same matching report, and the same nodes and edges with the same
attributes, in the same order (scores and findings iterate the graph, so order is part of
the result). Every value keeps its type: a tuple stays a tuple, ``1.0`` stays a float.

To write the references anew after a deliberate change of the graph, run
``.venv/bin/python tests/test_graph_reference.py`` and review the diff.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCES = Path(__file__).resolve().parent / "fixtures" / "reference"
EXAMPLES = {
    "customs-agency": ROOT / "examples" / "customs-agency" / "sovmap.yaml",
    "customs-agency-ea": ROOT / "examples" / "customs-agency-ea" / "sovmap.yaml",
}


def _plain(value: Any) -> Any:
    """A JSON value that still tells a tuple from a list and a date from a string."""
    if isinstance(value, tuple):
        return {"(tuple)": [_plain(v) for v in value]}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value):
        return {"(" + type(value).__name__ + ")": _record(value)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return {"(" + type(value).__name__ + ")": str(value)}


def _record(record: Any) -> dict:
    return {f.name: _plain(getattr(record, f.name)) for f in dataclasses.fields(record)}


def read_inventory(config_path: Path):
    """Read every source of a config and join them, as a scan does before scoring."""
    from connectors import ScanContext, load_connector
    from connectors.declared import parse_register
    from inventory.merge import apply_attribution, check_references, merge_batches
    from sovmap.config import load_config

    config = load_config(config_path)
    ctx = ScanContext(base_dir=config.base_dir)
    batches = []
    for type_, params in config.sources:
        module = load_connector(type_)
        batches.append(module.normalize(module.fetch(params, ctx), params))
    register = parse_register((str(config.risk_register), config.risk_register.read_bytes())) if config.risk_register else []
    inv = merge_batches(batches, register, settings=config.matching, source_types=[t for t, _ in config.sources])
    apply_attribution(inv, config.attribution.tag_keys, config.attribution.rules)
    check_references(inv)
    return config, inv


def inventory_lines(inv) -> list[str]:
    """One JSON line per record, in the inventory's order, then the report and notes."""
    lines = [json.dumps(["organization", _plain(inv.organization)]), json.dumps(["sources", inv.sources])]
    for kind in ("systems", "sites", "operators", "components", "acceptances"):
        for key, record in getattr(inv, kind).items():
            lines.append(json.dumps([kind, key, _record(record)]))
    lines.extend(json.dumps(["coverage", _record(c)]) for c in inv.coverage)
    lines.append(json.dumps(["matching", _plain(inv.matching.as_dict())]))
    lines.append(json.dumps(["attribution_notes", inv.attribution_notes]))
    root = json.dumps(str(ROOT))[1:-1]  # origins name files: the same wherever the repository is
    return [line.replace(root, "<root>") for line in lines]


def graph_lines(G) -> list[str]:
    """One JSON line per node and per edge, in the graph's iteration order."""
    lines = [json.dumps(["node", n, _plain(d)]) for n, d in G.nodes(data=True)]
    lines.extend(json.dumps(["edge", u, v, _plain(d)]) for u, v, d in G.edges(data=True))
    lines.extend(json.dumps(["pred", n, list(G.pred[n])]) for n in G.nodes)
    return lines


def current(name: str) -> tuple[list[str], list[str]]:
    from analyzer.graph import build_graph
    from inventory.catalog import load_catalog

    config, inv = read_inventory(EXAMPLES[name])
    G = build_graph(inv, load_catalog(config.catalog_overrides))
    return inventory_lines(inv), graph_lines(G)


def edge_cases():
    """An inventory that no check has cleaned: every case the graph construction distinguishes.

    Dangling references, an id held under two keys, repeated and self dependencies, unknown
    providers, services, regions, models and countries, identity services, global services,
    sites, operators and attribution notes.
    """
    from inventory.merge import Inventory
    from inventory.records import ComponentRecord, OperatorRecord, Organization, SiteRecord, SystemRecord

    systems = [SystemRecord("s1", "S1", criticality="high", depends_on=("s2", "s2", "ghost-system")),
               SystemRecord("s2", "S2", alternatives=("x", "y"), rto_hours=4.0), SystemRecord("s3", "S3", depends_on=("s3",))]
    sites = [SiteRecord("dc", "DC", country="NL", legal_entity="equinix"), SiteRecord("far", "Far", country="ZZ"),
             SiteRecord("bare", "Bare")]
    components = [
        ComponentRecord("idp", system="s1", provider="azure", service="entra-id", holds_data=True),
        ComponentRecord("vm", system="s1", provider="aws", service="ec2", region="eu-central-1", depends_on=("idp", "db", "idp")),
        ComponentRecord("db", system="s2", provider="aws", service="rds", region="eu-central-1", holds_data=True,
                        data_volume_gb=12.5, key_custody="customer-managed", depends_on=("db", "nowhere")),
        ComponentRecord("db2", system="s2", provider="aws", service="rds", region="eu-central-1", holds_data=False),
        ComponentRecord("cdn", system="s2", provider="aws", service="cloudfront"),
        ComponentRecord("nosvc", system="s3", provider="aws", region="eu-west-1"),
        ComponentRecord("nosvc2", system="s3", provider="aws"),
        ComponentRecord("badsvc", system="s3", provider="aws", service="no-such-service", region="eu-west-9"),
        ComponentRecord("badprov", system="s3", provider="acme", service="x", region="y", model="claude"),
        ComponentRecord("onprem", system="s1", site="dc", holds_data=True, model="no-such-model"),
        ComponentRecord("both", system="s1", site="far", provider="hetzner", service="cloud", region="fsn1"),
        ComponentRecord("bare", system="s1", site="bare"),
        ComponentRecord("nowhere", name="Nowhere", system="undeclared", model="llama-3", depends_on=("idp",)),
        ComponentRecord("orphan", tags={"system": "gone"}),
    ]
    comps = {c.id: c for c in components}
    comps["alias-of-db2"] = ComponentRecord("db2", name="again", system="s3", provider="gcp", service="no", depends_on=("vm",))
    operators = {"ops": OperatorRecord("ops", "Ops", country="NL", legal_entity="no-such-entity", operates=("s1", "vm", "ghost")),
                 "anon": OperatorRecord("anon", "Anon", access="read", operates=("db",))}
    return Inventory(organization=Organization("Org", country="NL"), systems={s.id: s for s in systems},
                     sites={s.id: s for s in sites}, components=comps, operators=operators,
                     attribution_notes={"orphan": "tag 'system' names system 'gone', which no source declares"})


def edge_case_lines() -> list[str]:
    from analyzer.graph import build_graph
    from inventory.catalog import load_catalog

    return graph_lines(build_graph(edge_cases(), load_catalog([])))


def _stored(path: Path) -> list[str]:
    return gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()


def _store(path: Path, lines: list[str]) -> None:
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), mtime=0))


def _first_difference(got: list[str], want: list[str]) -> str:
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            return f"line {i + 1}:\n  got  {g[:400]}\n  want {w[:400]}"
    return f"{len(got)} lines against {len(want)}"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_merged_inventory_and_the_graph_match_the_reference(name):
    inventory, graph = current(name)
    want_inventory = _stored(REFERENCES / f"{name}.inventory.jsonl.gz")
    want_graph = _stored(REFERENCES / f"{name}.graph.jsonl.gz")

    assert inventory == want_inventory, _first_difference(inventory, want_inventory)
    assert graph == want_graph, _first_difference(graph, want_graph)


def test_the_graph_of_an_unchecked_inventory_matches_the_reference():
    got = edge_case_lines()
    want = _stored(REFERENCES / "edge-cases.graph.jsonl.gz")

    assert got == want, _first_difference(got, want)


def test_the_reference_tells_a_changed_attribute():
    """The comparison is not vacuous: one attribute changed is one line different."""
    from analyzer.graph import build_graph
    from inventory.catalog import load_catalog

    config, inv = read_inventory(EXAMPLES["customs-agency"])
    G = build_graph(inv, load_catalog(config.catalog_overrides))
    node = next(n for n, d in G.nodes(data=True) if d["kind"] == "system")
    G.nodes[node]["alternatives"] = list(G.nodes[node]["alternatives"])  # a list where a tuple was
    want = _stored(REFERENCES / "customs-agency.graph.jsonl.gz")
    got = graph_lines(G)

    assert sum(1 for g, w in zip(got, want) if g != w) == 1


if __name__ == "__main__":
    sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]
    REFERENCES.mkdir(parents=True, exist_ok=True)
    for example in sorted(EXAMPLES):
        inventory, graph = current(example)
        _store(REFERENCES / f"{example}.inventory.jsonl.gz", inventory)
        _store(REFERENCES / f"{example}.graph.jsonl.gz", graph)
        print(f"{example}: {len(inventory)} inventory lines, {len(graph)} graph lines")
    _store(REFERENCES / "edge-cases.graph.jsonl.gz", edge_case_lines())
