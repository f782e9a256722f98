"""Staff's unit of work over PostgreSQL (``hamgam.ports.admin.AdminUnitOfWork``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.adapters.db.audit import SqlAuditLog
from hamgam.adapters.db.repositories.admin_products import SqlProductAdminRepository
from hamgam.adapters.db.unit_of_work import SqlUnitOfWork


class SqlAdminUnitOfWork(SqlUnitOfWork):
    """One staff transaction over products, with the audit log bound to it."""

    products: SqlProductAdminRepository
    audit: SqlAuditLog

    def _bind(self, connection: AsyncConnection) -> None:
        self.products = SqlProductAdminRepository(connection)
        self.audit = SqlAuditLog(connection)
