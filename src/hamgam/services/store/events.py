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

from hamgam.domain.sms import SMS_TOPIC
from hamgam.ports import MessageQueue
from hamgam.ports.store import StoreUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory

log = structlog.get_logger(__name__)

__all__ = ["SMS_TOPIC", "enqueue", "relay"]


async def enqueue(uow: StoreUnitOfWork, topic: str, event: dict[str, Any]) -> str:
    """Write an event in the caller's transaction; returns its message id (stable across republishes)."""
    message_id = f"evt-{uuid.uuid4().hex}"
    await uow.events.add(topic, message_id, orjson.dumps(event))
    return message_id


async def relay(uow_factory: UnitOfWorkFactory[StoreUnitOfWork], queue: MessageQueue, *, limit: int = 100) -> int:
    """Publish unpublished events oldest first, marking each once the queue confirmed it.

    Safe in several processes at once (the rows are locked, skipping locked ones); a crash between publish and
    mark republishes the same ``message_id``, which consumers tolerate.
    """
    published = 0
    async with uow_factory() as uow:
        for row in await uow.events.lock_unpublished(limit):
            try:
                await queue.publish(row["topic"], bytes(row["body"]), message_id=row["message_id"])
            except Exception as exc:  # the broker is down: leave the rest for the next relay
                log.warning("events.publish_failed", message_id=row["message_id"], error=str(exc))
                break
            await uow.events.mark_published(row["id"])
            published += 1
    return published
