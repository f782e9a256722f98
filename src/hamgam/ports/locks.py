"""Cluster-wide locks: one holder across every process of the shop (leader election, per-customer exports)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol


class Lock(Protocol):
    """A named lock held by at most one process; it is released when its holder ends or dies."""

    async def acquire(self, *, wait: bool = False, poll_s: float = 0.05) -> bool:
        """Take the lock. Without ``wait``, answer at once whether it was taken; with it, return True when taken."""

    async def release(self) -> None:
        """Give the lock back (also safe when it was not taken, or its connection was lost)."""

    async def still_held(self) -> bool:
        """Whether the lock is still held: False when it was not taken, or when what held it (a connection) was
        lost, in which case it is given back so that ``acquire`` tries afresh."""


class Locks(Protocol):
    """Makes locks by name; ``key`` separates the instances of one kind (a customer id, an entity)."""

    def lock(self, name: str, key: int | str = 0) -> Lock: ...

    def held(self, name: str, key: int | str = 0, *, wait: bool = False) -> AbstractAsyncContextManager[bool]:
        """``async with locks.held(...) as taken:`` holds the lock for the block when ``taken``."""
