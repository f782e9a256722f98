"""The PostgreSQL-backed queue: the embedded default when there is no RabbitMQ.

One table, ``queue_message``. A consumer leases rows with ``SELECT … FOR UPDATE SKIP LOCKED`` and holds them
for ``visibility_timeout_s``, renewed by a heartbeat while the consumer lives; when a consumer dies without
settling, its lease expires and the row becomes visible again. Settling: ``ack`` deletes the row, ``retry``
makes it available later with ``attempt + 1`` (one UPDATE, so the copy is durable the moment the original is
gone), ``release`` makes it available now. A row leased ``max_deliveries`` times without being settled moves
to the ``dead_letter`` table when next leased (the poison backstop). ``LISTEN/NOTIFY`` wakes consumers at
once; a poll every ``poll_interval_s`` is the fallback. ``publish_in`` enqueues in the caller's transaction,
which makes this table the transactional outbox as well. The consuming side is in ``postgres_lease.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

import asyncpg
import structlog
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hamgam.adapters.db.schema.queue import queue_message as qm
from hamgam.adapters.queue.common import attempt_of, new_message_id
from hamgam.adapters.queue.postgres_lease import PostgresConsumer, PostgresDelivery, notify, seconds

log = structlog.get_logger(__name__)

#: The NOTIFY channel publishers signal on; the payload is the topic.
NOTIFY_CHANNEL = "hamgam_queue"
#: Seconds between attempts to re-open a lost LISTEN connection.
LISTEN_RETRY_S = 5.0


async def enqueue(
    connection: AsyncConnection,
    topic: str,
    body: bytes,
    *,
    headers: Mapping[str, Any] | None = None,
    message_id: str | None = None,
    delay_s: float = 0.0,
    notify_channel: str = NOTIFY_CHANNEL,
) -> None:
    """Insert a message in the caller's transaction: it exists, and wakes consumers, once that commits."""
    headers = dict(headers or {})
    await connection.execute(
        insert(qm).values(
            topic=topic,
            message_id=message_id or new_message_id(),
            body=bytes(body),
            headers=headers,
            attempt=attempt_of(headers),
            available_at=func.now() + seconds(delay_s),
        )
    )
    await notify(connection, notify_channel, topic)


class PostgresQueue:
    """``MessageQueue`` over PostgreSQL.

    Parameters:
        engine: the process's async engine (the queue borrows connections from its pool).
        visibility_timeout_s: how long a lease lasts without a heartbeat (a dead consumer's messages come back
            after at most this long; live consumers renew every third of it).
        max_deliveries: leases that may end unsettled before the message is dead-lettered (``release`` does
            not count; a crash or ``close`` with the delivery unsettled does).
        poll_interval_s: the longest a consumer sleeps without a notification.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        visibility_timeout_s: float = 60.0,
        max_deliveries: int = 20,
        poll_interval_s: float = 5.0,
        notify_channel: str = NOTIFY_CHANNEL,
    ) -> None:
        self.engine = engine
        self.visibility_timeout_s = visibility_timeout_s
        self.max_deliveries = max_deliveries
        self.poll_interval_s = poll_interval_s
        self.notify_channel = notify_channel
        self._consumers: set[PostgresConsumer] = set()
        self._listener: asyncpg.Connection | None = None
        self._listen_tried_at = float("-inf")
        self._closed = False

    async def publish(
        self,
        topic: str,
        body: bytes,
        *,
        headers: Mapping[str, Any] | None = None,
        message_id: str | None = None,
    ) -> None:
        self._check_open()
        async with self.engine.begin() as conn:
            await self.publish_in(conn, topic, body, headers=headers, message_id=message_id)

    async def publish_in(
        self,
        connection: AsyncConnection,
        topic: str,
        body: bytes,
        *,
        headers: Mapping[str, Any] | None = None,
        message_id: str | None = None,
        delay_s: float = 0.0,
    ) -> None:
        """Enqueue inside the caller's transaction: visible once it commits, gone if it rolls back."""
        await enqueue(
            connection,
            topic,
            body,
            headers=headers,
            message_id=message_id,
            delay_s=delay_s,
            notify_channel=self.notify_channel,
        )

    def consume(self, topic: str, *, prefetch: int) -> PostgresConsumer:
        self._check_open()
        consumer = PostgresConsumer(self, topic, prefetch)
        self._consumers.add(consumer)
        return consumer

    async def depth(self, topic: str) -> int:
        """Rows not under a live lease: ready, delayed for retry, or left by a dead consumer."""
        leased = qm.c.lease_until.is_not(None) & (qm.c.lease_until > func.now())
        query = select(func.count()).select_from(qm).where(qm.c.topic == topic, ~leased)
        async with self.engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def close(self) -> None:
        self._closed = True
        for consumer in list(self._consumers):
            await consumer.aclose()
        if self._listener is not None:
            listener, self._listener = self._listener, None
            with contextlib.suppress(Exception):
                await listener.close(timeout=2)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("queue is closed")

    async def _ensure_listener(self) -> None:
        """Open the LISTEN connection if there is none (a lost one is retried; polls cover gaps)."""
        loop = asyncio.get_running_loop()
        if self._listener is not None or self._closed or loop.time() - self._listen_tried_at < LISTEN_RETRY_S:
            return
        self._listen_tried_at = loop.time()
        dsn = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            listener = await asyncpg.connect(dsn, timeout=5)
            await listener.add_listener(self.notify_channel, self._on_notify)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            log.warning("queue.listen_failed", exc_info=True)
            return
        listener.add_termination_listener(self._on_listener_lost)
        self._listener = listener

    def _on_notify(self, _conn: object, _pid: int, _channel: str, topic: str) -> None:
        for consumer in self._consumers:
            if consumer.topic == topic:
                consumer.wake.set()

    def _on_listener_lost(self, _conn: object) -> None:
        self._listener = None


__all__ = ["NOTIFY_CHANNEL", "PostgresConsumer", "PostgresDelivery", "PostgresQueue", "enqueue"]
