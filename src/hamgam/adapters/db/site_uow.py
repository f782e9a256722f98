"""The site's unit of work over PostgreSQL (``hamgam.ports.site.SiteUnitOfWork``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hamgam.adapters.db.audit import SqlAuditLog
from hamgam.adapters.db.repositories.site import SqlListedCatalog, SqlSitePageRepository, SqlSiteSettingRepository
from hamgam.adapters.db.unit_of_work import SqlUnitOfWork
from hamgam.settings import SyncSettings


class SqlSiteUnitOfWork(SqlUnitOfWork):
    """One transaction over the footer pages, site settings and listed catalogue, with the audit log."""

    pages: SqlSitePageRepository
    settings: SqlSiteSettingRepository
    catalog: SqlListedCatalog
    audit: SqlAuditLog

    def __init__(self, engine: AsyncEngine, rules: SyncSettings) -> None:
        super().__init__(engine)
        #: The merchant's price level and stock source, which the feed's offers follow.
        self._rules = rules

    def _bind(self, connection: AsyncConnection) -> None:
        self.pages = SqlSitePageRepository(connection)
        self.settings = SqlSiteSettingRepository(connection)
        self.catalog = SqlListedCatalog(connection, self._rules)
        self.audit = SqlAuditLog(connection)
