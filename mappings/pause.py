"""Mapping a document without the cyclic garbage collector running underneath it.

A document's mapping allocates some 10^5 objects that all stay alive (terms, the store's index
dicts and sets) and makes next to no cyclic garbage. CPython's collector is triggered by
allocation counts alone, so while a graph is built it keeps walking the ever larger young
generations and, every so often, the whole heap, finding nothing to free: about a third of the
mapping's CPU time. Paused, it runs once afterwards over what the mapping left.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector for the block (or the decorated call), then restore it.

    Nested or concurrent uses are safe: only the use that found it enabled re-enables it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
