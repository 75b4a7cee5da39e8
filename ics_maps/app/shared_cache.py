"""A cache shared by every session of the server, bounded by the memory its values take.

``st.cache_resource`` bounds a cache by its number of entries only, and keys it by whatever
arguments arrive: thirty tolerances from hand-made links once held thirty LSOA × PCN tables
(1.4 GB). :class:`SharedCache` is a least-recently-used cache with a budget in bytes: values are
measured as they are stored (:func:`approx_bytes`) and the least recently used are dropped to stay
within it. Two sessions asking for the same missing value at once compute it once (the second
waits). Pure Python, no Streamlit: tested on its own.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

T = TypeVar("T")


def approx_bytes(value: Any) -> int:
    """The memory a cached value holds, approximately (within tens of percent; what matters is
    that large tables count as large)."""
    if isinstance(value, (str, bytes, bytearray)):
        return sys.getsizeof(value)
    if isinstance(value, np.ndarray):
        return value.nbytes + 112
    if isinstance(value, pd.DataFrame):
        total = int(value.memory_usage(index=True, deep=True).sum())
        for col in value.columns:
            if str(value[col].dtype) == "geometry":
                import shapely

                coords = shapely.get_num_coordinates(np.asarray(value[col].values))
                total += int(coords.sum()) * 16 + 100 * len(value)
        return total
    if isinstance(value, (pd.Series, pd.Index)):
        return int(value.memory_usage(deep=True))
    if isinstance(value, pd.Categorical):
        return int(value.nbytes)
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(
            approx_bytes(k) + approx_bytes(v) for k, v in value.items()
        )
    if isinstance(value, (list, tuple, set, frozenset)):
        return sys.getsizeof(value) + sum(approx_bytes(v) for v in value)
    return sys.getsizeof(value)


class _Pending:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.failed = False
        self.value: Any = None


class SharedCache:
    """Least-recently-used values up to ``max_bytes`` in total (thread-safe).

    A value larger than the whole budget is returned but not kept.
    """

    def __init__(self, name: str, max_bytes: int):
        self.name = name
        self.max_bytes = int(max_bytes)
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._pending: dict[Hashable, _Pending] = {}
        self._lock = threading.Lock()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value for ``key``, made with ``make()`` if it is not held (once, however many
        sessions ask at the same time: the others wait for it)."""
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    self.hits += 1
                    return self._items[key][0]
                pending = self._pending.get(key)
                if pending is None:
                    pending = self._pending[key] = _Pending()
                    self.misses += 1
                    break
            pending.done.wait()
            if not pending.failed:
                return pending.value  # made by another session (kept, unless over budget)
            # the session making it failed: loop, and make it here (and see the error)
        try:
            value = make()
        except BaseException:
            with self._lock:
                self._pending.pop(key, None)
            pending.failed = True
            pending.done.set()
            raise
        self._store(key, value)
        pending.value = value
        with self._lock:
            self._pending.pop(key, None)
        pending.done.set()
        return value

    def _store(self, key: Hashable, value: Any) -> None:
        size = approx_bytes(value)
        with self._lock:
            if size > self.max_bytes:
                return
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._items[key] = (value, size)
            self.bytes += size
            while self.bytes > self.max_bytes and self._items:
                _, (_, dropped) = self._items.popitem(last=False)
                self.bytes -= dropped

    def clear(self, where: Callable[[Hashable], bool] | None = None) -> None:
        """Forget every value (or those whose key satisfies ``where``)."""
        with self._lock:
            for key in [k for k in self._items if where is None or where(k)]:
                self.bytes -= self._items.pop(key)[1]

    def stats(self) -> dict:
        with self._lock:
            return {
                "cache": self.name,
                "entries": len(self._items),
                "bytes": self.bytes,
                "max_bytes": self.max_bytes,
                "hits": self.hits,
                "misses": self.misses,
            }
