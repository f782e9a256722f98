"""The audit log in PostgreSQL (``audit_log``): the one writer of audit entries (``hamgam.ports.audit``).

``SqlAuditLog`` is bound to a connection, so the entry belongs to that connection's transaction; units of work
carry one as ``uow.audit``. ``record_in`` and ``record`` are shortcuts for code that holds a connection or an
engine rather than a unit of work.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

_INSERT = text("INSERT INTO audit_log (actor, action, target, details) VALUES (:a, :ac, :t, CAST(:d AS jsonb))")


class SqlAuditLog:
    """``hamgam.ports.audit.AuditLog`` in the transaction of ``connection``."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def record(self, actor: str, action: str, target: str, details: dict[str, Any] | None = None) -> None:
        # default=str: details carry dates and decimals as staff typed or saw them; empty details are NULL.
        body = orjson.dumps(details, default=str).decode() if details else None
        await self._connection.execute(_INSERT, {"a": actor, "ac": action, "t": target, "d": body})


async def record_in(
    conn: AsyncConnection, actor: str, action: str, target: str, details: dict[str, Any] | None = None
) -> None:
    """One entry in the caller's transaction (it commits or rolls back with the change it describes)."""
    await SqlAuditLog(conn).record(actor, action, target, details)


async def record(
    engine: AsyncEngine, actor: str, action: str, target: str, details: dict[str, Any] | None = None
) -> None:
    """One entry in a transaction of its own."""
    async with engine.begin() as conn:
        await SqlAuditLog(conn).record(actor, action, target, details)
