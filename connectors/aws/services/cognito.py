"""Cognito user pools: user directories, personal data by nature."""

from __future__ import annotations

from typing import Any

from connectors.aws.services._common import Scope, ServiceSpec, component, paginate
from inventory.records import ComponentRecord

CLIENT = "cognito-idp"
CALLS = {"ListUserPools": "cognito-idp:ListUserPools"}

__all__ = ["CALLS", "CLIENT", "SPEC", "fetch_cognito", "normalize_cognito"]


def fetch_cognito(client: Any, scope: Scope) -> list[dict]:
    return [
        {"Arn": f"arn:{scope.partition}:cognito-idp:{scope.region}:{scope.account}:userpool/{pool['Id']}", "Id": pool["Id"], "Name": pool.get("Name")}
        for pool in paginate(client, "list_user_pools", "UserPools", MaxResults=60)
    ]


def normalize_cognito(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """User pools (tags come from the tagging API).

    >>> [r] = normalize_cognito([{"Arn": "arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_a", "Id": "eu-west-1_a",
    ...     "Name": "traders"}], "111122223333", "eu-west-1")
    >>> r.name, r.holds_data
    ('traders', True)
    """
    return [
        component(item["Arn"], service="cognito", kind="cognito-user-pool", account=account, region=region,
                  name=item.get("Name") or item["Id"], holds_data=True)
        for item in raw
    ]


SPEC = ServiceSpec("cognito", CLIENT, "regional", CALLS, fetch_cognito, normalize_cognito, "Cognito user pools")
