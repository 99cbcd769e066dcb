"""Analytics and data integration: Synapse, Data Factory, Databricks, Purview.

Synapse, Databricks and Purview keep data (workspaces, the Purview data map); Data
Factory moves data without keeping it.
"""

from __future__ import annotations

from inventory.records import ComponentRecord

from ._common import Index, Row

TYPES = {
    "microsoft.synapse/workspaces": "synapse",
    "microsoft.datafactory/factories": "data-factory",
    "microsoft.databricks/workspaces": "databricks",
    "microsoft.purview/accounts": "purview",
}
HOLDS_DATA = frozenset({"microsoft.synapse/workspaces", "microsoft.databricks/workspaces", "microsoft.purview/accounts"})
PROPERTY_LISTS: dict[str, str] = {}
PROPERTY_TYPES: frozenset[str] = frozenset()


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    return []
