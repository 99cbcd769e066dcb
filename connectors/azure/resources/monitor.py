"""Monitoring: Log Analytics workspaces, Application Insights, Microsoft Sentinel.

Logs are data: a workspace holds them in its region. Application Insights and the
Sentinel solution depend on the workspace they write to.
"""

from __future__ import annotations

from inventory.records import ComponentRecord

from ._common import Index, Row, props

TYPES = {
    "microsoft.operationalinsights/workspaces": "monitor",
    "microsoft.insights/components": "monitor",
    "microsoft.operationsmanagement/solutions": None,
}
HOLDS_DATA = frozenset({"microsoft.operationalinsights/workspaces", "microsoft.insights/components"})
PROPERTY_LISTS = {
    "Microsoft.Insights/components": "2020-02-02",
    "Microsoft.OperationsManagement/solutions": "2015-11-01-preview",
}
PROPERTY_TYPES = frozenset(t.lower() for t in PROPERTY_LISTS)


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    p = props(row)
    if row["type"].lower() == "microsoft.insights/components":
        comp.depends_on += (p.get("WorkspaceResourceId"),)
    elif row["type"].lower() == "microsoft.operationsmanagement/solutions":
        if str(row.get("name") or "").lower().startswith("securityinsights("):
            comp.service = "sentinel"
        comp.depends_on += (p.get("workspaceResourceId"),)
    return []
