"""The example inputs under examples/sources/ scan as their configs say (the Kubernetes one needs a cluster)."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import ROOT
from inventory.store import open_store
from sovmap.config import load_config
from sovmap.scan import run_scan

SOURCES = ROOT / "examples" / "sources"


@pytest.mark.parametrize(("type_", "components"), [("terraform", 18), ("prowler-ocsf", 9), ("aws-config", 9), ("query-csv", 6)])
def test_example_scans(tmp_path, type_, components):
    store = open_store(f"sqlite:///{tmp_path / 'sovmap.db'}")

    result = run_scan(SOURCES / type_ / "sovmap.yaml", store, as_of=date(2026, 11, 22))

    assert result.counts["components"] == components
    store.close()


def test_kubernetes_example_config_is_valid():
    config = load_config(SOURCES / "kubernetes" / "sovmap.yaml")

    assert [t for t, _ in config.sources] == ["declared", "kubernetes"]
