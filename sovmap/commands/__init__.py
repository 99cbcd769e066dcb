"""Command groups of the ``sovmap`` CLI beyond the core ones in :mod:`sovmap.cli`.

Every module in this package registers its commands on :data:`sovmap.cli.app` when
imported; :func:`register_all` imports them all, in name order.
"""

from __future__ import annotations

import importlib
import pkgutil


def register_all() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{info.name}")
