"""Politeness towards one Mahak database: a token-bucket rate limit (``hamgam.adapters.ratelimit.token_bucket``)
and a circuit breaker.

Both are keyed by ``(base_url, username)`` and come in two flavours behind one small interface: in
PostgreSQL (tables ``mahak_rate_bucket`` and ``mahak_circuit``), shared by every process and replica that
talks to the same Mahak database, and in memory, for unit tests and single-process tools.
"""

from __future__ import annotations

import time
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hamgam.adapters.mahak.errors import MahakCircuitOpen
from hamgam.adapters.ratelimit.token_bucket import MemoryTokenBucket, PostgresTokenBucket
from hamgam.settings import MahakSettings


class CircuitBreaker(Protocol):
    async def before_call(self) -> None:
        """Raise ``MahakCircuitOpen`` while the circuit is open; when half-open let one probe through."""

    async def record_success(self) -> None:
        """The service answered: close the circuit and forget past failures."""

    async def record_failure(self) -> None:
        """One more consecutive failure; the N-th opens the circuit for the open period."""


def guard_key(settings: MahakSettings) -> str:
    """The key shared by every process talking to the same Mahak database as the same site user."""
    return f"{(settings.base_url or '').rstrip('/').lower()}|{settings.username}"


# -- in memory -----------------------------------------------------------------------------------------------
class InMemoryCircuitBreaker:
    def __init__(self, failures: int, open_s: float) -> None:
        self._threshold = failures
        self._open_s = open_s
        self._failures = 0
        self._open_until: float | None = None
        self.opened_count = 0

    async def before_call(self) -> None:
        if self._failures < self._threshold or self._open_until is None:
            return
        remaining_s = self._open_until - time.monotonic()
        if remaining_s > 0:
            raise MahakCircuitOpen(f"Mahak circuit open for {remaining_s:.1f} s more", remaining_s)
        self._open_until = time.monotonic() + self._open_s  # half-open: this caller is the one probe

    async def record_success(self) -> None:
        self._failures, self._open_until = 0, None

    async def record_failure(self) -> None:
        self._failures += 1
        if self._failures >= self._threshold:
            if self._open_until is None or self._open_until <= time.monotonic():
                self.opened_count += 1
            self._open_until = time.monotonic() + self._open_s


# -- in PostgreSQL -------------------------------------------------------------------------------------------
_STATE = text(
    """
    SELECT failures, EXTRACT(EPOCH FROM open_until - clock_timestamp())::float8 AS remaining_s
    FROM mahak_circuit WHERE key = :key
    """
)
# Half-open: of all processes, the one whose UPDATE matches becomes the probe; it pushes open_until forward so
# the others keep seeing an open circuit until the probe succeeds or fails.
_CLAIM_PROBE = text(
    """
    UPDATE mahak_circuit
    SET open_until = clock_timestamp() + make_interval(secs => CAST(:open_s AS double precision))
    WHERE key = :key AND failures >= :threshold AND open_until <= clock_timestamp()
    RETURNING 1
    """
)
_SUCCESS = text(
    "UPDATE mahak_circuit SET failures = 0, open_until = NULL "
    "WHERE key = :key AND (failures <> 0 OR open_until IS NOT NULL)"
)
_FAILURE = text(
    """
    INSERT INTO mahak_circuit AS c (key, failures, open_until, opened_count)
    VALUES (
        :key, 1,
        CASE WHEN :threshold <= 1
             THEN clock_timestamp() + make_interval(secs => CAST(:open_s AS double precision)) END,
        CASE WHEN :threshold <= 1 THEN 1 ELSE 0 END
    )
    ON CONFLICT (key) DO UPDATE SET
        failures = c.failures + 1,
        open_until = CASE WHEN c.failures + 1 >= :threshold
                          THEN clock_timestamp() + make_interval(secs => CAST(:open_s AS double precision))
                          ELSE c.open_until END,
        opened_count = c.opened_count + CASE
            WHEN c.failures + 1 >= :threshold AND (c.open_until IS NULL OR c.open_until <= clock_timestamp())
            THEN 1 ELSE 0 END
    """
)


class PostgresCircuitBreaker:
    """The circuit breaker of one Mahak database, shared through PostgreSQL by every process."""

    def __init__(self, engine: AsyncEngine, key: str, failures: int, open_s: float) -> None:
        self._engine = engine
        self._key = key
        self._params = {"key": key, "threshold": failures, "open_s": float(open_s)}
        self._threshold = failures
        self._open_s = open_s

    async def before_call(self) -> None:
        async with self._engine.begin() as connection:
            state = (await connection.execute(_STATE, {"key": self._key})).first()
            if state is None or state.failures < self._threshold or state.remaining_s is None:
                return
            if state.remaining_s > 0:
                raise MahakCircuitOpen(f"Mahak circuit open for {state.remaining_s:.1f} s more", state.remaining_s)
            if (await connection.execute(_CLAIM_PROBE, self._params)).first() is None:
                raise MahakCircuitOpen("Mahak circuit half-open, another process is probing", self._open_s)

    async def record_success(self) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(_SUCCESS, {"key": self._key})

    async def record_failure(self) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(_FAILURE, self._params)


def memory_guards(settings: MahakSettings) -> tuple[MemoryTokenBucket, InMemoryCircuitBreaker]:
    """Limiter and breaker for one process, sized from the settings."""
    return (
        MemoryTokenBucket(settings.rate_per_s, settings.rate_burst),
        InMemoryCircuitBreaker(settings.circuit_failures, settings.circuit_open_s),
    )


def postgres_guards(engine: AsyncEngine, settings: MahakSettings) -> tuple[PostgresTokenBucket, PostgresCircuitBreaker]:
    """Limiter and breaker shared by every process using ``engine``'s database, sized from the settings."""
    key = guard_key(settings)
    return (
        PostgresTokenBucket(engine, key, settings.rate_per_s, settings.rate_burst),
        PostgresCircuitBreaker(engine, key, settings.circuit_failures, settings.circuit_open_s),
    )
