"""Scoring: pure functions over the graph, each result with its evidence.

:func:`assess` runs them all over one inventory; the modules hold one concept each.
"""

from scoring.assess import Assessment, assess

__all__ = ["Assessment", "assess"]
