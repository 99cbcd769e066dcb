"""Reading an Azure estate: tenants, subscriptions, resources, and what could not be read.

The order matters: subscriptions first (they say which tenant and which state each one is
in), then resources per batch of subscriptions through Resource Graph. A batch that
Resource Graph refuses is split, so that one subscription without rights costs only
itself; a single subscription that Resource Graph still refuses is read with the ARM
resource list instead (plus the property lists of the types whose properties matter). What
fails there too becomes a coverage entry; the scan goes on with the next subscription.

The result is plain JSON-able data (the wire rows as Azure sent them), so that
:func:`connectors.azure.resources.normalize_estate` stays pure and testable on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from connectors.azure.clients import ArmClient, ArmError
from connectors.azure.resources import PROPERTY_LISTS, PROPERTY_TYPES, subscription_of

if TYPE_CHECKING:
    from connectors.azure import Params

__all__ = ["API_VERSIONS", "GRAPH_BATCH", "fetch_estate", "graph_query"]

API_VERSIONS = {
    "subscriptions": "2022-12-01",
    "resources": "2021-04-01",
    "resource-graph": "2024-04-01",
    "management-groups": "2023-04-01",
}

#: Subscriptions per Resource Graph query: few queries (Resource Graph allows about 15 per
#: 5 seconds per user) while a refused batch stays cheap to split.
GRAPH_BATCH = 100
_GRAPH_PAGE = 1000
_GRAPH_PATH = "/providers/Microsoft.ResourceGraph/resources"

#: Subscription states whose resources can be read; Disabled and Deleted ones are skipped.
_READABLE_STATES = frozenset({"enabled", "warned", "pastdue"})


def graph_query() -> str:
    """The Resource Graph query: every column the normalizers read, properties only where used.

    >>> q = graph_query()
    >>> q.startswith("resources")
    True
    >>> "'microsoft.storage/storageaccounts'" in q
    True
    """
    types = ", ".join(f"'{t}'" for t in sorted(PROPERTY_TYPES))
    return (
        "resources"
        " | project id, name, type, kind, location, resourceGroup, subscriptionId, tenantId, sku, tags, identity,"
        f" managedBy, zones, properties = iff(type in~ ({types}), properties, dynamic(null))"
    )


def _status(exc: ArmError) -> str:
    return "denied" if exc.denied else "failed"


def _entry(scope: str, status: str, detail: str | None = None, count: int = 0) -> dict:
    return {"scope": scope, "status": status, "detail": detail, "count": count}


def _values(client: ArmClient, path: str, api_version: str) -> list[dict]:
    return [item for page in client.pages(path, api_version) for item in page.get("value") or []]


def fetch_tenants(client: ArmClient, coverage: list[dict]) -> list[dict]:
    try:
        tenants = _values(client, "/tenants", API_VERSIONS["subscriptions"])
    except ArmError as exc:
        coverage.append(_entry("/tenants", _status(exc), f"tenant names not read: {exc.describe()}"))
        return []
    coverage.append(_entry("/tenants", "read", None, len(tenants)))
    return tenants


def _group_subscriptions(client: ArmClient, group: str, coverage: list[dict]) -> list[str]:
    path = f"/providers/Microsoft.Management/managementGroups/{group}/descendants"
    try:
        found = _values(client, path, API_VERSIONS["management-groups"])
    except ArmError as exc:
        coverage.append(_entry(f"/providers/Microsoft.Management/managementGroups/{group}", _status(exc), exc.describe()))
        return []
    ids = [d["name"].lower() for d in found if str(d.get("type", "")).lower() == "microsoft.management/managementgroups/subscriptions"]
    # count stays 0: coverage counts resources, and the subscriptions' own entries count theirs.
    coverage.append(_entry(f"/providers/Microsoft.Management/managementGroups/{group}", "read", f"{len(ids)} subscription(s)"))
    return ids


def fetch_subscriptions(client: ArmClient, params: Params, coverage: list[dict]) -> list[dict]:
    """The subscriptions to read: the listed ones and those under the listed groups, or all visible ones."""
    try:
        visible = _values(client, "/subscriptions", API_VERSIONS["subscriptions"])
    except ArmError as exc:
        coverage.append(_entry("/subscriptions", _status(exc), f"the subscriptions could not be listed: {exc.describe()}"))
        return []
    by_id = {s["subscriptionId"].lower(): s for s in visible}
    wanted: list[str] = list(params.subscriptions)
    for group in params.management_groups:
        wanted.extend(_group_subscriptions(client, group, coverage))
    if not params.subscriptions and not params.management_groups:
        if not visible:
            coverage.append(_entry("/subscriptions", "denied", "the credential sees no subscription (no role on any)"))
        return visible
    chosen = []
    for sid in dict.fromkeys(wanted):
        found = by_id.get(sid)
        if found is None:
            # Not in the list: ask for it directly, which says whether it is denied or unknown.
            try:
                found = client.get(f"/subscriptions/{sid}", API_VERSIONS["subscriptions"])
            except ArmError as exc:
                coverage.append(_entry(f"/subscriptions/{sid}", _status(exc), exc.describe()))
                continue
        chosen.append(found)
    return chosen


def _readable(sub: dict, params: Params, coverage: list[dict]) -> bool:
    scope = f"/subscriptions/{sub['subscriptionId'].lower()}"
    state = str(sub.get("state") or "").lower()
    if state and state not in _READABLE_STATES:
        coverage.append(_entry(scope, "skipped", f"subscription '{sub.get('displayName')}' is {sub.get('state')}"))
        return False
    tenant = str(sub.get("tenantId") or "").lower()
    if params.tenant_id and tenant and tenant != params.tenant_id:
        coverage.append(_entry(scope, "skipped", f"belongs to tenant {tenant}, not to tenant_id {params.tenant_id}"))
        return False
    return True


def fetch_graph_rows(client: ArmClient, subscriptions: list[str]) -> tuple[list[dict], str | None]:
    """Every row of the query over these subscriptions, following ``$skipToken``; and a problem, if any."""
    rows: list[dict] = []
    token: str | None = None
    seen: set[str] = set()
    query = graph_query()
    while True:
        options: dict[str, Any] = {"resultFormat": "objectArray", "$top": _GRAPH_PAGE}
        if token:
            options["$skipToken"] = token
        page = client.post(_GRAPH_PATH, {"subscriptions": subscriptions, "query": query, "options": options},
                           API_VERSIONS["resource-graph"])
        data = page.get("data")
        if not isinstance(data, list):
            raise ArmError(200, "UnexpectedFormat", "Resource Graph returned no 'data' array", _GRAPH_PATH)
        rows.extend(data)
        token = page.get("$skipToken")
        if not token:
            if str(page.get("resultTruncated")).lower() == "true":
                return rows, f"Resource Graph truncated the result after {len(rows)} rows"
            return rows, None
        if token in seen:
            return rows, f"Resource Graph repeated a $skipToken after {len(rows)} rows"
        seen.add(token)


def fetch_arm_rows(client: ArmClient, subscription: str, coverage: list[dict]) -> list[dict]:
    """The ARM resource list of a subscription, with properties from the lists of the types that need them."""
    rows = _values(client, f"/subscriptions/{subscription}/resources", API_VERSIONS["resources"])
    present = {str(r.get("type", "")).lower() for r in rows}
    by_id = {r["id"].lower(): r for r in rows}
    for type_name, api_version in PROPERTY_LISTS.items():
        if type_name.lower() not in present:
            continue
        path = f"/subscriptions/{subscription}/providers/{type_name}"
        try:
            detailed = _values(client, path, api_version)
        except ArmError as exc:
            coverage.append(_entry(path, _status(exc), f"properties not read: {exc.describe()}"))
            continue
        for item in detailed:
            row = by_id.get(str(item.get("id", "")).lower())
            if row is not None and item.get("properties") is not None:
                row["properties"] = item["properties"]
    return rows


def _subscription_result(sid: str, method: str, rows: list[dict], status: str = "read", detail: str | None = None) -> dict:
    return {"subscription": sid, "method": method, "status": status, "detail": detail, "resources": rows}


def _read_with_arm(client: ArmClient, sid: str, graph_problem: str | None, coverage: list[dict]) -> dict:
    why = f" (Resource Graph: {graph_problem})" if graph_problem else ""
    try:
        rows = fetch_arm_rows(client, sid, coverage)
    except ArmError as exc:
        return _subscription_result(sid, "arm", [], _status(exc), f"ARM resource list: {exc.describe()}{why}")
    return _subscription_result(sid, "arm", rows, "read", f"ARM resource list{why}")


def _read_one(client: ArmClient, sid: str, params: Params, coverage: list[dict]) -> dict:
    if params.method == "arm":
        return _read_with_arm(client, sid, None, coverage)
    try:
        rows, problem = fetch_graph_rows(client, [sid])
    except ArmError as exc:
        if params.method == "resource-graph":
            return _subscription_result(sid, "resource-graph", [], _status(exc), f"Resource Graph: {exc.describe()}")
        return _read_with_arm(client, sid, exc.describe(), coverage)
    return _subscription_result(sid, "resource-graph", rows, "failed" if problem else "read", problem or "Resource Graph")


def _batches(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def fetch_resources(client: ArmClient, subscriptions: list[str], params: Params, coverage: list[dict],
                    say: Callable[[str], None]) -> list[dict]:
    """One result per subscription: its rows, how they were read, and whether all were."""
    if params.method == "arm" or len(subscriptions) <= 1:
        return [_read_one(client, sid, params, coverage) for sid in subscriptions]
    results: list[dict] = []
    for batch in _batches(subscriptions, GRAPH_BATCH):
        say(f"azure: Resource Graph over {len(batch)} subscription(s)")
        try:
            rows, problem = fetch_graph_rows(client, batch)
        except ArmError:
            # One refused subscription must not cost the others: read each on its own.
            results.extend(_read_one(client, sid, params, coverage) for sid in batch)
            continue
        by_sub: dict[str, list[dict]] = {sid: [] for sid in batch}
        for row in rows:
            by_sub.setdefault(subscription_of(row), []).append(row)
        results.extend(
            _subscription_result(sid, "resource-graph", by_sub[sid], "failed" if problem else "read", problem or "Resource Graph")
            for sid in batch
        )
    return results


def fetch_estate(client: ArmClient, params: Params, say: Callable[[str], None]) -> dict:
    """Read everything :func:`normalize_estate` needs; every gap is a coverage entry."""
    coverage: list[dict] = []
    say("azure: listing subscriptions")
    subscriptions = fetch_subscriptions(client, params, coverage)
    tenants = fetch_tenants(client, coverage) if params.tenant_component else []
    readable = [s for s in subscriptions if _readable(s, params, coverage)]
    ids = [s["subscriptionId"].lower() for s in readable]
    results = fetch_resources(client, ids, params, coverage, say)
    for result in results:
        say(f"azure: subscription {result['subscription']}: {len(result['resources'])} resources ({result['status']})")
    return {
        "endpoint": client.endpoint,
        "tenants": tenants,
        "subscriptions": subscriptions,
        "results": results,
        "coverage": coverage,
    }
