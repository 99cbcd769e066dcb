"""Process-level settings for long runs over large estates."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Keep Python's cyclic garbage collector from running inside the block.

    A scan builds millions of long-lived objects (records, graph attributes, scores) and
    almost no reference cycles. Each automatic collection walks every tracked object, so
    on a large estate the collector alone took about as long as the work itself. Memory
    freed by reference counting is unaffected; cycles made inside are collected once the
    block ends and a full collection comes due. Nested blocks leave it to the outermost.

    >>> import gc
    >>> with collector_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # What the block made sits in the youngest generation, which the collector would
            # walk in full at the next allocation (a third of a second per 100,000
            # components). Moved to the oldest generation, it is looked at only when a full
            # collection comes due, as long-lived objects are.
            gc.freeze()
            gc.unfreeze()
            gc.enable()
