"""Inventory: records, the store, the knowledge catalog and the risk register.

Only this package touches the database.
"""
