"""Declared inventory (version 1): what people know and no API tells.

Which system a resource serves, how critical it is, SaaS, on-premises sites, who operates
what, and the risk register. The schema is in ``docs/inventory-format.md``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from connectors import ScanContext, read_source_file
from inventory.records import (
    AcceptanceRecord,
    ComponentRecord,
    InventoryBatch,
    OperatorRecord,
    Organization,
    SiteRecord,
    SystemRecord,
)
from sovmap.errors import InputError, InputErrors
from sovmap.validation import validate_chunks, validate_model
from sovmap.yamlio import MAX_BYTES, block_item_lines, decode_text, load_yaml

Id = Annotated[str, StringConstraints(min_length=1, max_length=512, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/@+=-]*$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Criticality = Literal["critical", "high", "medium", "low"]
Classification = Literal["public", "internal", "confidential", "secret"]
Substitutability = Literal["not-substitutable", "highly-complex", "medium", "easy"]
FindingType = Literal[
    "foreign-law-access",
    "foreign-suspension",
    "data-outside-eu",
    "operator-access",
    "provider-concentration",
    "single-point-of-failure",
    "low-exit-feasibility",
    "unknown-location",
    "unknown-provider",
    "unknown-service",
    "unknown-legal-entity",
    "unknown-model",
    "unattributed-resource",
    "source-conflict",
]

TYPE = "declared"
SUMMARY = "Declared inventory YAML (systems, components, sites, operators, risk register)."
PERMISSIONS = ("read access to the YAML file",)

__all__ = ["DeclaredInventory", "Params", "fetch", "normalize", "parse_register"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Params(_Model):
    """The source entry in ``sovmap.yaml``: ``{type: declared, path: inventory.yaml}``."""

    type: Literal["declared"] = "declared"
    name: str | None = None
    path: Text
    max_bytes: int = Field(default=MAX_BYTES, gt=0)


class OrganizationIn(_Model):
    name: Text
    country: CountryCode | None = None
    home_bloc: Literal["EU", "EEA"] = "EU"


class SiteIn(_Model):
    id: Id
    name: Text
    country: CountryCode | None = None
    city: Text | None = None
    legal_entity: Id | None = None


class SystemIn(_Model):
    id: Id
    name: Text
    criticality: Criticality = "medium"
    classification: Classification = "internal"
    personal_data: bool = False
    owner: Text | None = None
    rto_hours: float | None = Field(default=None, ge=0)
    rpo_hours: float | None = Field(default=None, ge=0)
    depends_on: list[Id] = Field(default_factory=list)
    exit_plan: bool = False
    alternatives: list[Text] = Field(default_factory=list)
    substitutability: Substitutability | None = None
    description: Text | None = None


class ComponentIn(_Model):
    id: Id
    name: Text | None = None
    system: Id | None = None
    kind: Text | None = None
    provider: Id | None = None
    service: Id | None = None
    region: Id | None = None
    site: Id | None = None
    holds_data: bool = False
    data_volume_gb: float | None = Field(default=None, ge=0)
    depends_on: list[Id] = Field(default_factory=list)
    key_custody: Literal["provider", "customer-managed", "customer-held"] | None = None
    external_id: Text | None = None
    account: Text | None = None
    tags: dict[Text, str] = Field(default_factory=dict)
    model: Id | None = None

    @model_validator(mode="after")
    def _placed(self) -> ComponentIn:
        if self.region and self.site:
            raise ValueError("give either 'region' (a provider's region) or 'site' (an own data centre), not both")
        return self


class OperatorIn(_Model):
    id: Id
    name: Text
    legal_entity: Id | None = None
    country: CountryCode | None = None
    operates: list[Id] = Field(default_factory=list)
    access: Literal["admin", "support", "read"] = "admin"


class ScopeIn(_Model):
    system: Id | None = None
    component: Id | None = None
    provider: Id | None = None
    jurisdiction: CountryCode | None = None
    region: Id | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> ScopeIn:
        if not (self.system or self.component or self.provider or self.jurisdiction or self.region):
            raise ValueError("a scope needs at least one of system, component, provider, jurisdiction, region")
        return self


class AcceptanceIn(_Model):
    id: Id
    risk: FindingType
    scope: ScopeIn
    owner: Text
    rationale: Text | None = None
    decided_on: date | None = None
    review_by: date | None = None
    recorded_by: Text | None = None
    recorded_at: datetime | None = None

    @model_validator(mode="after")
    def _dates(self) -> AcceptanceIn:
        if self.decided_on and self.review_by and self.review_by < self.decided_on:
            raise ValueError("review_by is before decided_on")
        return self


class DeclaredInventory(_Model):
    version: Literal[1]
    organization: OrganizationIn | None = None
    sites: list[SiteIn] = []
    systems: list[SystemIn] = []
    components: list[ComponentIn] = []
    operators: list[OperatorIn] = []
    risk_register: list[AcceptanceIn] = []


class RegisterFile(_Model):
    version: Literal[1] = 1
    risk_register: list[AcceptanceIn] = []


def fetch(params: Params, ctx: ScanContext) -> tuple[str, bytes]:
    """Read the file (the only I/O); returns its display name and bytes."""
    return read_source_file(params.path, ctx, params.max_bytes)


def _origins(file: str, lines: list[int] | None, count: int) -> list[str]:
    """``file:line`` of each of ``count`` entries (just ``file`` when the lines are unknown)."""
    if lines is None or len(lines) != count:
        return [file] * count
    return [f"{file}:{line}" for line in lines]


def _item_lines(text: str, data: dict[Any, Any], key: str, reread: Callable[[], Any]) -> list[int] | None:
    """The line of each item of the top-level list ``key``: found in the text for the usual
    layout, from the line-tracking reader for any other (flow style, say). None when that
    reader refuses what the fast one read (a few YAML 1.2 forms libyaml does not parse)."""
    items = data.get(key)
    if not items:
        return []
    lines = getattr(items, "item_lines", None) or block_item_lines(text, key, len(items))
    if lines is None:
        try:
            lines = getattr(reread().get(key), "item_lines", None)
        except InputError:
            return None
    return lines


def _acceptances(items: list[AcceptanceIn], origins: list[str], source: str) -> list[AcceptanceRecord]:
    return [
        AcceptanceRecord(
            id=a.id,
            risk=a.risk,
            scope={k: v for k, v in a.scope.model_dump().items() if v is not None},
            owner=a.owner,
            rationale=a.rationale,
            decided_on=a.decided_on,
            review_by=a.review_by,
            recorded_by=a.recorded_by,
            recorded_at=a.recorded_at,
            source=source,
            origin=origin,
        )
        for a, origin in zip(items, origins, strict=True)
    ]


#: Components validated at a time when an inventory holds more than this many.
_CHUNK = 50_000
#: Component fields whose values repeat across thousands of components: one string each.
_SHARED_FIELDS = ("system", "kind", "provider", "service", "region", "site", "key_custody", "account", "model")


def _components(models: list[ComponentIn], origins: list[str], source: str) -> list[ComponentRecord]:
    # The fields of ComponentIn are named as those of ComponentRecord; a hundred thousand of
    # them are built this way in half the time that naming each field takes. Values that
    # repeat (providers, regions, systems) are interned: the parser makes a string per
    # occurrence, and records, graph and scores keep them for the whole scan.
    intern = sys.intern
    out = []
    for c, origin in zip(models, origins, strict=True):
        fields = vars(c) | {"depends_on": tuple(c.depends_on), "source": source, "origin": origin}
        for name in _SHARED_FIELDS:
            value = fields[name]
            if value is not None:
                fields[name] = intern(value)
        out.append(ComponentRecord(**fields))
    return out


def normalize(raw: tuple[str, bytes], params: Params | None = None) -> InventoryBatch:
    """Parse and validate a declared inventory (pure: bytes in, records out).

    The fast reader reads it; the line-tracking one only when lines are wanted: to say where
    a problem is, or where the items of an unusual layout start.
    """
    file, content = raw
    source = (params.name if params and params.name else None) or f"declared:{Path(file).name}"
    text = decode_text(content, file)
    data = load_yaml(text, file=file, lines=False)
    reread = cache(lambda: load_yaml(text, file=file))
    if not isinstance(data, dict):
        raise InputError("the top level must be a mapping with 'version: 1'", file=file, line=getattr(reread(), "line", 1))

    def origins(key: str, count: int) -> list[str]:
        return _origins(file, _item_lines(text, data, key, reread), count)

    items = data.get("components")
    if not (isinstance(items, list) and len(items) > _CHUNK):
        doc = validate_model(DeclaredInventory, data, file=file, lines=reread)
        components = _components(doc.components, origins("components", len(doc.components)), source)
    else:
        # A very large inventory: its components are validated and turned into records a
        # chunk at a time, so that the parsed document, the validated models and the
        # records are never all held at once.
        comp_origins = origins("components", len(items))
        errors: list[InputError] = []
        try:
            doc = validate_model(DeclaredInventory, {**data, "components": []}, file=file, lines=reread)
        except InputErrors as exc:
            errors.extend(exc.errors)
        except InputError as exc:
            errors.append(exc)
        components = []
        try:
            for start, models in validate_chunks(ComponentIn, data, "components", file=file, lines=reread, chunk=_CHUNK):
                if not errors:
                    components += _components(models, comp_origins[start:start + len(models)], source)
        except InputErrors as exc:
            errors.extend(exc.errors)
        except InputError as exc:
            errors.append(exc)
        if errors:
            raise errors[0] if len(errors) == 1 else InputErrors(errors)
        del comp_origins

    org = doc.organization
    batch = InventoryBatch(
        source=source,
        organization=Organization(org.name, org.country, org.home_bloc) if org else None,
    )
    batch.sites = [
        SiteRecord(s.id, s.name, s.country, s.city, s.legal_entity, source, origin)
        for s, origin in zip(doc.sites, origins("sites", len(doc.sites)), strict=True)
    ]
    batch.systems = [
        SystemRecord(
            id=s.id, name=s.name, criticality=s.criticality, classification=s.classification,
            personal_data=s.personal_data, owner=s.owner, rto_hours=s.rto_hours, rpo_hours=s.rpo_hours,
            depends_on=tuple(s.depends_on), exit_plan=s.exit_plan, alternatives=tuple(s.alternatives),
            substitutability=s.substitutability, description=s.description, source=source, origin=origin,
        )
        for s, origin in zip(doc.systems, origins("systems", len(doc.systems)), strict=True)
    ]
    batch.components = components
    batch.operators = [
        OperatorRecord(
            id=o.id, name=o.name, legal_entity=o.legal_entity, country=o.country, operates=tuple(o.operates),
            access=o.access, source=source, origin=origin,
        )
        for o, origin in zip(doc.operators, origins("operators", len(doc.operators)), strict=True)
    ]
    batch.acceptances = _acceptances(doc.risk_register, origins("risk_register", len(doc.risk_register)), source)
    return batch


def parse_register(raw: tuple[str, bytes]) -> list[AcceptanceRecord]:
    """Parse a risk register file of its own (``risk_register:`` list, optional ``version: 1``)."""
    file, content = raw
    data = load_yaml(decode_text(content, file), file=file, allow_empty=True)
    if data is None:
        return []
    if not isinstance(data, dict):
        raise InputError("the top level must be a mapping with a 'risk_register' list", file=file)
    doc = validate_model(RegisterFile, data, file=file)
    lines = getattr(data.get("risk_register"), "item_lines", None)
    return _acceptances(doc.risk_register, _origins(file, lines, len(doc.risk_register)), f"register:{Path(file).name}")
