"""Networking: virtual networks and what hangs in them, gateways, DNS, Front Door.

A network interface depends on the virtual network of its subnets; a private endpoint on
that network and on the resource it exposes. DNS zones, Traffic Manager and Front Door are
global (their ARM location is ``global``) and carry no region.
"""

from __future__ import annotations

from inventory.records import ComponentRecord

from ._common import Index, Row, props

TYPES = {
    "microsoft.network/virtualnetworks": "vnet",
    "microsoft.network/networkinterfaces": "vnet",
    "microsoft.network/networksecuritygroups": "vnet",
    "microsoft.network/publicipaddresses": "vnet",
    "microsoft.network/routetables": "vnet",
    "microsoft.network/natgateways": "vnet",
    "microsoft.network/privateendpoints": "vnet",
    "microsoft.network/applicationgateways": "application-gateway",
    "microsoft.network/dnszones": "dns",
    "microsoft.network/privatednszones": "dns",
    "microsoft.network/trafficmanagerprofiles": "dns",
    "microsoft.network/frontdoors": "front-door",
    "microsoft.cdn/profiles": "front-door",
}
HOLDS_DATA: frozenset[str] = frozenset()
PROPERTY_LISTS = {
    "Microsoft.Network/networkInterfaces": "2024-05-01",
    "Microsoft.Network/privateEndpoints": "2024-05-01",
}
PROPERTY_TYPES = frozenset(t.lower() for t in PROPERTY_LISTS)


def _network_of(subnet_id: object) -> str | None:
    return subnet_id.lower().split("/subnets/")[0] if isinstance(subnet_id, str) and "/subnets/" in subnet_id.lower() else None


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    p = props(row)
    type_name = row["type"].lower()
    if type_name == "microsoft.network/networkinterfaces":
        comp.depends_on += tuple(
            _network_of(((ip.get("properties") or {}).get("subnet") or {}).get("id")) for ip in p.get("ipConfigurations") or []
        )
    elif type_name == "microsoft.network/privateendpoints":
        comp.depends_on += (_network_of((p.get("subnet") or {}).get("id")),)
        for link in (p.get("privateLinkServiceConnections") or []) + (p.get("manualPrivateLinkServiceConnections") or []):
            comp.depends_on += ((link.get("properties") or {}).get("privateLinkServiceId"),)
    return []
