"""KMS keys: where each key lives and who holds it.

Key custody, from ``KeyManager`` and ``Origin``:

========================================  ==================  ====================
key                                        kind                key_custody
========================================  ==================  ====================
AWS managed (``KeyManager: AWS``)          aws-managed         provider
customer managed, AWS key material         customer-managed    customer-managed
customer managed in a CloudHSM key store   cloudhsm            customer-managed
imported key material (``EXTERNAL``)       imported            customer-held
external key store (``EXTERNAL_KEY_STORE``) external-key-store  customer-held
========================================  ==================  ====================

A CloudHSM key store is the customer's own HSM cluster, still run by AWS in AWS regions:
managed by the customer, not held outside the provider. Aliases are read too, so that a
resource naming its key by alias depends on the key itself.
"""

from __future__ import annotations

from typing import Any

from connectors.aws.services._common import (
    Scope,
    ServiceSpec,
    component,
    paginate,
    per_items,
    pick,
)
from inventory.records import ComponentRecord

CLIENT = "kms"
CALLS = {"ListKeys": "kms:ListKeys", "DescribeKey": "kms:DescribeKey", "ListAliases": "kms:ListAliases"}

#: (KeyManager, Origin) -> (kind suffix, key custody); Origin None matches any origin.
CUSTODY: dict[tuple[str, str | None], tuple[str, str]] = {
    ("AWS", None): ("aws-managed", "provider"),
    ("CUSTOMER", "AWS_KMS"): ("customer-managed", "customer-managed"),
    ("CUSTOMER", "AWS_CLOUDHSM"): ("cloudhsm", "customer-managed"),
    ("CUSTOMER", "EXTERNAL"): ("imported", "customer-held"),
    ("CUSTOMER", "EXTERNAL_KEY_STORE"): ("external-key-store", "customer-held"),
}

__all__ = ["CALLS", "CLIENT", "CUSTODY", "SPEC", "custody_of", "fetch_kms", "normalize_kms"]


def custody_of(key_manager: str | None, origin: str | None) -> tuple[str | None, str | None]:
    """(kind suffix, key custody) of a key; (None, None) when not known.

    >>> custody_of("AWS", "AWS_KMS"), custody_of("CUSTOMER", "EXTERNAL_KEY_STORE"), custody_of(None, None)
    (('aws-managed', 'provider'), ('external-key-store', 'customer-held'), (None, None))
    """
    if key_manager == "AWS":
        return CUSTODY[("AWS", None)]
    return CUSTODY.get((key_manager or "", origin or ""), (None, None))


def fetch_kms(client: Any, scope: Scope) -> list[dict]:
    aliases: dict[str, list[str]] = {}
    for alias in paginate(client, "list_aliases", "Aliases"):
        if alias.get("TargetKeyId"):
            aliases.setdefault(alias["TargetKeyId"], []).append(alias["AliasName"])
    items = []
    keys = list(paginate(client, "list_keys", "Keys"))
    answers = per_items(client, "describe_key", CALLS["DescribeKey"], scope, ({"KeyId": k["KeyArn"]} for k in keys))
    for key, (response, problem) in zip(keys, answers, strict=True):
        item: dict[str, Any] = {"KeyArn": key["KeyArn"], "KeyId": key["KeyId"], "Aliases": sorted(aliases.get(key["KeyId"], ()))}
        if problem == "gone":
            continue
        if problem == "denied":
            # A key policy may shut the scanner out of one key: the key is listed, its custody unknown.
            item["_denied"] = CALLS["DescribeKey"]
        else:
            meta = response["KeyMetadata"]
            item.update(pick(meta, "KeyManager", "Origin", "KeyState", "CustomKeyStoreId", "MultiRegion"))
            replicas = ((meta.get("MultiRegionConfiguration") or {}).get("ReplicaKeys")) or ()
            item["ReplicaRegions"] = sorted(r["Region"] for r in replicas if r.get("Region"))
        items.append(item)
    return items


def normalize_kms(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """Keys with their custody; named after their first alias.

    >>> [r] = normalize_kms([{"KeyArn": "arn:aws:kms:eu-west-1:111122223333:key/k1", "KeyId": "k1",
    ...     "Aliases": ["alias/customs"], "KeyManager": "CUSTOMER", "Origin": "EXTERNAL"}], "111122223333", "eu-west-1")
    >>> r.name, r.kind, r.key_custody
    ('alias/customs', 'kms-key (imported)', 'customer-held')
    """
    records = []
    for item in raw:
        suffix, custody = custody_of(item.get("KeyManager"), item.get("Origin"))
        records.append(
            component(
                item["KeyArn"], service="kms", kind=f"kms-key ({suffix})" if suffix else "kms-key", account=account,
                region=region, name=(item.get("Aliases") or [item["KeyId"]])[0], holds_data=True, key_custody=custody,
            )
        )
    return records


def alias_index(raw: list[dict], account: str, region: str | None) -> dict[str, str]:
    """Alias ARN -> key ARN for the keys of one account and region.

    >>> alias_index([{"KeyArn": "arn:aws:kms:eu-west-1:111122223333:key/k1", "Aliases": ["alias/customs"]}], "111122223333", "eu-west-1")
    {'arn:aws:kms:eu-west-1:111122223333:alias/customs': 'arn:aws:kms:eu-west-1:111122223333:key/k1'}
    """
    index = {}
    for item in raw:
        partition = item["KeyArn"].split(":", 2)[1]
        for alias in item.get("Aliases") or ():
            index[f"arn:{partition}:kms:{region}:{account}:{alias}"] = item["KeyArn"]
    return index


SPEC = ServiceSpec("kms", CLIENT, "regional", CALLS, fetch_kms, normalize_kms, "KMS keys and their custody")
