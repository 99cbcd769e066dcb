"""Meta-tests over the connector registry, and the promise of cheap imports."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest
from pydantic import BaseModel

from conftest import ROOT
from connectors import REGISTRY, load_connector

README = (ROOT / "README.md").read_text()


@pytest.mark.parametrize("type_", sorted(REGISTRY))
def test_every_connector_keeps_the_contract(type_):
    module = load_connector(type_)

    assert module.TYPE == type_
    assert isinstance(module.SUMMARY, str) and module.SUMMARY
    assert isinstance(module.PERMISSIONS, tuple) and module.PERMISSIONS and all(isinstance(p, str) for p in module.PERMISSIONS)
    assert issubclass(module.Params, BaseModel)
    assert module.Params.model_fields["type"].default == type_
    assert list(inspect.signature(module.fetch).parameters)[:2] == ["params", "ctx"]
    assert list(inspect.signature(module.normalize).parameters)[:2] == ["raw", "params"]


@pytest.mark.parametrize("type_", sorted(REGISTRY))
def test_every_connector_is_documented_with_its_permissions(type_):
    doc = ROOT / "docs" / "connectors" / f"{type_}.md"

    assert doc.exists(), f"docs/connectors/{type_}.md is missing"
    assert "ermission" in doc.read_text()
    assert f"`{type_}`" in README, f"the README's connector table does not list {type_}"


def test_core_packages_import_no_cloud_sdk_or_dashboard():
    code = (
        "import sys, analyzer, scoring, inventory, inventory.store, inventory.catalog, connectors, sovmap.config; "
        "heavy = [m for m in ('boto3', 'botocore', 'azure', 'streamlit', 'plotly', 'google') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)

    assert out.stdout.strip() == ""
