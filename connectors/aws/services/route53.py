"""Route 53 hosted zones (a global service: DNS answered from AWS's control plane)."""

from __future__ import annotations

from typing import Any

from connectors.aws.services._common import Scope, ServiceSpec, component, paginate
from inventory.records import ComponentRecord

CLIENT = "route53"
CALLS = {"ListHostedZones": "route53:ListHostedZones"}

__all__ = ["CALLS", "CLIENT", "SPEC", "fetch_route53", "normalize_route53"]


def fetch_route53(client: Any, scope: Scope) -> list[dict]:
    return [
        {
            "Arn": f"arn:{scope.partition}:route53:::hostedzone/{zone['Id'].rsplit('/', 1)[-1]}",
            "Name": zone["Name"],
            "PrivateZone": bool((zone.get("Config") or {}).get("PrivateZone")),
        }
        for zone in paginate(client, "list_hosted_zones", "HostedZones")
    ]


def normalize_route53(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """Hosted zones, without region.

    >>> [r] = normalize_route53([{"Arn": "arn:aws:route53:::hostedzone/Z1", "Name": "customs.example.eu.", "PrivateZone": False}],
    ...     "111122223333", None)
    >>> r.name, r.kind, r.region
    ('customs.example.eu.', 'hosted-zone (public)', None)
    """
    return [
        component(
            item["Arn"], service="route53", kind="hosted-zone (private)" if item.get("PrivateZone") else "hosted-zone (public)",
            account=account, region=None, name=item["Name"],
        )
        for item in raw
    ]


SPEC = ServiceSpec("route53", CLIENT, "global", CALLS, fetch_route53, normalize_route53, "Route 53 hosted zones")
