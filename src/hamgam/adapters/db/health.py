"""Whether the database answers, for readiness probes."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def ping(engine: AsyncEngine) -> None:
    """Return when the database answers a trivial statement; raise when it does not."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
