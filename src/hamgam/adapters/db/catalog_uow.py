"""The catalogue's units of work over PostgreSQL: ``hamgam.ports.catalog.CatalogUnitOfWork`` (a transaction) and
``CatalogReadUnitOfWork`` (the storefront's reads, outside a transaction)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hamgam.adapters.db.audit import SqlAuditLog
from hamgam.adapters.db.dead_letters import insert_failed_message
from hamgam.adapters.db.read_only import Reads, SqlReadUnitOfWork
from hamgam.adapters.db.repositories.catalog import SqlCatalogRepository, SqlCoverImages
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
    """One catalogue transaction: images, pictures' dead letters, staff figures."""

    images: SqlImageRepository
    dashboard: SqlDashboardRepository
    reports: SqlSalesReportRepository
    audit: SqlAuditLog
    dead_letters: SqlPictureDeadLetters

    def _bind(self, connection: AsyncConnection) -> None:
        self.images = SqlImageRepository(connection)
        self.dashboard = SqlDashboardRepository(connection)
        self.reports = SqlSalesReportRepository(connection)
        self.audit = SqlAuditLog(connection)
        self.dead_letters = SqlPictureDeadLetters(connection)


class SqlCatalogReadUnitOfWork(SqlReadUnitOfWork):
    """The storefront's catalogue reads, outside a transaction (on the read engine), under the merchant's
    ``rules`` (price level, stock source)."""

    catalog: SqlCatalogRepository
    images: SqlCoverImages

    def __init__(self, engine: AsyncEngine, rules: SyncSettings) -> None:
        super().__init__(engine)
        self._rules = rules

    def _bind(self, reads: Reads) -> None:
        self.catalog = SqlCatalogRepository(reads, self._rules)
        self.images = SqlCoverImages(reads)
