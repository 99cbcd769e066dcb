"""Connectors: each pulls one kind of inventory into records.

A connector is one module with:

- ``TYPE``: the ``type`` a source has in ``sovmap.yaml``;
- ``SUMMARY`` and ``PERMISSIONS``: what it reads, and the read-only rights it needs;
- ``Params``: a pydantic model of its source entry (validated when the config loads);
- ``fetch(params, ctx)``: the only I/O (files, network), with a :class:`ScanContext`;
- ``normalize(raw, params)``: pure, raw data in, an :class:`~inventory.records.InventoryBatch` out.

Modules are imported lazily through :data:`REGISTRY`, so ``import connectors`` pulls in
no cloud SDK. The order of the registry is the order of ``sovmap connectors``; scans run
sources in the order the config lists them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from sovmap.errors import InputError

__all__ = ["REGISTRY", "ConnectorSpec", "ScanContext", "load_connector", "read_source_file"]


def _quiet(_message: str) -> None:
    return None


@dataclass
class ScanContext:
    """What a connector's ``fetch`` may use besides its parameters.

    ``base_dir`` resolves relative paths (the folder of ``sovmap.yaml``); ``progress``
    receives short human-readable steps; ``workers`` bounds a connector's own pool.
    """

    base_dir: Path = field(default_factory=Path.cwd)
    progress: Callable[[str], None] = _quiet
    workers: int = 8


def read_source_file(path: str, ctx: ScanContext, max_bytes: int) -> tuple[str, bytes]:
    """Read a source file (relative to ``ctx.base_dir``) with a size guard and clear errors."""
    full = Path(path) if Path(path).is_absolute() else ctx.base_dir / path
    name = str(full)
    try:
        size = full.stat().st_size
        if size > max_bytes:
            raise InputError(f"file is {size} bytes, over the limit of {max_bytes}", file=name)
        return name, full.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=name) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file", file=name) from None
    except PermissionError:
        raise InputError("permission denied", file=name) from None


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
        ConnectorSpec("aws", "connectors.aws", "cloud"),
        ConnectorSpec("archimate", "connectors.archimate", "file"),
        ConnectorSpec("netbox", "connectors.netbox", "api"),
        ConnectorSpec("backstage", "connectors.backstage", "file"),
        ConnectorSpec("terraform", "connectors.terraform", "file"),
        ConnectorSpec("kubernetes", "connectors.kubernetes_nodes", "api"),
        ConnectorSpec("prowler-ocsf", "connectors.prowler_ocsf", "file"),
        ConnectorSpec("aws-config", "connectors.aws_config", "file"),
        ConnectorSpec("query-csv", "connectors.query_csv", "file"),
        ConnectorSpec("azure", "connectors.azure", "cloud"),
        ConnectorSpec("gcp", "connectors.gcp", "cloud"),
    )
}


def load_connector(type_: str) -> ModuleType:
    """Import the connector module registered for ``type_``."""
    spec = REGISTRY.get(type_)
    if spec is None:
        known = ", ".join(sorted(REGISTRY))
        raise KeyError(f"unknown source type '{type_}' (known: {known})")
    return importlib.import_module(spec.module)
