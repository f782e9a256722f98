"""The store's unit of work over PostgreSQL (``hamgam.ports.store.StoreUnitOfWork``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.adapters.db.unit_of_work import SqlUnitOfWork


class SqlStoreUnitOfWork(SqlUnitOfWork):
    """One store transaction with every store repository bound to its connection."""

    def _bind(self, connection: AsyncConnection) -> None:
        pass
