"""AWS Config snapshot files: every recorded resource of an account and region, with its relationships.

AWS Config delivers configuration snapshots (``ConfigSnapshot`` objects in the delivery
bucket, usually gzipped) as ``{"fileVersion": ..., "configurationItems": [...]}``. Every
item that still exists becomes a component: ``resourceType`` mapped to a catalog service
through ``connectors/mappings/aws_config.yaml``, the ``ARN`` as id, ``awsRegion``,
``awsAccountId``, ``tags``, and the relationships that are dependencies
(``Is attached to``, ``Is contained in``, ``Is associated with``) as ``depends_on``.

.. code-block:: yaml

    sources:
      - type: aws-config
        path: config/123456789012_Config_eu-west-1_ConfigSnapshot_20261120T101500Z.json.gz

The output of ``aws configservice batch-get-resource-config`` (``baseConfigurationItems``)
reads the same way. The full description is ``docs/connectors/aws-config.md``.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from connectors import ScanContext, read_source_file
from connectors._common import ErrorList, load_json, pick_str
from connectors.mappings import TypeTable, global_id, load_model, normalize_region, tags_from_pairs
from inventory.records import ComponentRecord, CoverageEntry, InventoryBatch
from sovmap.errors import InputError
from sovmap.yamlio import MAX_BYTES

TYPE = "aws-config"
SUMMARY = "AWS Config snapshot or history file (JSON, or gzipped as delivered): resources, regions, tags, relationships."
PERMISSIONS = ("read access to the snapshot file (s3:GetObject on the Config delivery bucket to copy it); no other AWS rights",)

__all__ = ["Params", "fetch", "normalize"]

Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]

#: Items of resources that no longer exist (or are not recorded) describe nothing to place.
GONE = frozenset({"ResourceDeleted", "ResourceDeletedNotRecorded", "ResourceNotRecorded"})


class MappingFile(BaseModel):
    """``connectors/mappings/aws_config.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    types: TypeTable
    depends_on: tuple[str, ...] = ()


def mapping() -> MappingFile:
    return load_model("aws_config.yaml", MappingFile)


class Params(BaseModel):
    """The source entry in ``sovmap.yaml``: ``{type: aws-config, path: snapshot.json.gz}``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: Literal["aws-config"] = "aws-config"
    name: Text | None = None
    path: Text
    max_bytes: int = Field(default=MAX_BYTES, gt=0)

    def source_name(self, file: str) -> str:
        return self.name or f"{TYPE}:{Path(file).name}"


def fetch(params: Params, ctx: ScanContext) -> tuple[str, bytes]:
    """Read the file (the only I/O), unpacking gzip; returns its display name and JSON bytes."""
    file, content = read_source_file(params.path, ctx, params.max_bytes)
    if content[:2] != b"\x1f\x8b":
        return file, content
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(content)) as packed:
            # Bounded: a small gzip file can unpack to anything.
            data = packed.read(params.max_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"not a readable gzip file: {exc}", file=file) from None
    if len(data) > params.max_bytes:
        raise InputError(f"unpacks to more than the limit of {params.max_bytes} bytes", file=file)
    return file, data


def _configuration(item: dict[str, Any]) -> dict[str, Any]:
    config = item.get("configuration")
    if isinstance(config, str):
        # batch-get-resource-config returns the configuration as a JSON string.
        try:
            config = json.loads(config)
        except (ValueError, RecursionError):  # not JSON, an integer of thousands of digits, nesting too deep
            return {}
    return config if isinstance(config, dict) else {}


def normalize(raw: tuple[str, bytes], params: Params | None = None) -> InventoryBatch:
    """Read an AWS Config snapshot (pure: bytes in, records out); every problem is reported at once."""
    file, content = raw
    params = params or Params(path=file)
    source = params.source_name(file)
    table = mapping()
    doc = load_json(content, file)
    if not isinstance(doc, dict):
        raise InputError(f"an AWS Config snapshot is a JSON object, not {type(doc).__name__}", file=file)
    key = "configurationItems" if "configurationItems" in doc else "baseConfigurationItems" if "baseConfigurationItems" in doc else None
    if key is None:
        raise InputError("not an AWS Config snapshot: no 'configurationItems'", file=file, field="configurationItems")
    items = doc[key]
    if not isinstance(items, list):
        raise InputError(f"must be a list, not {type(items).__name__}", file=file, field=key)

    errors = ErrorList()
    components: list[ComponentRecord] = []
    relations: list[list[tuple[str, str, str]]] = []
    by_resource: dict[tuple[str, str], str] = {}
    gone = ignored = 0
    unmapped: dict[str, int] = {}
    for i, item in enumerate(items):
        entry = f"{key}[{i}]"
        if not isinstance(item, dict):
            errors.add(f"must be an object, not {type(item).__name__}", file=file, entry=entry)
            continue
        rtype, rid = pick_str(item, "resourceType"), pick_str(item, "resourceId")
        if rtype and rid:
            entry = f"{entry} ({rtype} {rid})"
        before = len(errors)
        for field, value in (("resourceType", rtype), ("resourceId", rid)):
            if value is None:
                errors.add("required field is missing", file=file, entry=entry, field=field)
        rels = item.get("relationships", [])
        if not isinstance(rels, list) or not all(isinstance(r, dict) for r in rels):
            errors.add("must be a list of objects", file=file, entry=entry, field="relationships")
        tags = item.get("tags", {})
        if tags is not None and not isinstance(tags, (dict, list)):
            errors.add(f"must be an object, not {type(tags).__name__}", file=file, entry=entry, field="tags")
        if len(errors) > before:
            continue
        if str(item.get("configurationItemStatus")) in GONE:
            gone += 1
            continue
        rule = table.types.classify(rtype, _configuration(item))
        if rule is False:
            ignored += 1
            continue
        if rule is None or rule.service is None:
            unmapped[rtype] = unmapped.get(rtype, 0) + 1
        arn = pick_str(item, "ARN", "arn")
        account = pick_str(item, "awsAccountId", "accountId")
        region = None if rule and rule.is_global else normalize_region("aws", pick_str(item, "awsRegion"))
        ident = global_id("aws", arn) or f"awsconfig:{account or '-'}:{region or 'global'}:{rtype}:{rid}"
        tag_map = tags_from_pairs(tags)
        components.append(
            ComponentRecord(
                id=ident,
                name=pick_str(item, "resourceName") or tag_map.get("Name") or rid,
                kind=rtype,
                provider="aws",
                service=rule.service if rule else None,
                region=region,
                holds_data=bool(rule and rule.holds_data),
                external_id=arn or rid,
                account=account,
                tags=tag_map,
                source=source,
                origin=f"{file}: {entry}",
            )
        )
        by_resource[(rtype, rid)] = ident
        relations.append([(pick_str(r, "relationshipName", "name") or "", pick_str(r, "resourceType") or "", pick_str(r, "resourceId") or "")
                          for r in rels])
    errors.raise_if_any()
    for comp, rels in zip(components, relations):
        deps = [by_resource.get((rtype, rid)) for name, rtype, rid in rels if name.startswith(table.depends_on)]
        comp.depends_on = tuple(dict.fromkeys(d for d in deps if d is not None and d != comp.id))

    batch = InventoryBatch(source=source, components=components)
    parts = []
    if unmapped:
        parts.append("no catalog service for: " + ", ".join(f"{t} ({n})" for t, n in sorted(unmapped.items())))
    if ignored:
        parts.append(f"{ignored} network-configuration and policy items not read as components")
    if gone:
        parts.append(f"{gone} items of deleted or unrecorded resources")
    batch.coverage.append(CoverageEntry(source=source, scope=file, status="read", detail="; ".join(parts) or None, count=len(components)))
    return batch
