"""Reads outside a transaction, on the read engine (``hamgam.adapters.db.engine.create_read_engine``).

A catalogue page reads what the sync and the store committed; it writes nothing and needs no snapshot across
its statements (each statement reads one consistent snapshot of its own). So a read-only unit of work holds no
transaction: its statements run in autocommit, one round trip each, and its connection goes back to the pool
without a rollback. Writes keep ``hamgam.adapters.db.unit_of_work.SqlUnitOfWork`` and its transaction.

Without the pool's pre-ping, a connection the server ended (a restart, ``pg_terminate_backend``, a failover)
is found when a read uses it; since a read changes nothing, it is run again, once, on a fresh connection
(``Reads.run``). SQLAlchemy's pool then also retires every connection opened before the failure.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self, TypeVar

import structlog
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = structlog.get_logger(__name__)

T = TypeVar("T")


class Reads:
    """The connection of one read-only unit of work, checked out at its first read."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None

    async def run(self, read: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """``read`` on this unit of work's connection; when the connection turns out to be dropped, ``read`` again
        on a fresh one (once: a second failure is the database's, and raises)."""
        try:
            return await read(await self._connect())
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            log.info("db.read_retried", error=str(exc.orig)[:200])
        await self.close()
        return await read(await self._connect())

    async def _connect(self) -> AsyncConnection:
        if self._connection is None:
            self._connection = await self._engine.connect()
        return self._connection

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()


class SqlReadUnitOfWork:
    """Entering binds the repositories (no round trip); leaving returns the connection, if a read took one.
    Nothing to commit or roll back: it writes nothing."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._reads: Reads | None = None

    async def __aenter__(self) -> Self:
        self._reads = Reads(self._engine)
        self._bind(self._reads)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        reads, self._reads = self._reads, None
        if reads is not None:
            await reads.close()

    def _bind(self, reads: Reads) -> None:
        """Create the repositories over ``reads``; each context's read-only unit of work overrides this."""
