"""Choose the queue adapter from the settings: RabbitMQ when a URL is set, else the PostgreSQL queue."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from hamgam.adapters.queue.postgres import PostgresQueue
from hamgam.adapters.queue.rabbitmq import RabbitQueue
from hamgam.ports import MessageQueue
from hamgam.settings import Settings


async def build_queue(settings: Settings, engine: AsyncEngine) -> MessageQueue:
    """The process's ``MessageQueue``. RabbitMQ is connected here, so a wrong URL fails at start-up."""
    if settings.rabbitmq_url:
        queue = RabbitQueue(
            settings.rabbitmq_url, prefix=settings.queue_prefix, retry_delays_s=settings.sync.retry_delays_s
        )
        await queue.connection()
        return queue
    return PostgresQueue(engine, visibility_timeout_s=settings.queue_visibility_timeout_s)
