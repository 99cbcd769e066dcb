"""Google Cloud: every resource Cloud Asset Inventory finds in the listed organizations, folders or projects.

One ``searchAllResources`` per scope, paged with ``nextPageToken``. Each resource becomes a
component: id = its full resource name (``//compute.googleapis.com/projects/...``),
provider ``gcp``, the catalog service of its asset type, its location as region (a zone
gives its region; multi-regions such as ``eu`` are kept as they are and resolved, or
reported UNKNOWN, by the catalog), the project number as account, its labels plus
``project`` as tags. Customer keys (``kmsKeys``) set key custody and a dependency on the
key. A scope that cannot be read is a coverage entry, never the end of the scan; no
credential at all stops the scan with the reason. The full description, with the
permissions, is ``docs/connectors/gcp.md``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from connectors import ScanContext
from inventory.records import InventoryBatch

TYPE = "gcp"
SUMMARY = "Google Cloud resources of organizations, folders or projects through Cloud Asset Inventory (searchAllResources)."
PERMISSIONS = (
    (
        "IAM role roles/cloudasset.viewer (Cloud Asset Viewer) on each organization, folder or project scanned; "
        "sovmap uses its permission cloudasset.assets.searchAllResources"
    ),
    "the Cloud Asset API (cloudasset.googleapis.com) enabled in the project that the credential's quota is charged to",
    "no data access: no object, row, secret or key material is read",
)

__all__ = ["PERMISSIONS", "SUMMARY", "TYPE", "Params", "fetch", "normalize"]

Scope = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^(organizations|folders|projects)/[A-Za-z0-9_.:-]+$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]


class Params(BaseModel):
    """The source entry in ``sovmap.yaml``: ``{type: gcp, scopes: [organizations/123456789012]}``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: Literal["gcp"] = "gcp"
    name: Text | None = None
    scopes: list[Scope] = Field(min_length=1)
    asset_types: list[Text] = []
    exclude_types: list[Text] = []
    endpoint: Text = "https://cloudasset.googleapis.com"
    ca_bundle: Text | None = None
    page_size: int = Field(default=500, ge=1, le=500)
    max_retries: int = Field(default=5, ge=0, le=20)
    timeout_seconds: float = Field(default=60.0, gt=0, le=600)

    @field_validator("endpoint")
    @classmethod
    def _https_endpoint(cls, value: str) -> str:
        # The bearer token must never travel in clear text.
        if not value.lower().startswith("https://"):
            raise ValueError("must be an https:// URL (the bearer token is never sent in clear text)")
        return value.rstrip("/")

    @property
    def source_name(self) -> str:
        return self.name or f"{TYPE}:{self.scopes[0]}"


def fetch(params: Params, ctx: ScanContext) -> dict:
    """Search every scope (the only I/O); what could not be read is recorded, not raised."""
    from connectors.gcp.clients import build_asset_client
    from connectors.gcp.discovery import fetch_estate

    with build_asset_client(params, ctx.base_dir) as client:
        return fetch_estate(client, params, ctx.progress)


def normalize(raw: dict, params: Params | None = None) -> InventoryBatch:
    """Turn what :func:`fetch` read into components and coverage (pure)."""
    from connectors.gcp.resources import normalize_estate

    if params is None:
        raise ValueError("the gcp connector needs its Params to name the source")
    return normalize_estate(raw, params)
