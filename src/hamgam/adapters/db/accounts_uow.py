"""The accounts' unit of work over PostgreSQL (``hamgam.ports.accounts.AccountsUnitOfWork``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.adapters.db.audit import SqlAuditLog
from hamgam.adapters.db.repositories.accounts import (
    SqlAddressRepository,
    SqlCustomerRepository,
    SqlOneTimeCodeRepository,
)
from hamgam.adapters.db.repositories.sessions import SqlSessionRepository
from hamgam.adapters.db.unit_of_work import SqlUnitOfWork


class SqlAccountsUnitOfWork(SqlUnitOfWork):
    """One accounts transaction with customers, addresses, codes, sessions and the audit log bound to it."""

    customers: SqlCustomerRepository
    addresses: SqlAddressRepository
    codes: SqlOneTimeCodeRepository
    sessions: SqlSessionRepository
    audit: SqlAuditLog

    def _bind(self, connection: AsyncConnection) -> None:
        self.customers = SqlCustomerRepository(connection)
        self.addresses = SqlAddressRepository(connection)
        self.codes = SqlOneTimeCodeRepository(connection)
        self.sessions = SqlSessionRepository(connection)
        self.audit = SqlAuditLog(connection)
