"""App Service and Functions (sites and slots on their plans), and API Management.

A site is a Function App when its ``kind`` says ``functionapp``; it depends on its App
Service plan (``serverFarmId``), a slot on its site.
"""

from __future__ import annotations

from inventory.records import ComponentRecord

from ._common import Index, Row, parent_id, props

TYPES = {
    "microsoft.web/sites": "app-service",
    "microsoft.web/sites/slots": "app-service",
    "microsoft.web/serverfarms": "app-service",
    "microsoft.apimanagement/service": "api-management",
}
HOLDS_DATA: frozenset[str] = frozenset()
PROPERTY_LISTS = {"Microsoft.Web/sites": "2023-12-01"}
PROPERTY_TYPES = frozenset({"microsoft.web/sites", "microsoft.web/sites/slots"})


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    type_name = row["type"].lower()
    if type_name in ("microsoft.web/sites", "microsoft.web/sites/slots"):
        if "functionapp" in str(row.get("kind") or "").lower():
            comp.service = "functions"
        comp.depends_on += (props(row).get("serverFarmId"),)
        if type_name == "microsoft.web/sites/slots":
            comp.depends_on += (parent_id(row["id"]),)
    return []
