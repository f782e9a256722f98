"""The dead-letter store: what staff list, inspect, edit, replay and purge."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hamgam.adapters.db.dead_letters import REPLAYED_FROM_HEADER, DeadLetterStore
from hamgam.adapters.db.engine import create_engine
from hamgam.adapters.queue.common import FIRST_FAILED_AT_HEADER
from hamgam.adapters.queue.memory import MemoryQueue
from tests.queue_helpers import next_delivery

pytestmark = pytest.mark.postgres


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


async def _add(store: DeadLetterStore, topic: str = "batches", n: int = 1, **extra: object) -> int:
    fields = dict(
        topic=topic,
        message_id=f"m-{n}",
        body=b"body-%d" % n,
        headers={"x-attempt": 3, "x-error": "boom", "entity": "product"},
        error="boom",
        attempts=3,
    )
    fields.update(extra)
    return await store.add(**fields)  # type: ignore[arg-type]


async def test_add_then_get_and_list_newest_first(engine: AsyncEngine) -> None:
    store = DeadLetterStore(engine)
    first = await _add(store, n=1, headers={FIRST_FAILED_AT_HEADER: "2026-01-02T03:04:05+00:00"})
    second = await _add(store, n=2)
    other = await _add(store, topic="exports", n=3)
    letter = await store.get(first)
    assert letter is not None
    assert (letter.topic, letter.message_id, letter.body, letter.error, letter.attempts) == (
        "batches",
        "m-1",
        b"body-1",
        "boom",
        3,
    )
    assert letter.first_failed_at == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert letter.replayed_at is None and letter.purged_at is None
    assert [x.id for x in await store.list(topic="batches")] == [second, first]
    assert {x.id for x in await store.list()} == {first, second, other}
    assert [x.id for x in await store.list(limit=1, offset=1, topic="batches")] == [first]
    assert await store.count() == 3
    assert await store.get(999_999) is None


async def test_add_joins_the_callers_transaction(engine: AsyncEngine) -> None:
    store = DeadLetterStore(engine)
    async with engine.connect() as conn:
        transaction = await conn.begin()
        await _add(store, connection=conn)
        await transaction.rollback()
    assert await store.count() == 0


async def test_update_body_replay_and_purge(engine: AsyncEngine) -> None:
    # given a dead letter whose body staff fix
    store = DeadLetterStore(engine)
    letter_id = await _add(store)
    assert await store.update_body(letter_id, b"fixed")
    # when it is replayed
    queue = MemoryQueue()
    assert await store.replay(letter_id, queue)
    # then the queue gets the fixed body as a fresh first attempt, and the letter is marked
    delivery = await next_delivery(queue.consume("batches", prefetch=1))
    assert (delivery.message_id, delivery.body, delivery.attempt) == ("m-1", b"fixed", 1)
    assert "x-error" not in delivery.headers
    assert delivery.headers[REPLAYED_FROM_HEADER] == letter_id
    assert delivery.headers["entity"] == "product"
    letter = await store.get(letter_id)
    assert letter is not None and letter.replayed_at is not None
    # and once purged it leaves the listing and cannot be edited or replayed
    assert await store.purge(letter_id)
    assert await store.list() == []
    assert [x.id for x in await store.list(include_purged=True)] == [letter_id]
    assert not await store.purge(letter_id)
    assert not await store.update_body(letter_id, b"again")
    assert not await store.replay(letter_id, queue)
