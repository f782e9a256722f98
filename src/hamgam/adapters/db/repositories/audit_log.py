"""The audit log in a unit of work's transaction (``hamgam.ports.catalog.AuditLog``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.adapters.db.audit import record_in


class SqlAuditLog:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def record(self, actor: str, action: str, target: str, details: dict[str, Any]) -> None:
        await record_in(self._conn, actor, action, target, details)
