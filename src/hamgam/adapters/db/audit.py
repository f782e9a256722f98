"""The audit log: who did what to which target, written in the caller's transaction or its own."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hamgam.adapters.db.schema.sync import audit_log


async def record(engine: AsyncEngine, actor: str, action: str, target: str, details: dict[str, Any] | None = None) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(audit_log).values(actor=actor, action=action, target=target, details=details))


async def record_in(conn: AsyncConnection, actor: str, action: str, target: str, details: dict[str, Any]) -> None:
    """The same entry, in the caller's transaction (it commits or rolls back with the change it describes)."""
    await conn.execute(insert(audit_log).values(actor=actor, action=action, target=target, details=details))
