"""S3 buckets, each in its real region.

``ListBuckets`` is one global call; it gives each bucket's region (``BucketRegion``) on
current endpoints. Where an endpoint leaves it out, ``GetBucketLocation`` asks per
bucket. A bucket whose location cannot be read keeps no region and is reported as an
unknown location: a bucket is never placed in the region the call happened to use.
"""

from __future__ import annotations

from typing import Any

from connectors.aws.services._common import Scope, ServiceSpec, component, per_items
from inventory.records import ComponentRecord

CLIENT = "s3"
CALLS = {"ListBuckets": "s3:ListAllMyBuckets", "GetBucketLocation": "s3:GetBucketLocation"}

__all__ = ["CALLS", "CLIENT", "SPEC", "bucket_region", "fetch_s3", "normalize_s3"]


def bucket_region(location_constraint: str | None) -> str:
    """The region of a bucket from its ``LocationConstraint``.

    Buckets in us-east-1 have none, and the oldest buckets in Ireland still answer ``EU``.

    >>> bucket_region(None), bucket_region("EU"), bucket_region("eu-central-1")
    ('us-east-1', 'eu-west-1', 'eu-central-1')
    """
    if not location_constraint:
        return "us-east-1"
    if location_constraint == "EU":
        return "eu-west-1"
    return location_constraint


def fetch_s3(client: Any, scope: Scope) -> list[dict]:
    items: list[dict[str, Any]] = []
    # 10,000 is the largest page; accounts may hold up to a million buckets.
    for page in client.get_paginator("list_buckets").paginate(PaginationConfig={"PageSize": 10000}):
        for bucket in page.get("Buckets") or ():
            name = bucket["Name"]
            item: dict[str, Any] = {"Arn": f"arn:{scope.partition}:s3:::{name}", "Name": name}
            if bucket.get("BucketRegion"):
                item["Region"] = bucket["BucketRegion"]
            items.append(item)
    unplaced = [item for item in items if "Region" not in item]
    answers = per_items(client, "get_bucket_location", CALLS["GetBucketLocation"], scope, ({"Bucket": i["Name"]} for i in unplaced))
    gone = set()
    for item, (response, problem) in zip(unplaced, answers, strict=True):
        if problem == "gone":
            gone.add(item["Name"])
        elif problem == "denied":
            item["_denied"] = CALLS["GetBucketLocation"]
        else:
            item["Region"] = bucket_region(response.get("LocationConstraint"))
    return [item for item in items if item["Name"] not in gone]


def normalize_s3(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """Buckets in the region they report (``region`` is None: the listing is global).

    >>> [a, b] = normalize_s3([{"Arn": "arn:aws:s3:::scans", "Name": "scans", "Region": "eu-central-1"},
    ...     {"Arn": "arn:aws:s3:::hidden", "Name": "hidden", "_denied": "s3:GetBucketLocation"}], "111122223333", None)
    >>> (a.region, a.origin), b.region
    (('eu-central-1', 'aws:111122223333:eu-central-1'), None)
    """
    return [
        component(
            item["Arn"], service="s3", kind="s3-bucket", account=account, region=item.get("Region"),
            name=item["Name"], holds_data=True,
        )
        for item in raw
    ]


SPEC = ServiceSpec("s3", CLIENT, "global", CALLS, fetch_s3, normalize_s3, "S3 buckets and their regions")
