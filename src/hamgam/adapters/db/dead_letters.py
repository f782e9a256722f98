"""The dead-letter store: messages that ran out of attempts, failed for good, or hit a poison backstop.

Both queue adapters end here (the PostgreSQL queue directly, RabbitMQ through ``drain_broker_dead_letters``),
so the admin panel and the CLI list, inspect, edit, replay and purge dead letters in one place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import partial
from typing import Any, cast

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hamgam.adapters.db.audit import record_in
from hamgam.adapters.db.schema.queue import dead_letter
from hamgam.adapters.db.unit_of_work import SqlUnitOfWork
from hamgam.adapters.queue.common import ATTEMPT_HEADER, ERROR_HEADER, FIRST_FAILED_AT_HEADER, parse_time
from hamgam.domain.dead_letters import DeadLetter, FailedMessage
from hamgam.ports import MessageQueue

__all__ = [
    "REPLAYED_FROM_HEADER",
    "DeadLetter",
    "DeadLetterRows",
    "DeadLetterStore",
    "SqlDeadLetterUnitOfWork",
    "insert_dead_letter",
    "insert_failed_message",
]

#: Header a replayed message carries: the id of the dead letter it came from.
REPLAYED_FROM_HEADER = "x-replayed-from"


async def insert_dead_letter(
    connection: AsyncConnection,
    *,
    topic: str,
    message_id: str,
    body: bytes,
    headers: Mapping[str, Any],
    error: str,
    attempts: int,
    first_failed_at: dt.datetime | None = None,
) -> int:
    """Insert one dead letter inside the caller's transaction; returns its id."""
    result = await connection.execute(
        insert(dead_letter)
        .values(
            topic=topic,
            message_id=message_id,
            body=body,
            headers=dict(headers),
            error=error,
            attempts=attempts,
            first_failed_at=first_failed_at,
        )
        .returning(dead_letter.c.id)
    )
    return int(result.scalar_one())


async def insert_failed_message(connection: AsyncConnection, letter: FailedMessage) -> int:
    """Insert a consumer's failed message inside the caller's transaction; ``first_failed_at`` defaults to the
    ``x-first-failed-at`` header."""
    return await insert_dead_letter(
        connection,
        topic=letter.topic,
        message_id=letter.message_id,
        body=letter.body,
        headers=letter.headers,
        error=letter.error,
        attempts=letter.attempts,
        first_failed_at=letter.first_failed_at or parse_time(letter.headers.get(FIRST_FAILED_AT_HEADER)),
    )


class DeadLetterRows:
    """The dead letters on one unit of work's connection (``hamgam.ports.dead_letters.DeadLetterRepository``)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get(self, id: int) -> DeadLetter | None:
        row = (await self._connection.execute(select(dead_letter).where(dead_letter.c.id == id))).mappings().first()
        return DeadLetter(**row) if row else None

    async def update_body(self, id: int, body: bytes) -> bool:
        return await self._update(id, body=body)

    async def mark_replayed(self, id: int) -> bool:
        return await self._update(id, replayed_at=func.now())

    async def replay(self, id: int, queue: MessageQueue) -> bool:
        """Publish the letter again as a fresh first attempt, then mark it replayed.

        A crash between the two replays it twice on the next try; consumers are idempotent, so that is fine.
        False when the letter is missing or purged.
        """
        letter = await self.get(id)
        if letter is None or letter.purged_at is not None:
            return False
        headers = {k: v for k, v in letter.headers.items() if k not in (ATTEMPT_HEADER, ERROR_HEADER)}
        headers[REPLAYED_FROM_HEADER] = letter.id
        await queue.publish(letter.topic, letter.body, headers=headers, message_id=letter.message_id)
        return await self.mark_replayed(id)

    async def purge(self, id: int) -> bool:
        return await self._update(id, purged_at=func.now())

    async def _update(self, id: int, **values: Any) -> bool:
        statement = (
            update(dead_letter).where(dead_letter.c.id == id, dead_letter.c.purged_at.is_(None)).values(**values)
        )
        return (await self._connection.execute(statement)).rowcount == 1


class AuditRows:
    """The audit log on one unit of work's connection: an entry commits with the change it describes."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def record(self, actor: str, action: str, target: str, details: dict[str, Any] | None = None) -> None:
        # ``record_in`` stores ``details`` as given; NULL when there are none, as the engine-level writer does.
        await record_in(self._connection, actor, action, target, cast(dict[str, Any], details))


class SqlDeadLetterUnitOfWork(SqlUnitOfWork):
    """``hamgam.ports.dead_letters.DeadLetterUnitOfWork`` for PostgreSQL."""

    letters: DeadLetterRows
    audit: AuditRows

    def _bind(self, connection: AsyncConnection) -> None:
        self.letters = DeadLetterRows(connection)
        self.audit = AuditRows(connection)


class DeadLetterStore:
    """Repository over the ``dead_letter`` table. Purging is soft (``purged_at``) so the audit trail stays."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(
        self,
        *,
        topic: str,
        message_id: str,
        body: bytes,
        headers: Mapping[str, Any],
        error: str,
        attempts: int,
        first_failed_at: dt.datetime | None = None,
        connection: AsyncConnection | None = None,
    ) -> int:
        """Store a dead letter and return its id.

        ``first_failed_at`` defaults to the ``x-first-failed-at`` header. With ``connection`` the insert
        joins the caller's transaction (commit it, then ack the message); without, it commits on its own.
        """
        insert = partial(
            insert_dead_letter,
            topic=topic,
            message_id=message_id,
            body=body,
            headers=headers,
            error=error,
            attempts=attempts,
            first_failed_at=first_failed_at or parse_time(headers.get(FIRST_FAILED_AT_HEADER)),
        )
        if connection is not None:
            return await insert(connection)
        async with self._engine.begin() as conn:
            return await insert(conn)

    async def list(
        self, topic: str | None = None, *, limit: int = 50, offset: int = 0, include_purged: bool = False
    ) -> list[DeadLetter]:
        """Newest first; purged letters only when asked."""
        query = select(dead_letter).order_by(dead_letter.c.dead_at.desc(), dead_letter.c.id.desc())
        query = self._filter(query, topic, include_purged).limit(limit).offset(offset)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [DeadLetter(**row) for row in rows]

    async def count(self, topic: str | None = None, *, include_purged: bool = False) -> int:
        query = self._filter(select(func.count()).select_from(dead_letter), topic, include_purged)
        async with self._engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def get(self, id: int) -> DeadLetter | None:
        async with self._engine.connect() as conn:
            return await DeadLetterRows(conn).get(id)

    async def update_body(self, id: int, body: bytes) -> bool:
        """Replace the body before a replay (staff fix a bad payload). False when missing or purged."""
        async with self._engine.begin() as conn:
            return await DeadLetterRows(conn).update_body(id, body)

    async def mark_replayed(self, id: int) -> bool:
        """Record that the letter was published again (call after the publish returned)."""
        async with self._engine.begin() as conn:
            return await DeadLetterRows(conn).mark_replayed(id)

    async def replay(self, id: int, queue: MessageQueue) -> bool:
        """``DeadLetterRows.replay`` in a transaction of its own."""
        async with self._engine.begin() as conn:
            return await DeadLetterRows(conn).replay(id, queue)

    async def purge(self, id: int) -> bool:
        """Hide the letter from the default listing; False when missing or already purged."""
        async with self._engine.begin() as conn:
            return await DeadLetterRows(conn).purge(id)

    @staticmethod
    def _filter(query: Any, topic: str | None, include_purged: bool) -> Any:
        if topic is not None:
            query = query.where(dead_letter.c.topic == topic)
        if not include_purged:
            query = query.where(dead_letter.c.purged_at.is_(None))
        return query
