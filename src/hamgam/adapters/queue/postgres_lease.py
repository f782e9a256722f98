"""The consuming side of the PostgreSQL queue: leasing rows, renewing leases, settling deliveries.

A consumer's leases all carry its ``token``; settling and the heartbeat only touch rows still holding it, so a
consumer whose lease ran out (and went to someone else) cannot ack or retry a message it no longer owns.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import RowMapping, delete, extract, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.adapters.db.dead_letters import insert_dead_letter
from hamgam.adapters.db.schema.queue import queue_message as qm
from hamgam.adapters.queue.common import (
    FIRST_FAILED_AT_HEADER,
    AlreadySettledError,
    parse_time,
    retry_headers,
)

if TYPE_CHECKING:
    from hamgam.adapters.queue.postgres import PostgresQueue

log = structlog.get_logger(__name__)

#: Most rows one lease query takes, whatever the prefetch.
LEASE_BATCH_MAX = 100
#: Longest pause of a consumer after a database error before it tries again.
DB_ERROR_BACKOFF_S = 1.0
_DB_ERRORS = (DBAPIError, OSError)


def seconds(value: float) -> Any:
    """An SQL interval of ``value`` seconds."""
    return func.make_interval(0, 0, 0, 0, 0, 0, value)


async def notify(conn: AsyncConnection, channel: str, topic: str) -> None:
    """Wake the topic's consumers once the surrounding transaction commits."""
    await conn.execute(text("SELECT pg_notify(:channel, :topic)"), {"channel": channel, "topic": topic})


class PostgresDelivery:
    def __init__(self, consumer: PostgresConsumer, row: Mapping[str, Any]) -> None:
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
                available_at=func.now() + seconds(delay_s),
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
                await notify(conn, consumer.queue.notify_channel, self.topic)
        finally:
            consumer.unsettled.pop(self.row_id, None)
            consumer.wake.set()
        if changed == 0:
            log.warning("queue.lease_lost", topic=self.topic, message_id=self.message_id)


class PostgresConsumer:
    """The iterator ``PostgresQueue.consume`` returns; ``aclose`` stops it alone."""

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

    def __aiter__(self) -> PostgresConsumer:
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
                try:
                    await queue._ensure_listener()
                    if await self._lease(min(free, LEASE_BATCH_MAX)):
                        continue
                    due_s = await self._next_due_s()
                    timeout_s = queue.poll_interval_s if due_s is None else min(queue.poll_interval_s, due_s)
                except _DB_ERRORS:  # the database is away: keep the iterator alive and try again
                    log.warning("queue.lease_failed", topic=self.topic, exc_info=True)
                    timeout_s = min(queue.poll_interval_s, DB_ERROR_BACKOFF_S)
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that arrives as the
            # wake-up does, and a consumer cancelled at shutdown would then poll on forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(None if timeout_s is None else max(timeout_s, 0.005)):
                    await self.wake.wait()

    async def _lease(self, limit: int) -> bool:
        """Lease up to ``limit`` rows into the buffer. Cancel-safe: rows leased anyway still reach it."""
        task = self._lease_task = asyncio.ensure_future(self._lease_rows(limit))
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

    async def _lease_rows(self, limit: int) -> list[PostgresDelivery]:
        """Lease up to ``limit`` available rows; rows leased too often go to the dead letters instead."""
        queue = self.queue
        async with queue.engine.begin() as conn:
            while True:
                candidates = (
                    (
                        await conn.execute(
                            select(qm)
                            .where(qm.c.topic == self.topic, qm.c.available_at <= func.now())
                            .order_by(qm.c.available_at, qm.c.id)
                            .limit(limit)
                            .with_for_update(skip_locked=True)
                        )
                    )
                    .mappings()
                    .all()
                )
                if not candidates:
                    return []
                for row in candidates:
                    if row["deliveries"] >= queue.max_deliveries:
                        await _dead_letter(conn, row)
                ids = [row["id"] for row in candidates if row["deliveries"] < queue.max_deliveries]
                if ids:
                    break
            until = func.now() + seconds(queue.visibility_timeout_s)
            leased = await conn.execute(
                update(qm)
                .where(qm.c.id.in_(ids))
                .values(
                    lease_token=self.token,
                    lease_until=until,
                    available_at=until,
                    deliveries=qm.c.deliveries + 1,
                )
                .returning(qm)
            )
            rows = {row["id"]: row for row in leased.mappings()}
        return [PostgresDelivery(self, rows[row_id]) for row_id in ids]

    async def _next_due_s(self) -> float | None:
        """Seconds until the next row of the topic is due (delayed, or a lease expiring); None if empty."""
        query = select(extract("epoch", func.min(qm.c.available_at) - func.now())).where(qm.c.topic == self.topic)
        async with self.queue.engine.connect() as conn:
            due = (await conn.execute(query)).scalar_one()
        return None if due is None else max(0.0, float(due))

    async def _renew_leases(self) -> None:
        queue = self.queue
        while not self.closed:
            await asyncio.sleep(queue.visibility_timeout_s / 3)
            # Only what this consumer still holds: a row whose settling failed is left to expire and return.
            held = [*self.unsettled, *(d.row_id for d in self.buffer)]
            if not held:
                continue
            until = func.now() + seconds(queue.visibility_timeout_s)
            try:
                async with queue.engine.begin() as conn:
                    await conn.execute(
                        update(qm)
                        .where(qm.c.lease_token == self.token, qm.c.id.in_(held))
                        .values(lease_until=until, available_at=until)
                    )
            except _DB_ERRORS:  # a lost database must not kill the consumer; the next round tries again
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
        try:
            async with self.queue.engine.begin() as conn:
                await conn.execute(
                    update(qm)
                    .where(qm.c.lease_token == self.token)
                    .values(available_at=func.now(), lease_until=None, lease_token=None)
                )
                await notify(conn, self.queue.notify_channel, self.topic)
        except _DB_ERRORS:  # the leases expire on their own
            log.warning("queue.release_on_close_failed", topic=self.topic, exc_info=True)


async def _dead_letter(conn: AsyncConnection, row: RowMapping) -> None:
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
