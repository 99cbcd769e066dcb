"""Prowler findings in OCSF JSON: the resources a security scan saw, whatever the findings said of them.

Prowler (``prowler aws|azure|gcp -M json-ocsf``) writes one OCSF Detection Finding per check
and resource: a JSON array, or JSON Lines. Every distinct resource (by ``resources[].uid``)
becomes one component, with the finding's ``cloud.provider`` and ``cloud.account.uid``, the
resource's ``region`` (else the finding's ``cloud.region``), ``type``, ``name`` and ``labels``
(Prowler writes tags as ``"key:value"``). PASS, FAIL and MUTED findings all count: the
question here is what exists and where, not whether a check passed.

.. code-block:: yaml

    sources:
      - type: prowler-ocsf
        path: output/prowler-output-123456789012-20261120101500.ocsf.json

Resource types map to catalog services through ``connectors/mappings/prowler.yaml``; the
account itself (``arn:aws:iam::<account>:root``, a subscription, a project) is not a component.
The full description is ``docs/connectors/prowler-ocsf.md``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from connectors import ScanContext, read_source_file
from connectors._common import ErrorList, load_json_or_lines, pick_str
from connectors.mappings import Key, ServiceRule, TypeTable, global_id, load_model, normalize_region
from inventory.records import ComponentRecord, CoverageEntry, InventoryBatch

TYPE = "prowler-ocsf"
SUMMARY = "Prowler OCSF JSON findings (aws, azure, gcp): every resource scanned, with account, region and tags."
PERMISSIONS = ("read access to the Prowler output file; no cloud credentials (Prowler's own scan needs its read-only roles)",)

#: Prowler writes about a finding per check and resource: files of hundreds of MB are common.
DEFAULT_MAX_BYTES = 1024 * 1024 * 1024

__all__ = ["Params", "fetch", "normalize"]

Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]


class MappingFile(BaseModel):
    """``connectors/mappings/prowler.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    providers: dict[Key, Key]
    types: TypeTable
    services: dict[Key, dict[str, ServiceRule]] = {}
    account_level: tuple[str, ...] = ()

    @field_validator("account_level")
    @classmethod
    def _compiles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            re.compile(pattern)
        return value


def mapping() -> MappingFile:
    return load_model("prowler.yaml", MappingFile)


class Params(BaseModel):
    """The source entry in ``sovmap.yaml``: ``{type: prowler-ocsf, path: prowler-output.ocsf.json}``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: Literal["prowler-ocsf"] = "prowler-ocsf"
    name: Text | None = None
    path: Text
    max_bytes: int = Field(default=DEFAULT_MAX_BYTES, gt=0)

    def source_name(self, file: str) -> str:
        return self.name or f"{TYPE}:{Path(file).name}"


def fetch(params: Params, ctx: ScanContext) -> tuple[str, bytes]:
    """Read the file (the only I/O); returns its display name and bytes."""
    return read_source_file(params.path, ctx, params.max_bytes)


def labels_to_tags(labels: Any) -> dict[str, str]:
    """Prowler's ``["key:value", ...]`` (``"key: value"`` in older versions) as tags.

    A label is split at its first colon, so a key must not contain one; AWS's own
    ``aws:...`` tags cannot be told apart and are left out.

    >>> labels_to_tags(["system:ecom", "Name: archive", "aws:cloudformation:stack-name:x", "url:https://a"])
    {'system': 'ecom', 'Name': 'archive', 'url': 'https://a'}
    """
    tags: dict[str, str] = {}
    if not isinstance(labels, list):
        return tags
    for label in labels:
        if not isinstance(label, str) or ":" not in label or label.startswith("aws:"):
            continue
        key, _, value = label.partition(":")
        if key.strip() and value.strip():
            tags[key.strip()] = value.strip()
    return tags


def normalize(raw: tuple[str, bytes], params: Params | None = None) -> InventoryBatch:
    """Read Prowler OCSF findings (pure: bytes in, records out); every problem is reported at once."""
    file, content = raw
    params = params or Params(path=file)
    source = params.source_name(file)
    table = mapping()
    account_level = [re.compile(p) for p in table.account_level]
    findings, lines = load_json_or_lines(content, file)
    errors = ErrorList()
    by_id: dict[str, ComponentRecord] = {}
    skipped_providers: dict[str, int] = {}
    left_out: set[str] = set()
    unmapped: dict[str, int] = {}
    for i, finding in enumerate(findings):
        line = lines[i] if lines else None
        entry = None if lines else f"findings[{i}]"
        if not isinstance(finding, dict):
            errors.add(f"a finding must be an object, not {type(finding).__name__}", file=file, line=line, entry=entry)
            continue
        uid = pick_str(finding.get("finding_info") or {}, "uid") if isinstance(finding.get("finding_info"), dict) else None
        if uid and entry:
            entry = f"{entry} ({uid})"
        cloud = finding.get("cloud")
        if cloud is not None and not isinstance(cloud, dict):
            errors.add(f"must be an object, not {type(cloud).__name__}", file=file, line=line, entry=entry, field="cloud")
            continue
        tool_provider = pick_str(cloud or {}, "provider") or pick_str(finding.get("unmapped") or {}, "provider")
        if tool_provider is None:
            errors.add("required field is missing: the finding names no cloud provider", file=file, line=line, entry=entry, field="cloud.provider")
            continue
        provider = table.providers.get(tool_provider)
        if provider is None:
            skipped_providers[tool_provider] = skipped_providers.get(tool_provider, 0) + 1
            continue
        resources = finding.get("resources")
        if not isinstance(resources, list) or not resources:
            errors.add("required field is missing" if resources is None else "must be a non-empty list of resources",
                       file=file, line=line, entry=entry, field="resources")
            continue
        account = cloud.get("account") if isinstance(cloud, dict) else None
        account_uid = pick_str(account, "uid") if isinstance(account, dict) else None
        for j, res in enumerate(resources):
            field = f"resources[{j}]"
            if not isinstance(res, dict):
                errors.add(f"must be an object, not {type(res).__name__}", file=file, line=line, entry=entry, field=field)
                continue
            rid = pick_str(res, "uid")
            if rid is None:
                errors.add("required field is missing", file=file, line=line, entry=entry, field=f"{field}.uid")
                continue
            rtype = pick_str(res, "type") or "Other"
            if any(p.match(rid) for p in account_level) or (account_uid and rid == account_uid):
                left_out.add(rid)
                continue
            rule = table.types.classify(rtype)
            if rule is False:
                left_out.add(rid)
                continue
            if rule is None:
                group = res.get("group") if isinstance(res.get("group"), dict) else {}
                rule = table.services.get(provider, {}).get(pick_str(group, "name") or "")
            ident = global_id(provider, rid) or f"prowler:{provider}:{account_uid or '-'}:{rid}"
            tags = labels_to_tags(res.get("labels"))
            known = by_id.get(ident)
            if known is not None:
                # The same resource in another check's finding: only its tags can add anything.
                known.tags.update({k: v for k, v in tags.items() if k not in known.tags})
                continue
            if rule is None or rule.service is None:
                unmapped[rtype] = unmapped.get(rtype, 0) + 1
            region = None
            if not (rule and rule.is_global):
                region = normalize_region(provider, pick_str(res, "region") or pick_str(cloud or {}, "region"))
            by_id[ident] = ComponentRecord(
                id=ident,
                name=pick_str(res, "name") or rid,
                kind=rtype,
                provider=provider,
                service=rule.service if rule else None,
                region=region,
                holds_data=bool(rule and rule.holds_data),
                external_id=rid,
                account=account_uid,
                tags=tags,
                source=source,
                origin=f"{file}:{line}" if line else f"{file}: {entry}",
            )
    errors.raise_if_any()
    batch = InventoryBatch(source=source, components=list(by_id.values()))
    parts = []
    if unmapped:
        parts.append("no catalog service for: " + ", ".join(f"{t} ({n})" for t, n in sorted(unmapped.items())))
    if left_out:
        parts.append(f"{len(left_out)} account-level or network-configuration resources left out")
    if skipped_providers:
        parts.append("findings of providers without regions left out: " + ", ".join(f"{p} ({n})" for p, n in sorted(skipped_providers.items())))
    batch.coverage.append(CoverageEntry(source=source, scope=file, status="read", detail="; ".join(parts) or None, count=len(batch.components)))
    return batch
