"""Move what RabbitMQ's delivery-limit backstop dead-lettered (``{prefix}.{topic}.dead``) into the
``dead_letter`` table, where staff list, edit, replay and purge it."""

from __future__ import annotations

import contextlib
from typing import Any

import structlog

from hamgam.adapters.db.dead_letters import DeadLetterStore
from hamgam.adapters.queue.common import (
    ERROR_HEADER,
    FIRST_FAILED_AT_HEADER,
    attempt_of,
    new_message_id,
    parse_time,
    plain_headers,
)
from hamgam.adapters.queue.rabbitmq import RabbitQueue

log = structlog.get_logger(__name__)


def _broker_reason(headers: dict[str, Any]) -> str:
    deaths = headers.get("x-death") or []
    reason = deaths[0].get("reason", "unknown") if deaths and isinstance(deaths[0], dict) else "unknown"
    text = f"dead-lettered by the broker ({reason})"
    if reason == "delivery_limit":
        text += ": delivered too many times without being settled"
    if headers.get(ERROR_HEADER):
        text += f"; last error: {headers[ERROR_HEADER]}"
    return text


async def drain_broker_dead_letters(queue: RabbitQueue, topic: str, store: DeadLetterStore) -> int:
    """Move every message waiting in the topic's ``.dead`` queue into the store; returns how many.

    Each message is acked only after its row is committed: a crash in between leaves it in ``.dead`` and the
    next drain stores it a second time, which staff see as two identical letters rather than none.
    """
    names = await queue.declare(topic)
    channel = await (await queue.connection()).channel(publisher_confirms=False)
    moved = 0
    try:
        dead = await channel.declare_queue(names.dead, passive=True, robust=False)
        while (message := await dead.get(no_ack=False, fail=False)) is not None:
            headers = plain_headers(message.headers)
            await store.add(
                topic=topic,
                message_id=message.message_id or new_message_id(),
                body=message.body,
                headers=headers,
                error=_broker_reason(headers),
                attempts=attempt_of(headers),
                first_failed_at=parse_time(headers.get(FIRST_FAILED_AT_HEADER)),
            )
            await message.ack()
            moved += 1
    finally:
        with contextlib.suppress(Exception):
            await channel.close()
    if moved:
        log.warning("queue.broker_dead_letters_drained", topic=topic, count=moved)
    return moved
