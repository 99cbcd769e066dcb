"""Microsoft Azure: every resource of the subscriptions a credential can read, found live.

Discovery goes through Azure Resource Graph (paged with ``$skipToken``), with the ARM
resource list per subscription as the fallback where Resource Graph is refused or fails.
Each resource becomes a component: id = the resource id lower-cased, ``external_id`` the
id as Azure returned it, provider ``azure``, the catalog service of its type, its ARM
location as region, the subscription as account, its tags plus ``resource_group``. Key
Vault and Managed HSM set key custody; a geo-redundant storage account gets a second
component in its secondary region and a Cosmos DB account one per replica region, so that
every data location is a component. The Entra ID tenant of the subscriptions is a
component of its own (service ``entra-id``).

A subscription that cannot be read is a coverage entry (``denied`` or ``failed``), never
the end of the scan; no token at all stops the scan with the reason. The full description,
with the permissions, is ``docs/connectors/azure.md``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from connectors import ScanContext
from inventory.records import InventoryBatch

TYPE = "azure"
SUMMARY = (
    "Microsoft Azure resources of all visible (or the listed) subscriptions and management groups, "
    "through Resource Graph with ARM listing as fallback; the Entra ID tenant; key custody; geo-replicas."
)
PERMISSIONS = (
    (
        "Azure RBAC built-in role Reader (acdd72a7-3385-48ef-bd42-f606fba81ae7) at each subscription or management "
        "group scanned; of its actions sovmap uses:"
    ),
    "Microsoft.Resources/subscriptions/read (list and read the subscriptions)",
    "Microsoft.ResourceGraph/resources/read (Resource Graph queries)",
    "Microsoft.Resources/subscriptions/resources/read (ARM resource list, the fallback)",
    (
        "Microsoft.Management/managementGroups/read and Microsoft.Management/managementGroups/descendants/read "
        "(only with management_groups)"
    ),
    (
        "<provider>/<type>/read for the property lists of the fallback: Microsoft.Storage/storageAccounts/read, "
        "Microsoft.DocumentDB/databaseAccounts/read, Microsoft.KeyVault/vaults/read, Microsoft.KeyVault/managedHSMs/read, "
        "Microsoft.Compute/virtualMachines/read, Microsoft.Compute/disks/read, "
        "Microsoft.ContainerService/managedClusters/read, Microsoft.Web/sites/read, "
        "Microsoft.CognitiveServices/accounts/read and the others listed in docs/connectors/azure.md"
    ),
    "GET /tenants (the tenant's name and country) needs a token only, no role",
    "no data-plane access and no Microsoft Graph permission: no keys, secrets, blobs or rows are read",
)

__all__ = ["PERMISSIONS", "SUMMARY", "TYPE", "Params", "fetch", "normalize"]

Guid = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    ),
]
# Management group ids: letters, digits, - _ ( ) . up to 90 characters.
GroupId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_().-]{1,90}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]


class Params(BaseModel):
    """The source entry in ``sovmap.yaml``: ``{type: azure}`` reads every subscription the credential sees."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: Literal["azure"] = "azure"
    name: Text | None = None
    subscriptions: list[Guid] = []
    management_groups: list[GroupId] = []
    tenant_id: Guid | None = None
    credential: Literal["default", "service-principal", "managed-identity"] = "default"
    endpoint: Text = "https://management.azure.com"
    authority: Text | None = None
    ca_bundle: Text | None = None
    method: Literal["auto", "resource-graph", "arm"] = "auto"
    exclude_types: list[Text] = []
    tenant_component: bool = True
    max_retries: int = Field(default=5, ge=0, le=20)
    timeout_seconds: float = Field(default=60.0, gt=0, le=600)

    @field_validator("endpoint")
    @classmethod
    def _https_endpoint(cls, value: str) -> str:
        # The bearer token must never travel in clear text.
        if not value.lower().startswith("https://"):
            raise ValueError("must be an https:// URL (the bearer token is never sent in clear text)")
        return value.rstrip("/")

    @field_validator("authority")
    @classmethod
    def _https_authority(cls, value: str | None) -> str | None:
        if value is not None and "://" in value and not value.lower().startswith("https://"):
            raise ValueError("must be a host name or an https:// URL")
        return value

    @field_validator("exclude_types")
    @classmethod
    def _lower_types(cls, value: list[str]) -> list[str]:
        return [v.lower() for v in value]

    @property
    def source_name(self) -> str:
        return self.name or f"{TYPE}:{self.tenant_id or 'default'}"


def fetch(params: Params, ctx: ScanContext) -> dict:
    """Read the estate (the only I/O): tenants, subscriptions, resources, and what could not be read."""
    from connectors.azure.clients import build_arm_client
    from connectors.azure.discovery import fetch_estate

    with build_arm_client(params, ctx.base_dir) as client:
        return fetch_estate(client, params, ctx.progress)


def normalize(raw: dict, params: Params | None = None) -> InventoryBatch:
    """Turn what :func:`fetch` read into components and coverage (pure)."""
    from connectors.azure.resources import normalize_estate

    return normalize_estate(raw, params or Params())
