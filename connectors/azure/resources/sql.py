"""Relational databases: Azure SQL (servers, databases, managed instances), PostgreSQL, MySQL.

The data is in the databases, which depend on their server; the ``master`` database of a
logical server is the server's own and not a component. A database's geo-replica lives on
a server in another region and is discovered as a database of its own.
"""

from __future__ import annotations

from inventory.records import ComponentRecord

from ._common import Index, Row, custody_of_key, parent_id, props

TYPES = {
    "microsoft.sql/servers": "sql-database",
    "microsoft.sql/servers/databases": "sql-database",
    "microsoft.sql/servers/elasticpools": "sql-database",
    "microsoft.sql/managedinstances": "sql-database",
    "microsoft.sql/managedinstances/databases": "sql-database",
    "microsoft.dbforpostgresql/flexibleservers": "postgresql",
    "microsoft.dbforpostgresql/servers": "postgresql",
    "microsoft.dbformysql/flexibleservers": None,
}
HOLDS_DATA = frozenset(
    {
        "microsoft.sql/servers/databases",
        "microsoft.sql/managedinstances",
        "microsoft.sql/managedinstances/databases",
        "microsoft.dbforpostgresql/flexibleservers",
        "microsoft.dbforpostgresql/servers",
        "microsoft.dbformysql/flexibleservers",
    }
)
PROPERTY_LISTS = {
    "Microsoft.DBforPostgreSQL/flexibleServers": "2024-08-01",
    "Microsoft.DBforMySQL/flexibleServers": "2023-12-30",
}
# Databases have no subscription-wide list; Resource Graph returns their properties all the same.
PROPERTY_TYPES = frozenset(t.lower() for t in PROPERTY_LISTS) | {"microsoft.sql/servers/databases"}
_CHILDREN = frozenset({"microsoft.sql/servers/databases", "microsoft.sql/servers/elasticpools", "microsoft.sql/managedinstances/databases"})


def skip(row: Row) -> bool:
    """The ``master`` database belongs to its logical server and holds no customer data of its own."""
    return row["type"].lower() == "microsoft.sql/servers/databases" and str(row.get("name", "")).lower() == "master"


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    type_name = row["type"].lower()
    if type_name in _CHILDREN:
        comp.depends_on += (parent_id(row["id"]),)
        if type_name == "microsoft.sql/servers/databases":
            pool = props(row).get("elasticPoolId")
            comp.depends_on += (pool,)
    encryption = props(row).get("dataEncryption") or {}
    kind = str(encryption.get("type") or "").lower()
    if kind == "systemmanaged":
        comp.key_custody = "provider"
    elif kind == "azurekeyvault":
        uri = encryption.get("primaryKeyURI")
        comp.key_custody = custody_of_key(uri) or "customer-managed"
        comp.depends_on += (idx.vault_of(uri),)
    return []
