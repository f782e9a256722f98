"""A small in-process cache of values reused for a few seconds: what a process computes from data that changes
only when the sync brings a change (the category tree, a category's related products, a search's ranking).

Bounded (least recently used goes first), each entry kept ``ttl_s`` seconds from when it was loaded, and one
load at a time per key: requests that miss while a load runs wait for it instead of starting their own (at 200
searches/s a broad word's ranking would otherwise be computed dozens of times over before the first finished).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """Values by key, each reused for ``ttl_s`` seconds after its load (0: never reused, loads still shared),
    at most ``max_entries`` of them. ``clock`` is monotonic seconds (tests pass their own)."""

    def __init__(self, ttl_s: float, max_entries: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._loading: dict[K, asyncio.Task[V]] = {}

    async def get(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        """The value of ``key``: the stored one while it has not expired, else ``load()``'s (shared with every
        caller that misses meanwhile; a failed load is not stored and fails each of them)."""
        entry = self._entries.get(key)
        if entry is not None:
            if entry[0] > self._clock():
                self._entries.move_to_end(key)
                return entry[1]
            del self._entries[key]
        task = self._loading.get(key)
        if task is None:
            task = asyncio.ensure_future(load())
            self._loading[key] = task
            task.add_done_callback(lambda done: self._loaded(key, done))
        # shielded: a caller cancelled (its client went away) leaves the load to the others
        return await asyncio.shield(task)

    def discard(self, key: K, value: V) -> None:
        """Forget ``key`` if it still holds ``value`` (found stale by its user); a newer value stays."""
        entry = self._entries.get(key)
        if entry is not None and entry[1] is value:
            del self._entries[key]

    def clear(self) -> None:
        """Forget every stored value (loads under way still complete, and store theirs)."""
        self._entries.clear()

    def _loaded(self, key: K, task: asyncio.Task[V]) -> None:
        if self._loading.get(key) is task:
            del self._loading[key]
        if task.cancelled() or task.exception() is not None or self._ttl_s <= 0:
            return
        self._entries[key] = (self._clock() + self._ttl_s, task.result())
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
