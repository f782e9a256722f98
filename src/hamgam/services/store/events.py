"""Domain events through a transactional outbox: written with the change that caused them, published to the
``MessageQueue`` right after commit and again by the jobs for anything left over (at least once).

Topic ``events.sms`` carries what the customer is told by SMS; ``SmsNotifier`` consumes it, so a slow SMS
provider never slows a checkout or a callback.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hamgam.ports import MessageQueue

log = structlog.get_logger(__name__)

SMS_TOPIC = "events.sms"


async def enqueue(conn: AsyncConnection, topic: str, event: dict[str, Any]) -> str:
    """Write an event in the caller's transaction; returns its message id (stable across republishes)."""
    message_id = f"evt-{uuid.uuid4().hex}"
    await conn.execute(
        text("INSERT INTO event_outbox (topic, message_id, body) VALUES (:t, :m, :b)"),
        {"t": topic, "m": message_id, "b": orjson.dumps(event)},
    )
    return message_id


async def relay(engine: AsyncEngine, queue: MessageQueue, *, limit: int = 100) -> int:
    """Publish unpublished events oldest first, marking each once the queue confirmed it.

    Safe in several processes at once (``SKIP LOCKED``); a crash between publish and mark republishes the
    same ``message_id``, which consumers tolerate.
    """
    published = 0
    async with engine.begin() as conn:
        rows = (
            await conn.execute(
                text("""SELECT id, topic, message_id, body FROM event_outbox WHERE published_at IS NULL
                        ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED"""),
                {"n": limit},
            )
        ).all()
        for row in rows:
            try:
                await queue.publish(row.topic, bytes(row.body), message_id=row.message_id)
            except Exception as exc:  # the broker is down: leave the rest for the next relay
                log.warning("events.publish_failed", message_id=row.message_id, error=str(exc))
                break
            await conn.execute(
                text("UPDATE event_outbox SET published_at = now() WHERE id = :i"), {"i": row.id}
            )
            published += 1
    return published
