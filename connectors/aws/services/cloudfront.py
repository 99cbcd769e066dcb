"""CloudFront distributions (a global service) and the S3 buckets they serve from."""

from __future__ import annotations

import re
from typing import Any

from connectors.aws.services._common import (
    Scope,
    ServiceSpec,
    component,
    partition_of,
    pick,
)
from inventory.records import ComponentRecord

CLIENT = "cloudfront"
CALLS = {"ListDistributions": "cloudfront:ListDistributions"}

# <bucket>.s3.amazonaws.com, <bucket>.s3.<region>.amazonaws.com, <bucket>.s3-<region>.amazonaws.com,
# <bucket>.s3-website-<region>.amazonaws.com, <bucket>.s3-website.<region>.amazonaws.com (and .com.cn)
_S3_ORIGIN = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9.-]*[a-z0-9])\.s3(?:-website)?(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$")

__all__ = ["CALLS", "CLIENT", "SPEC", "bucket_of_origin", "fetch_cloudfront", "normalize_cloudfront"]


def bucket_of_origin(domain: str | None) -> str | None:
    """The S3 bucket a CloudFront origin domain points at, or None.

    >>> bucket_of_origin("scans.example.s3.eu-central-1.amazonaws.com"), bucket_of_origin("site.s3.amazonaws.com")
    ('scans.example', 'site')
    >>> bucket_of_origin("www.s3-website-eu-west-1.amazonaws.com"), bucket_of_origin("api.example.org") is None
    ('www', True)
    """
    if not domain:
        return None
    found = _S3_ORIGIN.match(domain.lower())
    return found.group("bucket") if found else None


def fetch_cloudfront(client: Any, scope: Scope) -> list[dict]:
    items = []
    for page in client.get_paginator("list_distributions").paginate():
        for dist in (page.get("DistributionList") or {}).get("Items") or ():
            items.append(
                {
                    **pick(dist, "ARN", "Id", "DomainName", "Comment"),
                    "OriginDomains": [o["DomainName"] for o in (dist.get("Origins") or {}).get("Items") or () if o.get("DomainName")],
                    "Aliases": list((dist.get("Aliases") or {}).get("Items") or ()),
                }
            )
    return items


def normalize_cloudfront(raw: list[dict], account: str, region: str | None) -> list[ComponentRecord]:
    """Distributions (no region: CloudFront is global), depending on their S3 origins.

    >>> [r] = normalize_cloudfront([{"ARN": "arn:aws:cloudfront::111122223333:distribution/E1", "Id": "E1",
    ...     "OriginDomains": ["site.s3.eu-west-1.amazonaws.com"], "Aliases": ["www.example.eu"]}], "111122223333", None)
    >>> r.name, r.region, r.depends_on
    ('www.example.eu', None, ('arn:aws:s3:::site',))
    """
    records = []
    for item in raw:
        arn = item["ARN"]
        partition = partition_of(arn)
        buckets = [bucket_of_origin(d) for d in item.get("OriginDomains") or ()]
        records.append(
            component(
                arn, service="cloudfront", kind="cloudfront-distribution", account=account, region=None,
                name=(item.get("Aliases") or [item.get("DomainName") or item["Id"]])[0],
                depends_on=[f"arn:{partition}:s3:::{b}" for b in buckets if b],
            )
        )
    return records


SPEC = ServiceSpec("cloudfront", CLIENT, "global", CALLS, fetch_cloudfront, normalize_cloudfront, "CloudFront distributions")
