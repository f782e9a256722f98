"""The catalogue's unit of work over PostgreSQL (``hamgam.ports.catalog.CatalogUnitOfWork``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hamgam.adapters.db.audit import SqlAuditLog
from hamgam.adapters.db.dead_letters import insert_failed_message
from hamgam.adapters.db.repositories.catalog import SqlCatalogRepository
from hamgam.adapters.db.repositories.dashboard import SqlDashboardRepository
from hamgam.adapters.db.repositories.images import SqlImageRepository
from hamgam.adapters.db.repositories.reports import SqlSalesReportRepository
from hamgam.adapters.db.unit_of_work import SqlUnitOfWork
from hamgam.domain.dead_letters import FailedMessage
from hamgam.settings import SyncSettings


class SqlPictureDeadLetters:
    """Pictures that kept failing, stored in the catalogue's transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, letter: FailedMessage) -> int:
        return await insert_failed_message(self._conn, letter)


class SqlCatalogUnitOfWork(SqlUnitOfWork):
    """One catalogue transaction; the catalogue reads apply the merchant's ``rules`` (price level, stock
    source)."""

    catalog: SqlCatalogRepository
    images: SqlImageRepository
    dashboard: SqlDashboardRepository
    reports: SqlSalesReportRepository
    audit: SqlAuditLog
    dead_letters: SqlPictureDeadLetters

    def __init__(self, engine: AsyncEngine, rules: SyncSettings) -> None:
        super().__init__(engine)
        self._rules = rules

    def _bind(self, connection: AsyncConnection) -> None:
        self.catalog = SqlCatalogRepository(connection, self._rules)
        self.images = SqlImageRepository(connection)
        self.dashboard = SqlDashboardRepository(connection)
        self.reports = SqlSalesReportRepository(connection)
        self.audit = SqlAuditLog(connection)
        self.dead_letters = SqlPictureDeadLetters(connection)
