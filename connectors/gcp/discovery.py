"""Reading a Google Cloud estate: one Cloud Asset Inventory search per scope.

A scope that is refused or fails after the retries becomes a coverage entry; the other
scopes are still read. The result is plain JSON-able data (the search results as Google
sent them), so that :func:`connectors.gcp.resources.normalize_estate` stays pure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from connectors.gcp.clients import AssetClient, GcpError

if TYPE_CHECKING:
    from connectors.gcp import Params

__all__ = ["fetch_estate"]


def fetch_estate(client: AssetClient, params: Params, say: Callable[[str], None]) -> dict:
    results = []
    for scope in dict.fromkeys(params.scopes):
        say(f"gcp: searching {scope}")
        rows: list[dict] = []
        try:
            for page in client.search_pages(scope, params.asset_types, params.page_size):
                rows.extend(page.get("results") or [])
        except GcpError as exc:
            status = "denied" if exc.denied else "failed"
            results.append({"scope": scope, "status": status, "detail": f"Cloud Asset Inventory: {exc.describe()}", "resources": rows})
            continue
        results.append({"scope": scope, "status": "read", "detail": "Cloud Asset Inventory", "resources": rows})
        say(f"gcp: {scope}: {len(rows)} resources")
    return {"endpoint": client.endpoint, "results": results}
