"""A per-process LRU cache of serialised answers, bounded in bytes.

A worker serves one immutable release for its whole life (the checksum cannot change under it), so
the same query, dataset and format always give the same bytes; caching them is exact, not stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class ByteLRU(Generic[V]):
    """Keeps the most recently used values whose sizes add up to at most ``capacity`` bytes."""

    def __init__(self, capacity: int, max_item: int | None = None):
        self.capacity = capacity
        self.max_item = capacity // 8 if max_item is None else max_item
        self._items: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[0]

    def put(self, key: Hashable, value: V, size: int) -> None:
        """Store ``value`` unless it alone would take more than ``max_item`` bytes."""
        if self.capacity <= 0 or size > self.max_item:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= old[1]
            self._items[key] = (value, size)
            self._size += size
            while self._size > self.capacity:
                _, (_, dropped) = self._items.popitem(last=False)
                self._size -= dropped
