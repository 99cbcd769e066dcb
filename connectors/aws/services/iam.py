"""IAM: the account's identity control plane (global) and the identity providers it trusts.

One component per account stands for its IAM (the account root ARN): who can reach the
account is decided there, from AWS's global control plane. SAML and OIDC providers are
components it depends on: federation hands sign-in to another identity provider.
Users and roles are not components; the account summary gives their number.
"""

from __future__ import annotations

from typing import Any

from connectors.aws.services._common import Scope, ServiceSpec, component
from inventory.records import ComponentRecord

CLIENT = "iam"
CALLS = {
    "GetAccountSummary": "iam:GetAccountSummary",
    "ListSAMLProviders": "iam:ListSAMLProviders",
    "ListOpenIDConnectProviders": "iam:ListOpenIDConnectProviders",
}

__all__ = ["CALLS", "CLIENT", "SPEC", "fetch_iam", "normalize_iam"]


def fetch_iam(client: Any, scope: Scope) -> list[dict]:
    summary = client.get_account_summary().get("SummaryMap") or {}
    items: list[dict] = [
        {"Type": "account", "Arn": f"arn:{scope.partition}:iam::{scope.account}:root",
         "Users": summary.get("Users"), "Roles": summary.get("Roles")}
    ]
    items += [{"Type": "saml-provider", "Arn": p["Arn"]} for p in client.list_saml_providers().get("SAMLProviderList") or ()]
    items += [{"Type": "oidc-provider", "Arn": p["Arn"]} for p in client.list_open_id_connect_providers().get("OpenIDConnectProviderList") or ()]
    return items


def normalize_iam(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """The account's IAM, depending on every identity provider it federates to.

    >>> records = normalize_iam([{"Type": "account", "Arn": "arn:aws:iam::111122223333:root", "Users": 3, "Roles": 40},
    ...     {"Type": "saml-provider", "Arn": "arn:aws:iam::111122223333:saml-provider/EntraID"}], "111122223333", None)
    >>> [(r.name, r.region, r.depends_on) for r in records]
    [('IAM of 111122223333', None, ('arn:aws:iam::111122223333:saml-provider/EntraID',)), ('EntraID', None, ())]
    """
    providers = [i for i in raw if i["Type"] != "account"]
    records = []
    for item in raw:
        if item["Type"] == "account":
            records.append(
                component(item["Arn"], service="iam", kind="iam-account", account=account, region=None,
                          name=f"IAM of {account}", depends_on=[p["Arn"] for p in providers])
            )
    for item in providers:
        records.append(
            component(item["Arn"], service="iam", kind=f"iam-{item['Type']}", account=account, region=None,
                      name=item["Arn"].rsplit("/", 1)[-1])
        )
    return records


SPEC = ServiceSpec("iam", CLIENT, "global", CALLS, fetch_iam, normalize_iam, "IAM account control plane and identity providers")
