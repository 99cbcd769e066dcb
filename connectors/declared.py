"""Declared inventory (version 1): what people know and no API tells.

Which system a resource serves, how critical it is, SaaS, on-premises sites, who operates
what, and the risk register. The schema is in ``docs/inventory-format.md``.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Literal

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
from sovmap.errors import InputError
from sovmap.validation import validate_model
from sovmap.yamlio import MAX_BYTES, decode_text, load_yaml

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
    depends_on: list[Id] = []
    exit_plan: bool = False
    alternatives: list[Text] = []
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
    depends_on: list[Id] = []
    key_custody: Literal["provider", "customer-managed", "customer-held"] | None = None
    external_id: Text | None = None
    account: Text | None = None
    tags: dict[Text, str] = {}
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
    operates: list[Id] = []
    access: Literal["admin", "support", "read"] = "admin"


class ScopeIn(_Model):
    system: Id | None = None
    component: Id | None = None
    provider: Id | None = None
    jurisdiction: CountryCode | None = None
    region: Id | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> ScopeIn:
        if not any(self.model_dump().values()):
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


def _origin(file: str, items, index: int) -> str:
    lines = getattr(items, "item_lines", None)
    return f"{file}:{lines[index]}" if lines and index < len(lines) else file


def _acceptances(items: list[AcceptanceIn], raw, file: str, source: str) -> list[AcceptanceRecord]:
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
            origin=_origin(file, raw, i),
        )
        for i, a in enumerate(items)
    ]


def normalize(raw: tuple[str, bytes], params: Params | None = None) -> InventoryBatch:
    """Parse and validate a declared inventory (pure: bytes in, records out)."""
    file, content = raw
    source = (params.name if params and params.name else None) or f"declared:{Path(file).name}"
    data = load_yaml(decode_text(content, file), file=file)
    if not isinstance(data, dict):
        raise InputError("the top level must be a mapping with 'version: 1'", file=file, line=getattr(data, "line", 1))
    doc = validate_model(DeclaredInventory, data, file=file)
    org = doc.organization
    batch = InventoryBatch(
        source=source,
        organization=Organization(org.name, org.country, org.home_bloc) if org else None,
    )
    batch.sites = [
        SiteRecord(s.id, s.name, s.country, s.city, s.legal_entity, source, _origin(file, data.get("sites"), i))
        for i, s in enumerate(doc.sites)
    ]
    batch.systems = [
        SystemRecord(
            id=s.id, name=s.name, criticality=s.criticality, classification=s.classification,
            personal_data=s.personal_data, owner=s.owner, rto_hours=s.rto_hours, rpo_hours=s.rpo_hours,
            depends_on=tuple(s.depends_on), exit_plan=s.exit_plan, alternatives=tuple(s.alternatives),
            substitutability=s.substitutability, description=s.description, source=source,
            origin=_origin(file, data.get("systems"), i),
        )
        for i, s in enumerate(doc.systems)
    ]
    batch.components = [
        ComponentRecord(
            id=c.id, name=c.name, system=c.system, kind=c.kind, provider=c.provider, service=c.service,
            region=c.region, site=c.site, holds_data=c.holds_data, data_volume_gb=c.data_volume_gb,
            depends_on=tuple(c.depends_on), key_custody=c.key_custody, external_id=c.external_id,
            account=c.account, tags=dict(c.tags), model=c.model, source=source, origin=_origin(file, data.get("components"), i),
        )
        for i, c in enumerate(doc.components)
    ]
    batch.operators = [
        OperatorRecord(
            id=o.id, name=o.name, legal_entity=o.legal_entity, country=o.country, operates=tuple(o.operates),
            access=o.access, source=source, origin=_origin(file, data.get("operators"), i),
        )
        for i, o in enumerate(doc.operators)
    ]
    batch.acceptances = _acceptances(doc.risk_register, data.get("risk_register"), file, source)
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
    return _acceptances(doc.risk_register, data.get("risk_register"), file, f"register:{Path(file).name}")
