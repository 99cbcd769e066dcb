"""AWS: the resources of one or many accounts, in every enabled region, read-only.

.. code-block:: yaml

    sources:
      - type: aws
        name: aws-org                  # optional; default "aws"
        assume_role: SovmapReadOnly    # role name (or ARN with {account}) in each member account
        accounts: ["111122223333"]     # optional; default: every active account of the organisation
        regions: [eu-west-1, eu-central-1]   # optional; default: every region enabled in each account

Credentials come from the standard chain (``profile`` names one); ``profiles`` reads one
account per profile instead of assuming a role. The service modules in
:mod:`connectors.aws.services` say what is read; :mod:`connectors.aws.discovery` runs
them on a bounded pool; the coverage report says what could not be read and why.
``docs/connectors/aws.md`` has the read-only IAM policy, which is :data:`PERMISSIONS`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from connectors import ScanContext
from connectors.aws import discovery
from connectors.aws.clients import ClientFactory, ClientSettings
from connectors.aws.services import SERVICES
from connectors.aws.services.kms import alias_index
from inventory.records import ComponentRecord, CoverageEntry, InventoryBatch

TYPE = "aws"
SUMMARY = (
    "AWS accounts (one, several profiles, or an Organization through a read-only role), every enabled region: "
    "EC2, EBS, VPC, S3, RDS, Aurora, DynamoDB, Lambda, ECS, EKS, ElastiCache, SQS, SNS, Kinesis, KMS, Secrets Manager, "
    "CloudFront, Route 53, IAM, Identity Center, Cognito, SageMaker, Redshift, EFS, Backup, and tagged resources of other services."
)

#: Every IAM action the connector calls: the read-only policy in docs/connectors/aws.md.
PERMISSIONS: tuple[str, ...] = tuple(
    sorted(
        {action for table in discovery.CALLS.values() for action in table.values()}
        | {action for spec in SERVICES.values() for action in spec.calls.values()}
    )
)

__all__ = ["PERMISSIONS", "SUMMARY", "TYPE", "Params", "client_settings", "fetch", "normalize"]

Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
_REGION = re.compile(r"^[a-z]{2,5}(-[a-z]+)+-\d+$")
RoleName = Annotated[str, StringConstraints(max_length=2048, pattern=r"^(arn:\S+|[A-Za-z0-9_+=,.@/-]+)$")]


class Params(BaseModel):
    """The source entry in ``sovmap.yaml``; every field is optional."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: Literal["aws"] = "aws"
    name: Text | None = None
    profile: Text | None = None
    profiles: list[Text] = []
    assume_role: RoleName | None = None
    external_id: Text | None = None
    role_session_name: Annotated[str, StringConstraints(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_+=,.@-]+$")] = "sovmap"
    role_duration_seconds: int = Field(default=3600, ge=900, le=43200)
    accounts: list[str] | None = None
    regions: list[str] | None = Field(default=None, min_length=1)
    global_region: str | None = None
    services: list[str] | None = Field(default=None, min_length=1)
    endpoint_url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    ca_bundle: Text | None = None
    workers: int | None = Field(default=None, ge=1, le=256)
    max_attempts: int = Field(default=8, ge=1, le=20)
    connect_timeout: float = Field(default=10.0, gt=0, le=300)
    read_timeout: float = Field(default=60.0, gt=0, le=900)

    @field_validator("accounts", mode="before")
    @classmethod
    def _account_ids(cls, value: Any) -> Any:
        # YAML reads an unquoted 123456789012 as a number: take it back as the 12-digit id.
        if isinstance(value, list):
            return [f"{v:012d}" if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 10**12 else v for v in value]
        return value

    @field_validator("accounts")
    @classmethod
    def _twelve_digits(cls, value: list[str] | None) -> list[str] | None:
        for account in value or ():
            if not (len(account) == 12 and account.isdigit()):
                raise ValueError(f"'{account}' is not an AWS account id (12 digits; quote ids that begin with 0)")
        return value

    @field_validator("regions", "global_region")
    @classmethod
    def _region_codes(cls, value: list[str] | str | None) -> list[str] | str | None:
        for code in [value] if isinstance(value, str) else value or ():
            if not _REGION.match(code):
                raise ValueError(f"'{code}' is not an AWS region code (like eu-west-1)")
        return value

    @field_validator("services")
    @classmethod
    def _known_services(cls, value: list[str] | None) -> list[str] | None:
        for key in value or ():
            if key not in SERVICES:
                raise ValueError(f"unknown service '{key}' (known: {', '.join(SERVICES)})")
        return value

    @field_validator("assume_role")
    @classmethod
    def _role_template(cls, value: str | None) -> str | None:
        if value and value.startswith("arn:") and "{account}" not in value:
            raise ValueError("a role ARN must contain {account}, e.g. arn:aws:iam::{account}:role/SovmapReadOnly; or give the role name")
        return value

    @model_validator(mode="after")
    def _accounts_need_a_role(self) -> Params:
        if self.accounts and not self.assume_role:
            raise ValueError("'accounts' needs 'assume_role': the role to assume in each account")
        return self

    def source_name(self) -> str:
        return self.name or TYPE


def client_settings(params: Params, base_dir: Path | None = None) -> ClientSettings:
    """The client settings of a source (a relative CA bundle is relative to ``sovmap.yaml``)."""
    ca = params.ca_bundle
    if ca and base_dir is not None and not Path(ca).is_absolute():
        ca = str(base_dir / ca)
    return ClientSettings(
        endpoint_url=params.endpoint_url,
        ca_bundle=ca,
        max_attempts=params.max_attempts,
        connect_timeout=params.connect_timeout,
        read_timeout=params.read_timeout,
        role_session_name=params.role_session_name,
        external_id=params.external_id,
        role_duration_seconds=params.role_duration_seconds,
        max_pool_connections=max(10, params.workers or 0),
    )


def fetch(params: Params, ctx: ScanContext, *, clients: ClientFactory | None = None) -> dict:
    """Read the estate (the only I/O): raw, JSON-like data for :func:`normalize`.

    ``clients`` replaces the client factory built from ``params``, e.g. to register hooks.
    """
    clients = clients or ClientFactory(client_settings(params, ctx.base_dir))
    return discovery.discover(params, clients, workers=params.workers or ctx.workers, progress=ctx.progress)


def normalize(raw: dict, params: Params | None = None) -> InventoryBatch:
    """Records from what :func:`fetch` read (pure).

    Beyond each service's own records: tags from the tagging API go to the resources read
    by their own module (whose tags win); a tagged resource no module read becomes a
    component of its own; a replica or copy whose own region was read directly gives way to
    that record; an alias reference becomes a reference to the key; a component without
    key custody takes that of the KMS key it depends on; dependencies on resources outside
    the batch are left out and counted in the coverage report.
    """
    source = params.source_name() if params else TYPE
    read: dict[str, ComponentRecord] = {}
    tagged: dict[str, ComponentRecord] = {}
    aliases: dict[str, str] = {}
    for result in raw["results"]:
        spec = SERVICES[result["service"]]
        account, region = result["account"], result["region"]
        records = spec.normalize(result["items"], account, region)
        if spec.key == "tagging":
            for record in records:
                tagged.setdefault(record.id, record)
            continue
        if spec.key == "kms":
            aliases.update(alias_index(result["items"], account, region))
        for record in records:
            read.setdefault(record.id, record)
    for arn, record in tagged.items():
        own = read.get(arn)
        if own is None:
            read[arn] = record
        else:
            own.tags = {**record.tags, **own.tags}
    # A replica or copy stands for a place. When that place was read itself, that record
    # stands for it; when several tables or vaults name the same place, one record does,
    # depending on all of them.
    components: dict[str, ComponentRecord] = {}
    places: dict[str, ComponentRecord] = {}
    for ident in sorted(read):
        record = read[ident]
        place = record.external_id
        if place == ident:
            components[ident] = record
        elif place not in read:
            kept = places.setdefault(place, record)
            if kept is record:
                components[ident] = record
            else:
                kept.depends_on = tuple(dict.fromkeys(kept.depends_on + record.depends_on))
    custody = {i: r.key_custody for i, r in components.items() if r.service == "kms" and r.key_custody}
    dropped = 0
    for record in components.values():
        deps = []
        for dep in record.depends_on:
            dep = aliases.get(dep, dep)
            if dep in components and dep != record.id:
                deps.append(dep)
            else:
                dropped += 1
        record.depends_on = tuple(dict.fromkeys(deps))
        if record.key_custody is None:
            record.key_custody = next((custody[d] for d in record.depends_on if d in custody), None)
        record.source = source
    batch = InventoryBatch(source=source, components=[components[i] for i in sorted(components)])
    batch.coverage = [
        CoverageEntry(source=source, scope=c["scope"], status=c["status"], detail=c.get("detail"), count=c.get("count", 0))
        for c in raw["coverage"]
    ]
    if dropped:
        batch.coverage.append(
            CoverageEntry(
                source=source, scope="dependencies", status="read", count=dropped,
                detail=f"{dropped} reference(s) to resources outside this scan (other accounts, regions not read, "
                "deleted resources) left out",
            )
        )
    return batch
