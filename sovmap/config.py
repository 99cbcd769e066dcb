"""``sovmap.yaml``: sources, attribution rules, the risk register, the database.

Relative paths are resolved against the folder of the config file. Each source's
parameters are validated by its connector's ``Params`` model when the config loads,
so a typo in a source is reported with the config file's line before any scan runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from connectors import REGISTRY, load_connector
from scoring.settings import ScoringSection
from inventory.merge import MatchingSettings
from sovmap.errors import InputError, InputErrors
from sovmap.validation import validate_model
from sovmap.yamlio import read_yaml_file

DEFAULT_DATABASE_URL = "sqlite:///sovmap.db"
ENV_DATABASE_URL = "SOVMAP_DATABASE_URL"

__all__ = ["AttributionRule", "Config", "load_config", "resolve_database_url"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RuleMatch(_Model):
    """Conditions of an attribution rule; all given ones must hold (``*`` and ``?`` as wildcards)."""

    account: str | None = None
    provider: str | None = None
    region: str | None = None
    resource_group: str | None = None
    name: str | None = None
    id: str | None = None
    tag: dict[str, str] | None = None


class AttributionRule(_Model):
    match: RuleMatch
    system: str = Field(min_length=1)


class Attribution(_Model):
    tag_keys: list[str] = ["system", "application"]
    rules: list[AttributionRule] = []


class SourceEntry(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str


class ConfigFile(_Model):
    version: Literal[1] = 1
    database: str | None = None
    catalog_overrides: list[str] = []
    sources: list[SourceEntry] = Field(min_length=1)
    risk_register: str | None = None
    attribution: Attribution = Attribution()
    matching: MatchingSettings = MatchingSettings()
    as_of: str | None = None
    scoring: ScoringSection = ScoringSection()


@dataclass
class Config:
    path: Path
    base_dir: Path
    database: str | None
    catalog_overrides: list[Path]
    sources: list[tuple[str, Any]]  # (type, validated Params)
    risk_register: Path | None
    attribution: Attribution
    scoring: ScoringSection = field(default_factory=ScoringSection)  # paths in it are relative to base_dir
    matching: MatchingSettings = field(default_factory=MatchingSettings)


def load_config(path: str | Path) -> Config:
    """Read and validate ``sovmap.yaml`` and every source's parameters."""
    path = Path(path)
    data = read_yaml_file(path)
    file = str(path)
    if not isinstance(data, dict):
        raise InputError("the top level must be a mapping (version, sources, ...)", file=file)
    doc = validate_model(ConfigFile, data, file=file)
    base = path.resolve().parent
    sources: list[tuple[str, Any]] = []
    errors: list[InputError] = []
    raw_sources = data["sources"]
    for index, entry in enumerate(raw_sources):
        type_ = entry["type"]
        line = raw_sources.item_lines[index]
        if type_ not in REGISTRY:
            errors.append(
                InputError(
                    f"unknown source type '{type_}' (known: {', '.join(sorted(REGISTRY))})",
                    file=file, line=line, entry=f"sources[{index}]", field="type",
                )
            )
            continue
        module = load_connector(type_)
        try:
            sources.append((type_, validate_model(module.Params, entry, file=file)))
        except InputError as exc:
            errors.append(_reentry(exc, index))
        except InputErrors as exc:
            errors.extend(_reentry(e, index) for e in exc.errors)
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    return Config(
        path=path,
        base_dir=base,
        database=doc.database,
        catalog_overrides=[base / p for p in doc.catalog_overrides],
        sources=sources,
        risk_register=(base / doc.risk_register) if doc.risk_register else None,
        attribution=doc.attribution,
        matching=doc.matching,
        scoring=doc.scoring,
    )


def _reentry(exc: InputError, index: int) -> InputError:
    return InputError(exc.reason, file=exc.file, line=exc.line, entry=f"sources[{index}]", field=exc.field)


def resolve_database_url(cli_value: str | None = None, config: Config | None = None) -> str:
    """``--db`` wins, then ``SOVMAP_DATABASE_URL``, then the config's ``database``, then SQLite here."""
    return cli_value or os.environ.get(ENV_DATABASE_URL) or (config.database if config else None) or DEFAULT_DATABASE_URL
