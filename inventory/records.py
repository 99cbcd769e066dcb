"""Inventory records: what connectors produce, what the store keeps, what the graph is built from.

Records are plain slotted dataclasses (a million of them must fit comfortably in memory).
An absent value is ``None``, never ``""``. ``origin`` says where a record was read
("file:line" or "aws:123456789012:eu-west-1"), so that later errors can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

Criticality = Literal["critical", "high", "medium", "low"]
Classification = Literal["public", "internal", "confidential", "secret"]
Access = Literal["admin", "support", "read"]
KeyCustody = Literal["provider", "customer-managed", "customer-held"]

CRITICALITY_WEIGHT: dict[str, int] = {"critical": 4, "high": 3, "medium": 2, "low": 1}

__all__ = [
    "AcceptanceRecord",
    "ComponentRecord",
    "CoverageEntry",
    "CRITICALITY_WEIGHT",
    "InventoryBatch",
    "OperatorRecord",
    "Organization",
    "SiteRecord",
    "SystemRecord",
]


@dataclass(slots=True)
class Organization:
    name: str
    country: str | None = None
    home_bloc: str = "EU"


@dataclass(slots=True)
class SystemRecord:
    id: str
    name: str
    criticality: str = "medium"
    classification: str = "internal"
    personal_data: bool = False
    owner: str | None = None
    rto_hours: float | None = None
    rpo_hours: float | None = None
    depends_on: tuple[str, ...] = ()
    exit_plan: bool = False
    alternatives: tuple[str, ...] = ()
    substitutability: str | None = None
    description: str | None = None
    source: str | None = None
    origin: str | None = None


@dataclass(slots=True)
class ComponentRecord:
    id: str
    name: str | None = None
    system: str | None = None
    kind: str | None = None
    provider: str | None = None
    service: str | None = None
    region: str | None = None
    site: str | None = None
    holds_data: bool = False
    data_volume_gb: float | None = None
    depends_on: tuple[str, ...] = ()
    key_custody: str | None = None
    external_id: str | None = None
    account: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    model: str | None = None  # a trained model (catalog key) the component runs or calls
    source: str | None = None
    origin: str | None = None


@dataclass(slots=True)
class OperatorRecord:
    id: str
    name: str
    legal_entity: str | None = None
    country: str | None = None
    operates: tuple[str, ...] = ()
    access: str = "admin"
    source: str | None = None
    origin: str | None = None


@dataclass(slots=True)
class SiteRecord:
    """An own or colocation data centre, declared by the organisation."""

    id: str
    name: str
    country: str | None = None
    city: str | None = None
    legal_entity: str | None = None
    source: str | None = None
    origin: str | None = None


@dataclass(slots=True)
class AcceptanceRecord:
    """A risk register entry: a risk somebody stated and accepted, until ``review_by``."""

    id: str
    risk: str
    scope: dict[str, str]
    owner: str
    rationale: str | None = None
    decided_on: date | None = None
    review_by: date | None = None
    source: str | None = None
    origin: str | None = None
    recorded_by: str | None = None  # who recorded it from the dashboard
    recorded_at: datetime | None = None


@dataclass(slots=True)
class CoverageEntry:
    """What a connector could and could not read, and why."""

    source: str
    scope: str
    status: Literal["read", "denied", "failed", "skipped"]
    detail: str | None = None
    count: int = 0


@dataclass(slots=True)
class InventoryBatch:
    """Everything one source produced in one scan."""

    source: str
    organization: Organization | None = None
    systems: list[SystemRecord] = field(default_factory=list)
    components: list[ComponentRecord] = field(default_factory=list)
    operators: list[OperatorRecord] = field(default_factory=list)
    sites: list[SiteRecord] = field(default_factory=list)
    acceptances: list[AcceptanceRecord] = field(default_factory=list)
    coverage: list[CoverageEntry] = field(default_factory=list)
