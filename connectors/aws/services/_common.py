"""What every AWS service module shares: the spec it declares, paging, ARNs, tags, records.

A service module makes only the calls it declares in ``CALLS`` (botocore operation name ->
IAM action): the documented read-only policy is the union of those declarations, and a
test runs a scan through a botocore hook to check that no other call is ever made.

``fetch_<service>`` returns JSON-like dicts holding the fields ``normalize_<service>``
reads, under the names the AWS API gives them. Where the API gives no ARN, ``fetch`` adds
one as ``Arn`` (it knows the partition; ``normalize`` stays a pure function of the raw
data). A per-resource call that is denied marks the item with ``_denied`` (the IAM action)
instead of failing the whole service; a resource deleted between the listing and its
describe call is left out, as it no longer exists. Per-resource calls go through
:func:`per_items`, which runs them with ``Scope.map``: one by one by default, on
discovery's pool during a scan, so that one region with thousands of keys or tables (or
an endpoint that makes every bucket ask for its location) does not hold up the scan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from inventory.records import ComponentRecord

__all__ = [
    "DENIED_CODES",
    "GONE_CODES",
    "Scope",
    "ServiceSpec",
    "arn_parts",
    "bytes_to_gb",
    "component",
    "error_code",
    "gib_to_gb",
    "in_order",
    "is_aws_managed_alias",
    "kms_ref",
    "paginate",
    "partition_of",
    "per_item",
    "per_items",
    "pick",
    "tag_dict",
]

#: Error codes that mean "not allowed to read this": recorded as ``denied`` in the coverage.
DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "AuthorizationError",
        "AuthorizationErrorException",
        "Forbidden",
        "UnauthorizedOperation",
        "UnauthorizedException",
        "UnauthorizedAccess",
        "NotAuthorizedException",
    }
)

#: Error codes that mean the resource disappeared between listing and describing it.
GONE_CODES = frozenset(
    {
        "NotFoundException",
        "ResourceNotFoundException",
        "NoSuchBucket",
        "NotFound",
        "ClusterNotFoundException",
        "NoSuchEntity",
    }
)


def in_order(call: Callable[[Any], Any], args: Iterable[Any]) -> list[Any]:
    """``[call(a) for a in args]``: per-resource calls one by one.

    >>> in_order(str.upper, ["a", "b"])
    ['A', 'B']
    """
    return [call(a) for a in args]


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a service is read: the account, the region (None for a global service), the partition.

    ``map(call, args)`` returns ``[call(a) for a in args]`` in order; discovery passes one
    that runs the calls on its pool.
    """

    account: str
    region: str | None
    partition: str
    map: Callable[[Callable[[Any], Any], Iterable[Any]], list[Any]] = field(default=in_order, compare=False, repr=False)


@dataclass(frozen=True)
class ServiceSpec:
    """One service module as discovery sees it.

    ``key`` is the catalog service key the records carry (``tagging`` is the Resource
    Groups Tagging API, which fills in tags and the resources no module reads);
    ``client`` the botocore service name; ``scope`` ``regional`` (read in every region)
    or ``global`` (read once per account).
    """

    key: str
    client: str
    scope: Literal["regional", "global"]
    calls: Mapping[str, str]
    fetch: Callable[[Any, Scope], list[dict]]
    normalize: Callable[[list[dict], str, str | None], list[ComponentRecord]]
    summary: str = ""


def error_code(exc: Exception) -> str | None:
    """The AWS error code of a botocore ``ClientError`` (None for anything else)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return (response.get("Error") or {}).get("Code")
    return None


def paginate(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[dict]:
    """Every item under ``key`` over all pages of a paginated ``operation``."""
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key) or ()


def per_item(client: Any, operation: str, action: str, **kwargs: Any) -> tuple[dict | None, str | None]:
    """Call ``operation`` for one resource: ``(response, None)``, ``(None, "denied")`` or ``(None, "gone")``.

    A key policy or a resource policy may deny one resource while the listing was allowed;
    that is recorded per item, not as a failure of the whole service. Any other error
    propagates and is classified by discovery.
    """
    from botocore.exceptions import ClientError

    try:
        return getattr(client, operation)(**kwargs), None
    except ClientError as exc:
        code = error_code(exc)
        if code in DENIED_CODES:
            return None, "denied"
        if code in GONE_CODES:
            return None, "gone"
        raise


def per_items(client: Any, operation: str, action: str, scope: Scope, requests: Iterable[Mapping[str, Any]]) -> list[tuple[dict | None, str | None]]:
    """:func:`per_item` for each request's keyword arguments, run with ``scope.map``, in order."""
    return scope.map(lambda kwargs: per_item(client, operation, action, **kwargs), list(requests))


def pick(data: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """The given keys of ``data`` that are present and not None.

    >>> pick({"a": 1, "b": None, "c": 3}, "a", "b", "d")
    {'a': 1}
    """
    return {k: data[k] for k in keys if data.get(k) is not None}


def tag_dict(tags: Iterable[Mapping[str, str]] | Mapping[str, str] | None, key: str = "Key", value: str = "Value") -> dict[str, str]:
    """AWS tags (a list of ``{Key, Value}`` or already a mapping) as a plain dict.

    >>> tag_dict([{"Key": "system", "Value": "ecom"}, {"Key": "env", "Value": ""}])
    {'system': 'ecom', 'env': ''}
    >>> tag_dict([{"key": "a", "value": "b"}], key="key", value="value")
    {'a': 'b'}
    >>> tag_dict(None)
    {}
    """
    if not tags:
        return {}
    if isinstance(tags, Mapping):
        return {str(k): str(v) for k, v in tags.items()}
    return {t[key]: t.get(value) or "" for t in tags}


def arn_parts(arn: str) -> tuple[str, str, str | None, str | None, str]:
    """``(partition, service, region, account, resource)`` of an ARN; empty parts are None.

    >>> arn_parts("arn:aws:s3:::logs-bucket")
    ('aws', 's3', None, None, 'logs-bucket')
    >>> arn_parts("arn:aws:lambda:eu-west-1:123456789012:function:intake")
    ('aws', 'lambda', 'eu-west-1', '123456789012', 'function:intake')
    """
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ValueError(f"not an ARN: {arn!r}")
    _, partition, service, region, account, resource = parts
    return partition, service, region or None, account or None, resource


def kms_ref(ref: str | None, partition: str, region: str, account: str) -> str | None:
    """A KMS key reference (key id, key ARN, alias name or alias ARN) as an ARN.

    >>> kms_ref("alias/aws/secretsmanager", "aws", "eu-west-1", "123456789012")
    'arn:aws:kms:eu-west-1:123456789012:alias/aws/secretsmanager'
    >>> kms_ref("1234abcd-12ab-34cd-56ef-1234567890ab", "aws", "eu-west-1", "123456789012")
    'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'
    >>> kms_ref(None, "aws", "eu-west-1", "123456789012") is None
    True
    """
    if not ref:
        return None
    if ref.startswith("arn:"):
        return ref
    if ref.startswith("alias/"):
        return f"arn:{partition}:kms:{region}:{account}:{ref}"
    return f"arn:{partition}:kms:{region}:{account}:key/{ref}"


def is_aws_managed_alias(ref: str | None) -> bool:
    """True for an alias of an AWS managed key (``alias/aws/...``): the provider holds it.

    >>> is_aws_managed_alias("arn:aws:kms:eu-west-1:123456789012:alias/aws/rds")
    True
    >>> is_aws_managed_alias("alias/customs-data")
    False
    """
    if not ref:
        return False
    return ref.startswith("alias/aws/") or ":alias/aws/" in ref


def partition_of(arn: str | None, default: str = "aws") -> str:
    """The partition of an ARN (``aws``, ``aws-cn``, ``aws-us-gov``, ``aws-eusc``...)."""
    if arn and arn.startswith("arn:"):
        return arn.split(":", 2)[1]
    return default


def component(
    arn: str,
    *,
    service: str,
    kind: str,
    account: str | None,
    region: str | None,
    name: str | None = None,
    holds_data: bool = False,
    data_volume_gb: float | None = None,
    depends_on: Iterable[str | None] = (),
    key_custody: str | None = None,
    tags: Mapping[str, str] | None = None,
    external_id: str | None = None,
) -> ComponentRecord:
    """A component record for an AWS resource: the ARN is both its id and its external id."""
    return ComponentRecord(
        id=arn,
        name=name,
        kind=kind,
        provider="aws",
        service=service,
        region=region,
        holds_data=holds_data,
        data_volume_gb=data_volume_gb,
        depends_on=tuple(dict.fromkeys(d for d in depends_on if d and d != arn)),
        key_custody=key_custody,
        external_id=external_id or arn,
        account=account,
        tags=dict(tags or {}),
        origin=f"aws:{account}:{region or 'global'}",
    )


def bytes_to_gb(size_bytes: float | None) -> float | None:
    """Bytes as GB (10^9 bytes), rounded to 3 places; None stays None.

    >>> bytes_to_gb(1_500_000_000)
    1.5
    >>> bytes_to_gb(None) is None
    True
    """
    if size_bytes is None:
        return None
    return round(float(size_bytes) / 1e9, 3)


def gib_to_gb(size_gib: float | None) -> float | None:
    """A size AWS gives in GiB (EBS, RDS) as GB; None stays None.

    >>> gib_to_gb(100)
    107.374
    """
    if size_gib is None:
        return None
    return round(float(size_gib) * 1.073741824, 3)
