"""Token buckets (``hamgam.ports.ratelimit.TokenBucket``): in PostgreSQL, shared by every process and replica
using the same key, and in memory, for unit tests and single-process tools."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

Sleep = Callable[[float], Awaitable[None]]


class MemoryTokenBucket:
    """A token bucket for this process only: ``burst`` tokens, refilled at ``rate_per_s``."""

    def __init__(self, rate_per_s: float, burst: int, *, sleep: Sleep = asyncio.sleep) -> None:
        self._rate_per_s = rate_per_s
        self._burst = float(burst)
        self._tokens = float(burst)
        self._updated = time.monotonic()
        self._sleep = sleep

    async def take(self) -> None:
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate_per_s) - 1
        self._updated = now
        if self._tokens < 0:  # a reservation: this caller's token arrives after the deficit refills
            await self._sleep(-self._tokens / self._rate_per_s)


# One statement per take: refill from the time elapsed since updated_at, spend one token, and let the balance
# go negative. A negative balance is this caller's place in the queue; it waits the deficit, so waiters are
# served in arrival order without polling. clock_timestamp(), unlike now(), is read after the row lock.
_TAKE = text(
    """
    INSERT INTO mahak_rate_bucket AS b (key, tokens, updated_at)
    VALUES (:key, CAST(:burst AS double precision) - 1, clock_timestamp())
    ON CONFLICT (key) DO UPDATE SET
        tokens = LEAST(
            CAST(:burst AS double precision),
            b.tokens + GREATEST(0, EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at))::float8
                * CAST(:rate AS double precision)
        ) - 1,
        updated_at = clock_timestamp()
    RETURNING tokens
    """
)


class PostgresTokenBucket:
    """A token bucket shared through PostgreSQL (``mahak_rate_bucket``) by every process using ``key``."""

    def __init__(
        self, engine: AsyncEngine, key: str, rate_per_s: float, burst: int, *, sleep: Sleep = asyncio.sleep
    ) -> None:
        self._engine = engine
        self._params = {"key": key, "burst": float(burst), "rate": float(rate_per_s)}
        self._rate_per_s = rate_per_s
        self._sleep = sleep

    async def take(self) -> None:
        async with self._engine.begin() as connection:
            tokens: float = (await connection.execute(_TAKE, self._params)).scalar_one()
        if tokens < 0:
            await self._sleep(-tokens / self._rate_per_s)
