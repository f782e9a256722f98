"""The PostgreSQL unit of work: one connection and one transaction, with repositories bound to it.

A context's unit of work (``SqlStoreUnitOfWork`` and its siblings) subclasses ``SqlUnitOfWork`` and creates
its repositories in ``_bind``; a repository is a thin class over the bound ``AsyncConnection`` and is never
shared across transactions.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction


class SqlUnitOfWork:
    """Entering connects and begins; leaving commits, or rolls back when the block raised, and closes."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine: AsyncEngine | None = engine
        self._connection: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None

    @classmethod
    def joining(cls, connection: AsyncConnection) -> Self:
        """A unit of work inside a transaction another unit of work owns (one context's repositories used in
        another context's transaction): entering binds the repositories; leaving neither commits nor closes."""
        uow = cls.__new__(cls)
        uow._engine = None
        uow._connection = connection
        uow._transaction = None
        uow._bind(connection)
        return uow

    @property
    def connection(self) -> AsyncConnection:
        """The bound connection, for the repositories of this package only."""
        if self._connection is None:
            raise RuntimeError("the unit of work is not open: use `async with`")
        return self._connection

    async def __aenter__(self) -> Self:
        if self._engine is None:  # joined: the owner began the transaction
            return self
        connection = await self._engine.connect()
        try:
            self._transaction = await connection.begin()
        except BaseException:
            await connection.close()
            raise
        self._connection = connection
        self._bind(connection)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._engine is None:
            return
        connection, transaction = self._connection, self._transaction
        self._connection = self._transaction = None
        if connection is None or transaction is None:
            return
        try:
            if exc_type is None:
                await transaction.commit()
            else:
                await transaction.rollback()
        finally:
            await connection.close()

    def _bind(self, connection: AsyncConnection) -> None:
        """Create the repositories over ``connection``; each context's unit of work overrides this."""
