"""What every family normalizer shares: resource ids, locations, key URIs, the index of the estate.

Everything here is pure. Rows are the resources as Azure sent them (a Resource Graph row
or an ARM list item, with ``properties`` where they were read): required fields are read by
index, optional ones with ``.get``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "Index",
    "Row",
    "component_id",
    "custody_of_key",
    "key_host",
    "parent_id",
    "props",
    "region_of",
    "resource_group_of",
    "subscription_of",
]

Row = dict[str, Any]

_SUBSCRIPTION = re.compile(r"^/subscriptions/([^/]+)", re.IGNORECASE)
_GROUP = re.compile(r"^/subscriptions/[^/]+/resourcegroups/([^/]+)", re.IGNORECASE)


def component_id(resource_id: str) -> str:
    """The component id of a resource: its ARM id, lower-cased (ARM ids are case-insensitive).

    >>> component_id("/subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/disks/D1")
    '/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/disks/d1'
    """
    return resource_id.lower()


def subscription_of(row: Row) -> str:
    """The subscription id of a row, from its resource id (ARM list items carry no other field).

    >>> subscription_of({"id": "/subscriptions/AB-12/resourceGroups/rg/providers/x/y/z"})
    'ab-12'
    """
    found = _SUBSCRIPTION.match(row["id"])
    return found.group(1).lower() if found else str(row.get("subscriptionId") or "").lower()


def resource_group_of(resource_id: str) -> str | None:
    """The resource group of a resource id, lower-cased (ARM ignores its case, rules should too).

    >>> resource_group_of("/subscriptions/s/resourceGroups/RG-Ecom/providers/a/b/c")
    'rg-ecom'
    >>> resource_group_of("/subscriptions/s") is None
    True
    """
    found = _GROUP.match(resource_id)
    return found.group(1).lower() if found else None


def parent_id(resource_id: str) -> str:
    """The id of the parent of a child resource (``.../servers/a/databases/b`` -> ``.../servers/a``).

    >>> parent_id("/subscriptions/s/resourceGroups/r/providers/Microsoft.Sql/servers/a/databases/b")
    '/subscriptions/s/resourceGroups/r/providers/Microsoft.Sql/servers/a'
    """
    return resource_id.rsplit("/", 2)[0]


def region_of(location: str | None) -> str | None:
    """The catalog region code of an ARM location; ``global`` and empty have none.

    Display names ("West Europe", as Cosmos DB reports its replicas) fold to the code the
    same way ARM names its locations: lower case, spaces removed. Whatever results is
    checked against the catalog later; an unknown code is a finding, not a guess.

    >>> region_of("westeurope"), region_of("West Europe"), region_of("global"), region_of("")
    ('westeurope', 'westeurope', None, None)
    """
    if not location:
        return None
    code = location.replace(" ", "").lower()
    return None if code == "global" else code


def props(row: Row) -> dict:
    """The row's ``properties`` (an empty mapping when they were not read)."""
    found = row.get("properties")
    return found if isinstance(found, dict) else {}


def key_host(uri: str | None) -> str | None:
    """The host of a Key Vault or Managed HSM key or vault URI.

    >>> key_host("https://kv-ecom.vault.azure.net/keys/k1/abc")
    'kv-ecom.vault.azure.net'
    >>> key_host(None) is None
    True
    """
    if not uri:
        return None
    host = urlsplit(uri if "://" in uri else f"https://{uri}").hostname
    return host.lower() if host else None


def custody_of_key(uri: str | None) -> str | None:
    """Who holds a key, from where it lives: a Managed HSM (the customer holds its security
    domain) is ``customer-held``; a Key Vault is ``customer-managed``.

    >>> custody_of_key("https://hsm1.managedhsm.azure.net/keys/k")
    'customer-held'
    >>> custody_of_key("https://kv1.vault.azure.net/keys/k")
    'customer-managed'
    """
    host = key_host(uri)
    if host is None:
        return None
    return "customer-held" if ".managedhsm." in host else "customer-managed"


@dataclass
class Index:
    """What a normalizer may look up about the rest of the estate (all ids are component ids)."""

    ids: set[str] = field(default_factory=set)
    vaults_by_host: dict[str, str] = field(default_factory=dict)
    key_of_encryption_set: dict[str, str] = field(default_factory=dict)
    by_group: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    tenants: dict[str, str] = field(default_factory=dict)  # tenant id -> component id
    subscription_tenants: dict[str, str] = field(default_factory=dict)  # subscription id -> tenant id

    def known(self, resource_id: Any) -> str | None:
        """The component id of a referenced resource, if it was discovered."""
        if not isinstance(resource_id, str) or not resource_id:
            return None
        cid = component_id(resource_id)
        return cid if cid in self.ids else None

    def tenant_of(self, row: Row) -> str | None:
        """The component id of the tenant a resource lives in (its row's, or its subscription's)."""
        tenant = str(row.get("tenantId") or "").lower() or self.subscription_tenants.get(subscription_of(row))
        return self.tenants.get(tenant) if tenant else None

    def vault_of(self, uri: str | None) -> str | None:
        host = key_host(uri)
        return self.vaults_by_host.get(host) if host else None

    def in_group(self, subscription: str, group: str | None, type_name: str) -> list[str]:
        if group is None:
            return []
        return [cid for t, cid in self.by_group.get((subscription, group.lower()), []) if t == type_name]
