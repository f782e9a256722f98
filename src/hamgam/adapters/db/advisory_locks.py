"""PostgreSQL advisory locks: the one home of every ``pg_*advisory*`` call (``hamgam.ports.locks``).

A lock is the pair ``(hashtext(name), key)``; a text ``key`` is hashed too. Session locks live on a connection
of their own, so PostgreSQL releases them when the process dies; transaction locks
(``lock_for_transaction``) end with the caller's transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

_PAIR = "hashtext(:name), {key}"


def _key_sql(key: int | str) -> str:
    return "hashtext(:key)" if isinstance(key, str) else "CAST(:key AS int)"


class AdvisoryLock:
    """One session-level advisory lock on a connection taken for it alone."""

    def __init__(self, engine: AsyncEngine, name: str, key: int | str = 0) -> None:
        self._engine = engine
        self._params = {"name": name, "key": key}
        self._pair = _PAIR.format(key=_key_sql(key))
        self._connection: AsyncConnection | None = None

    async def acquire(self, *, wait: bool = False, poll_s: float = 0.05) -> bool:
        if self._connection is not None:
            return True
        connection = await self._engine.connect()
        try:
            while True:
                taken = await connection.scalar(text(f"SELECT pg_try_advisory_lock({self._pair})"), self._params)
                await connection.commit()
                if taken or not wait:
                    break
                await asyncio.sleep(poll_s)
        except BaseException:
            await connection.close()
            raise
        if not taken:
            await connection.close()
            return False
        self._connection = connection
        return True

    async def still_held(self) -> bool:
        if self._connection is None:
            return False
        try:
            await self._connection.execute(text("SELECT 1"))
            await self._connection.commit()
        except Exception:
            await self.release()
            return False
        return True

    async def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            with contextlib.suppress(Exception):
                await connection.execute(text(f"SELECT pg_advisory_unlock({self._pair})"), self._params)
                await connection.commit()
        finally:
            with contextlib.suppress(Exception):
                await connection.close()


class AdvisoryLocks:
    """``hamgam.ports.locks.Locks`` over one engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def lock(self, name: str, key: int | str = 0) -> AdvisoryLock:
        return AdvisoryLock(self._engine, name, key)

    @contextlib.asynccontextmanager
    async def held(self, name: str, key: int | str = 0, *, wait: bool = False) -> AsyncIterator[bool]:
        lock = self.lock(name, key)
        taken = await lock.acquire(wait=wait)
        try:
            yield taken
        finally:
            if taken:
                await lock.release()


async def lock_for_transaction(connection: AsyncConnection, name: str, key: int | str = 0) -> None:
    """Wait for the transaction-level lock ``(name, key)``; it is released when the transaction ends."""
    await connection.execute(
        text(f"SELECT pg_advisory_xact_lock({_PAIR.format(key=_key_sql(key))})"), {"name": name, "key": key}
    )
