"""IAM Identity Center instances: the organisation's sign-in, in its home region.

An instance lives in one region; ``ListInstances`` in any other region answers nothing,
so reading every region finds it where it is.
"""

from __future__ import annotations

from typing import Any

from connectors.aws.services._common import (
    Scope,
    ServiceSpec,
    component,
    paginate,
    pick,
)
from inventory.records import ComponentRecord

CLIENT = "sso-admin"
CALLS = {"ListInstances": "sso:ListInstances"}

__all__ = ["CALLS", "CLIENT", "SPEC", "fetch_identity_center", "normalize_identity_center"]


def fetch_identity_center(client: Any, scope: Scope) -> list[dict]:
    return [pick(i, "InstanceArn", "IdentityStoreId", "OwnerAccountId", "Name", "Status") for i in paginate(client, "list_instances", "Instances")]


def normalize_identity_center(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """Instances in the region they were found in (their ARN names none).

    >>> [r] = normalize_identity_center([{"InstanceArn": "arn:aws:sso:::instance/ssoins-1", "IdentityStoreId": "d-1"}],
    ...     "111122223333", "eu-central-1")
    >>> r.region, r.holds_data, r.name
    ('eu-central-1', True, 'ssoins-1')
    """
    return [
        component(
            item["InstanceArn"], service="identity-center", kind="identity-center-instance", account=item.get("OwnerAccountId") or account,
            region=region, name=item.get("Name") or item["InstanceArn"].rsplit("/", 1)[-1], holds_data=True,
        )
        for item in raw
    ]


SPEC = ServiceSpec("identity-center", CLIENT, "regional", CALLS, fetch_identity_center, normalize_identity_center, "IAM Identity Center instances")
