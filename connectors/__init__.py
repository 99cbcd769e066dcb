"""Connectors: each pulls one kind of inventory into records.

A connector is one module with:

- ``TYPE``: the ``type`` a source has in ``sovmap.yaml``;
- ``SUMMARY`` and ``PERMISSIONS``: what it reads, and the read-only rights it needs;
- ``Params``: a pydantic model of its source entry (validated when the config loads);
- ``fetch(params, *, base_dir)``: the only I/O (files, network);
- ``normalize(raw, params)``: pure, raw data in, an :class:`~inventory.records.InventoryBatch` out.

Modules are imported lazily through :data:`REGISTRY`, so ``import connectors`` pulls in
no cloud SDK. The order of the registry is the order of ``sovmap connectors``; scans run
sources in the order the config lists them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

__all__ = ["REGISTRY", "ConnectorSpec", "load_connector"]


@dataclass(frozen=True, slots=True)
class ConnectorSpec:
    type: str
    module: str
    kind: str  # "file" | "cloud" | "api"


REGISTRY: dict[str, ConnectorSpec] = {
    spec.type: spec
    for spec in (
        ConnectorSpec("declared", "connectors.declared", "file"),
        ConnectorSpec("cmdb-csv", "connectors.cmdb_csv", "file"),
    )
}


def load_connector(type_: str) -> ModuleType:
    """Import the connector module registered for ``type_``."""
    spec = REGISTRY.get(type_)
    if spec is None:
        known = ", ".join(sorted(REGISTRY))
        raise KeyError(f"unknown source type '{type_}' (known: {known})")
    return importlib.import_module(spec.module)
