"""In-memory ``hamgam.ports.locks.Locks``: one holder per (name, key) within the process."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator


class FakeLock:
    def __init__(self, locks: FakeLocks, pair: tuple[str, int | str]) -> None:
        self._locks, self._pair, self._taken = locks, pair, False

    async def acquire(self, *, wait: bool = False, poll_s: float = 0.05) -> bool:
        if self._taken:
            return True
        if self._pair in self._locks.held_pairs:
            return False
        self._locks.held_pairs.add(self._pair)
        self._taken = True
        return True

    async def release(self) -> None:
        if self._taken:
            self._locks.held_pairs.discard(self._pair)
            self._taken = False

    async def still_held(self) -> bool:
        return self._taken


class FakeLocks:
    def __init__(self) -> None:
        self.held_pairs: set[tuple[str, int | str]] = set()

    def lock(self, name: str, key: int | str = 0) -> FakeLock:
        return FakeLock(self, (name, key))

    @contextlib.asynccontextmanager
    async def held(self, name: str, key: int | str = 0, *, wait: bool = False) -> AsyncIterator[bool]:
        lock = self.lock(name, key)
        taken = await lock.acquire(wait=wait)
        try:
            yield taken
        finally:
            if taken:
                await lock.release()
