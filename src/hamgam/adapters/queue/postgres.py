"""The PostgreSQL-backed queue: the embedded default when there is no RabbitMQ.

One table, ``queue_message``. A consumer leases rows with ``SELECT … FOR UPDATE SKIP LOCKED`` and holds them for
``visibility_timeout_s``, renewed by a heartbeat while the consumer lives; a consumer that dies without settling
lets its lease expire and the row becomes visible again. Settling: ``ack`` deletes the row, ``retry`` makes it
available later with ``attempt + 1`` (one UPDATE, so the copy is durable the moment the original is gone),
``release`` makes it available now. A row leased ``max_deliveries`` times without being settled moves to the
``dead_letter`` table when next leased (the poison backstop). ``LISTEN/NOTIFY`` wakes consumers at once; a poll
every ``poll_interval_s`` is the fallback. ``publish_in`` enqueues inside the caller's transaction (outbox).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import deque
from collections.abc import Mapping
from typing import Any

import asyncpg
import structlog
from sqlalchemy import delete, extract, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hamgam.adapters.db.dead_letters import insert_dead_letter
from hamgam.adapters.db.schema.queue import queue_message as qm
from hamgam.adapters.queue.common import (
    FIRST_FAILED_AT_HEADER,
    AlreadySettledError,
    attempt_of,
    new_message_id,
    parse_time,
    retry_headers,
)

log = structlog.get_logger(__name__)

#: The NOTIFY channel publishers signal on; the payload is the topic.
NOTIFY_CHANNEL = "hamgam_queue"
#: Most rows one lease query takes, whatever the prefetch.
LEASE_BATCH_MAX = 100
#: Seconds between attempts to re-open a lost LISTEN connection.
LISTEN_RETRY_S = 5.0


def _seconds(value: float) -> Any:
    return func.make_interval(0, 0, 0, 0, 0, 0, value)


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
    """Insert a message inside the caller's transaction: it exists, and wakes consumers, only once that commits."""
    headers = dict(headers or {})
    await connection.execute(
        insert(qm).values(
            topic=topic,
            message_id=message_id or new_message_id(),
            body=bytes(body),
            headers=headers,
            attempt=attempt_of(headers),
            available_at=func.now() + _seconds(delay_s),
        )
    )
    await connection.execute(text("SELECT pg_notify(:channel, :topic)"), {"channel": notify_channel, "topic": topic})


class PostgresDelivery:
    def __init__(self, consumer: _PostgresConsumer, row: Mapping[str, Any]) -> None:
        self._consumer = consumer
        self.row_id: int = row["id"]
        self.topic = consumer.topic
        self.message_id: str = row["message_id"]
        self.body: bytes = bytes(row["body"])
        self.headers: Mapping[str, Any] = dict(row["headers"])
        self.attempt: int = row["attempt"]
        self._settled = False

    async def ack(self) -> None:
        await self._settle(delete(qm))

    async def retry(self, error: str, delay_s: float) -> None:
        await self._settle(
            update(qm).values(
                headers=retry_headers(self.headers, error),
                attempt=self.attempt + 1,
                last_error=error,
                deliveries=0,
                available_at=func.now() + _seconds(delay_s),
                lease_until=None,
                lease_token=None,
            )
        )

    async def release(self) -> None:
        await self._settle(
            update(qm).values(
                deliveries=qm.c.deliveries - 1, available_at=func.now(), lease_until=None, lease_token=None
            )
        )

    async def _settle(self, statement: Any) -> None:
        if self._settled:
            raise AlreadySettledError(self.message_id)
        self._settled = True
        consumer = self._consumer
        statement = statement.where(qm.c.id == self.row_id, qm.c.lease_token == consumer.token)
        try:
            async with consumer.queue.engine.begin() as conn:
                changed = (await conn.execute(statement)).rowcount
                await conn.execute(
                    text("SELECT pg_notify(:channel, :topic)"),
                    {"channel": consumer.queue.notify_channel, "topic": self.topic},
                )
        finally:
            consumer.unsettled.pop(self.row_id, None)
            consumer.wake.set()
        if changed == 0:
            log.warning("queue.lease_lost", topic=self.topic, message_id=self.message_id)


class _PostgresConsumer:
    def __init__(self, queue: PostgresQueue, topic: str, prefetch: int) -> None:
        if prefetch < 1:
            raise ValueError("prefetch must be at least 1")
        self.queue = queue
        self.topic = topic
        self.prefetch = prefetch
        #: Every lease this consumer takes carries this token; settling and the heartbeat check it.
        self.token = uuid.uuid4()
        self.unsettled: dict[int, PostgresDelivery] = {}
        self.buffer: deque[PostgresDelivery] = deque()
        self.wake = asyncio.Event()
        self.closed = False
        self._lease_task: asyncio.Task[list[PostgresDelivery]] | None = None
        self._heartbeat: asyncio.Task[None] | None = None

    def __aiter__(self) -> _PostgresConsumer:
        return self

    async def __anext__(self) -> PostgresDelivery:
        queue = self.queue
        while True:
            if self.closed:
                raise StopAsyncIteration
            if self.buffer:
                delivery = self.buffer.popleft()
                self.unsettled[delivery.row_id] = delivery
                return delivery
            self.wake.clear()
            timeout_s: float | None = None
            free = self.prefetch - len(self.unsettled)
            if free > 0:
                await queue._ensure_listener()
                if await self._lease(min(free, LEASE_BATCH_MAX)):
                    continue
                due_s = await queue._next_due_s(self.topic)
                timeout_s = queue.poll_interval_s if due_s is None else min(queue.poll_interval_s, due_s)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), max(timeout_s, 0.005) if timeout_s is not None else None)

    async def _lease(self, limit: int) -> bool:
        """Lease up to ``limit`` rows into the buffer. Safe to cancel: rows leased anyway still reach the buffer."""
        task = self._lease_task = asyncio.ensure_future(self.queue._lease(self, limit))
        try:
            leased = await asyncio.shield(task)
        except asyncio.CancelledError:
            task.add_done_callback(self._leased)
            raise
        self.buffer.extend(leased)
        if self._heartbeat is None:
            self._heartbeat = asyncio.create_task(self._renew_leases())
        return bool(self.buffer)

    def _leased(self, task: asyncio.Task[list[PostgresDelivery]]) -> None:
        if not task.cancelled() and task.exception() is None:
            self.buffer.extend(task.result())

    async def _renew_leases(self) -> None:
        queue = self.queue
        while not self.closed:
            await asyncio.sleep(queue.visibility_timeout_s / 3)
            try:
                async with queue.engine.begin() as conn:
                    until = func.now() + _seconds(queue.visibility_timeout_s)
                    await conn.execute(
                        update(qm).where(qm.c.lease_token == self.token).values(lease_until=until, available_at=until)
                    )
            except Exception:  # a lost database must not kill the consumer; the next round tries again
                log.warning("queue.heartbeat_failed", topic=self.topic, exc_info=True)

    async def aclose(self) -> None:
        """Stop this consumer and hand every lease it holds back to the topic (counted as unsettled)."""
        if self.closed:
            return
        self.closed = True
        self.wake.set()
        self.queue._consumers.discard(self)
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        if self._lease_task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self._lease_task
        self.unsettled.clear()
        self.buffer.clear()
        async with self.queue.engine.begin() as conn:
            await conn.execute(
                update(qm)
                .where(qm.c.lease_token == self.token)
                .values(available_at=func.now(), lease_until=None, lease_token=None)
            )
            await conn.execute(
                text("SELECT pg_notify(:channel, :topic)"),
                {"channel": self.queue.notify_channel, "topic": self.topic},
            )


class PostgresQueue:
    """``MessageQueue`` over PostgreSQL.

    Parameters:
        engine: the process's async engine (the queue borrows connections from its pool).
        visibility_timeout_s: how long a lease lasts without a heartbeat (a dead consumer's messages come back
            after at most this long).
        max_deliveries: leases that may end unsettled before the message is dead-lettered.
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
        self._consumers: set[_PostgresConsumer] = set()
        self._listener: asyncpg.Connection | None = None
        self._listen_tried_at = float("-inf")
        self._closed = False

    async def publish(
        self, topic: str, body: bytes, *, headers: Mapping[str, Any] | None = None, message_id: str | None = None
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
            connection, topic, body, headers=headers, message_id=message_id, delay_s=delay_s,
            notify_channel=self.notify_channel,
        )

    def consume(self, topic: str, *, prefetch: int) -> _PostgresConsumer:
        self._check_open()
        consumer = _PostgresConsumer(self, topic, prefetch)
        self._consumers.add(consumer)
        return consumer

    async def depth(self, topic: str) -> int:
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

    async def _lease(self, consumer: _PostgresConsumer, limit: int) -> list[PostgresDelivery]:
        """Lease up to ``limit`` available rows; rows already leased too often go to the dead letters instead."""
        leased: list[PostgresDelivery] = []
        async with self.engine.begin() as conn:
            while not leased:
                candidates = (
                    await conn.execute(
                        select(qm)
                        .where(qm.c.topic == consumer.topic, qm.c.available_at <= func.now())
                        .order_by(qm.c.available_at, qm.c.id)
                        .limit(limit)
                        .with_for_update(skip_locked=True)
                    )
                ).mappings().all()
                if not candidates:
                    break
                poison = [row for row in candidates if row["deliveries"] >= self.max_deliveries]
                for row in poison:
                    await self._dead_letter(conn, row)
                ids = [row["id"] for row in candidates if row["deliveries"] < self.max_deliveries]
                if not ids:
                    continue
                until = func.now() + _seconds(self.visibility_timeout_s)
                rows = (
                    await conn.execute(
                        update(qm)
                        .where(qm.c.id.in_(ids))
                        .values(
                            lease_token=consumer.token,
                            lease_until=until,
                            available_at=until,
                            deliveries=qm.c.deliveries + 1,
                        )
                        .returning(qm)
                    )
                ).mappings().all()
                leased = [PostgresDelivery(consumer, row) for row in sorted(rows, key=lambda r: ids.index(r["id"]))]
        return leased

    async def _dead_letter(self, conn: AsyncConnection, row: Mapping[str, Any]) -> None:
        headers = dict(row["headers"])
        error = f"poison backstop: leased {row['deliveries']} times without being settled"
        if row["last_error"]:
            error += f"; last error: {row['last_error']}"
        await insert_dead_letter(
            conn,
            topic=row["topic"],
            message_id=row["message_id"],
            body=bytes(row["body"]),
            headers=headers,
            error=error,
            attempts=row["attempt"],
            first_failed_at=parse_time(headers.get(FIRST_FAILED_AT_HEADER)),
        )
        await conn.execute(delete(qm).where(qm.c.id == row["id"]))
        log.warning("queue.poison_dead_lettered", topic=row["topic"], message_id=row["message_id"])

    async def _next_due_s(self, topic: str) -> float | None:
        """Seconds until the topic's next row becomes available (delayed or lease expiring), None if empty."""
        query = select(extract("epoch", func.min(qm.c.available_at) - func.now())).where(qm.c.topic == topic)
        async with self.engine.connect() as conn:
            due = (await conn.execute(query)).scalar_one()
        return None if due is None else max(0.0, float(due))

    async def _ensure_listener(self) -> None:
        """Open the LISTEN connection if there is none (a lost one is retried now and then; polling covers gaps)."""
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


__all__ = ["PostgresDelivery", "PostgresQueue", "enqueue"]
