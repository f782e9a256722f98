"""The domain events' transactional outbox (``event_outbox``) (``hamgam.ports.store.EventOutbox``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


class SqlEventOutbox:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, topic: str, message_id: str, body: bytes) -> None:
        await self._conn.execute(
            text("INSERT INTO event_outbox (topic, message_id, body) VALUES (:t, :m, :b)"),
            {"t": topic, "m": message_id, "b": body},
        )

    async def lock_unpublished(self, limit: int) -> list[dict[str, Any]]:
        rows = await self._conn.execute(
            text("""SELECT id, topic, message_id, body FROM event_outbox WHERE published_at IS NULL
                    ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED"""),
            {"n": limit},
        )
        return [dict(r) for r in rows.mappings()]

    async def mark_published(self, event_id: int) -> None:
        await self._conn.execute(text("UPDATE event_outbox SET published_at = now() WHERE id = :i"), {"i": event_id})
