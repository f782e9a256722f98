"""PostgreSQL-queue behaviour: enqueue in the caller's transaction, lease expiry, poison backstop, NOTIFY."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import select

from hamgam.adapters.db.dead_letters import DeadLetterStore
from hamgam.adapters.db.engine import create_engine
from hamgam.adapters.db.schema.queue import queue_message
from hamgam.adapters.queue.postgres import PostgresQueue
from tests.queue_helpers import assert_no_delivery, eventually, next_delivery

pytestmark = pytest.mark.postgres

TOPIC = "batches"

#: A consumer in its own process: it leases one message, reports it, and hangs until killed.
DYING_CONSUMER = """
import asyncio, sys
from hamgam.adapters.db.engine import create_engine
from hamgam.adapters.queue.postgres import PostgresQueue

async def main():
    queue = PostgresQueue(create_engine(sys.argv[1]), visibility_timeout_s=float(sys.argv[3]))
    delivery = await queue.consume(sys.argv[2], prefetch=1).__anext__()
    print(delivery.message_id, flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


#: Seconds a killed consumer's lease lasts in the tests that watch it expire.
LEASE_S = 5.0


@pytest.fixture
async def make_pg(database_url: str) -> AsyncIterator[Callable[..., PostgresQueue]]:
    queues: list[PostgresQueue] = []

    def make(**options: object) -> PostgresQueue:
        queue = PostgresQueue(create_engine(database_url), **options)  # type: ignore[arg-type]
        queues.append(queue)
        return queue

    yield make
    for queue in queues:
        await queue.close()
        await queue.engine.dispose()


async def _kill_after_lease(database_url: str, visibility_timeout_s: float) -> str:
    """Run a consumer process until it holds a lease, then kill it (no close, no settle); the leased id."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        DYING_CONSUMER,
        database_url,
        TOPIC,
        str(visibility_timeout_s),
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        line = await asyncio.wait_for(process.stdout.readline(), 30)  # type: ignore[union-attr]
    finally:
        process.kill()
        await process.wait()
    return line.decode().strip()


async def test_publish_in_is_visible_only_after_commit(make_pg: Callable[..., PostgresQueue]) -> None:
    queue = make_pg()
    consumer = make_pg().consume(TOPIC, prefetch=1)
    # given a message enqueued inside a caller's open transaction
    async with queue.engine.connect() as conn:
        transaction = await conn.begin()
        await queue.publish_in(conn, TOPIC, b"batch", message_id="m-commit")
        # then no one sees it before the commit
        await assert_no_delivery(consumer, within_s=0.3)
        assert await queue.depth(TOPIC) == 0
        await transaction.commit()
    # and it is delivered once committed
    assert (await next_delivery(consumer)).message_id == "m-commit"


async def test_publish_in_is_gone_when_rolled_back(make_pg: Callable[..., PostgresQueue]) -> None:
    queue = make_pg()
    async with queue.engine.connect() as conn:
        transaction = await conn.begin()
        await queue.publish_in(conn, TOPIC, b"batch", message_id="m-rollback")
        await transaction.rollback()
    await assert_no_delivery(queue.consume(TOPIC, prefetch=1), within_s=0.3)
    assert await queue.depth(TOPIC) == 0


async def test_lease_of_a_dead_consumer_expires(make_pg: Callable[..., PostgresQueue], database_url: str) -> None:
    # given a consumer process that leased a message and was killed
    queue = make_pg()
    await queue.publish(TOPIC, b"work", message_id="m-1")
    # (a lease long enough that a loaded machine still looks while it lasts)
    assert await _kill_after_lease(database_url, visibility_timeout_s=LEASE_S) == "m-1"
    # then the message stays invisible while the lease lasts
    consumer = queue.consume(TOPIC, prefetch=1)
    await assert_no_delivery(consumer, within_s=0.2)
    # and is delivered again once it expires, still attempt 1
    again = await next_delivery(consumer)
    assert (again.message_id, again.attempt) == ("m-1", 1)


async def test_heartbeat_keeps_a_live_lease(make_pg: Callable[..., PostgresQueue]) -> None:
    # given a live consumer holding a message longer than the visibility timeout
    holder = make_pg(visibility_timeout_s=0.6)
    await holder.publish(TOPIC, b"work", message_id="m-1")
    held = await next_delivery(holder.consume(TOPIC, prefetch=1))
    # then no other consumer gets it meanwhile
    await assert_no_delivery(make_pg().consume(TOPIC, prefetch=1), within_s=1.5)
    await held.ack()


async def test_poison_message_goes_to_dead_letters(make_pg: Callable[..., PostgresQueue], database_url: str) -> None:
    # given a queue allowing one unsettled lease, and a consumer that died holding the message
    queue = make_pg(max_deliveries=1)
    await queue.publish(TOPIC, b"poison", headers={"entity": "product"}, message_id="m-poison")
    assert await _kill_after_lease(database_url, visibility_timeout_s=0.5) == "m-poison"
    # when the lease expires and the next consumer would lease it again
    consumer = queue.consume(TOPIC, prefetch=1)
    leasing = asyncio.ensure_future(next_delivery(consumer))
    letters = DeadLetterStore(queue.engine)

    async def dead_lettered() -> bool:
        return bool(await letters.list(topic=TOPIC))

    await eventually(dead_lettered)
    # then it is in the dead letters instead (never delivered), and out of the queue
    assert not leasing.done(), f"delivered instead: {leasing.result().message_id}"
    leasing.cancel()
    [letter] = await letters.list(topic=TOPIC)
    assert (letter.message_id, letter.body, letter.attempts) == ("m-poison", b"poison", 1)
    assert letter.headers == {"entity": "product"}
    assert "without being settled" in letter.error
    assert await queue.depth(TOPIC) == 0


async def test_release_does_not_count_toward_the_poison_backstop(
    make_pg: Callable[..., PostgresQueue],
) -> None:
    queue = make_pg(max_deliveries=2)
    await queue.publish(TOPIC, b"work", message_id="m-1")
    consumer = queue.consume(TOPIC, prefetch=1)
    for _ in range(5):
        await (await next_delivery(consumer)).release()
    assert (await next_delivery(consumer)).message_id == "m-1"


async def test_notify_wakes_an_idle_consumer_before_its_poll(make_pg: Callable[..., PostgresQueue]) -> None:
    # given a consumer that would otherwise poll only every hour, already waiting: listening, and its lease found
    # the topic empty
    idle = make_pg(poll_interval_s=3600)
    consumer = idle.consume(TOPIC, prefetch=1)
    waiting = asyncio.ensure_future(next_delivery(consumer))
    await eventually(
        lambda: idle._listener is not None and consumer._lease_task is not None and consumer._lease_task.done()
    )
    # when another queue object publishes
    await make_pg().publish(TOPIC, b"x", message_id="m-1")
    # then the consumer gets it (within the test's bound, long before its next poll: the notification woke it)
    assert (await waiting).message_id == "m-1"


async def test_retry_keeps_one_row_with_the_error(make_pg: Callable[..., PostgresQueue]) -> None:
    queue = make_pg()
    await queue.publish(TOPIC, b"work", message_id="m-1")
    await (await next_delivery(queue.consume(TOPIC, prefetch=1))).retry("boom", 30)
    async with queue.engine.connect() as conn:
        rows = (await conn.execute(select(queue_message))).mappings().all()
    assert [(r["message_id"], r["attempt"], r["last_error"], r["lease_token"]) for r in rows] == [
        ("m-1", 2, "boom", None)
    ]
    assert rows[0]["headers"]["x-attempt"] == 2


async def test_delayed_enqueue_and_depth(make_pg: Callable[..., PostgresQueue]) -> None:
    queue = make_pg()
    async with queue.engine.begin() as conn:
        await queue.publish_in(conn, TOPIC, b"later", message_id="m-later", delay_s=0.4)
    consumer = queue.consume(TOPIC, prefetch=1)
    assert await queue.depth(TOPIC) == 1
    await assert_no_delivery(consumer, within_s=0.2)
    assert (await next_delivery(consumer)).message_id == "m-later"
