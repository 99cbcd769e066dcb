"""Messaging and caching: Event Hubs, Service Bus, Azure Cache for Redis.

Event Hubs and Service Bus namespaces hold the messages in transit and retained; a cache
holds copies only, so it is not counted as a data store.
"""

from __future__ import annotations

from inventory.records import ComponentRecord

from ._common import Index, Row

TYPES = {
    "microsoft.eventhub/namespaces": "event-hubs",
    "microsoft.servicebus/namespaces": "service-bus",
    "microsoft.cache/redis": "redis-cache",
    "microsoft.cache/redisenterprise": "redis-cache",
}
HOLDS_DATA = frozenset({"microsoft.eventhub/namespaces", "microsoft.servicebus/namespaces"})
PROPERTY_LISTS: dict[str, str] = {}
PROPERTY_TYPES: frozenset[str] = frozenset()


def enrich(row: Row, comp: ComponentRecord, idx: Index) -> list[ComponentRecord]:
    return []
