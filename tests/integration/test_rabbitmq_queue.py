"""RabbitMQ-specific behaviour: retry tiers, the delivery-limit backstop and its drain, reconnects."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from hamgam.adapters.db.dead_letters import DeadLetterStore
from hamgam.adapters.db.engine import create_engine
from hamgam.adapters.queue.drain import drain_broker_dead_letters
from hamgam.adapters.queue.rabbitmq import RabbitQueue
from tests.queue_helpers import TEST_RETRY_DELAYS_S, TcpProxy, assert_no_delivery, eventually, next_delivery

pytestmark = pytest.mark.rabbitmq

TOPIC = "batches"


@pytest.fixture
async def make_rabbit(rabbitmq_url: str, queue_prefix: str) -> AsyncIterator[Callable[..., RabbitQueue]]:
    queues: list[RabbitQueue] = []

    def make(url: str = rabbitmq_url, **options: Any) -> RabbitQueue:
        options.setdefault("retry_delays_s", TEST_RETRY_DELAYS_S)
        options.setdefault("reconnect_interval_s", 0.2)
        queue = RabbitQueue(url, prefix=queue_prefix, **options)
        queues.append(queue)
        return queue

    yield make
    for queue in queues:
        await queue.close()
    cleaner = RabbitQueue(rabbitmq_url, prefix=queue_prefix, retry_delays_s=TEST_RETRY_DELAYS_S)
    for topic in {t for q in queues for t in q.declared_topics} | {TOPIC}:
        await cleaner.delete_topic(topic)
    await cleaner.close()


async def _ready_in(queue: RabbitQueue, name: str) -> int:
    channel = await queue._connect()
    declared = await channel.declare_queue(name, passive=True, robust=False)
    return declared.declaration_result.message_count or 0


async def test_retry_goes_to_the_smallest_tier_at_least_as_long(
    make_rabbit: Callable[..., RabbitQueue],
) -> None:
    # given tiers of 0.2 s and 0.5 s
    queue = make_rabbit()
    names = await queue.declare(TOPIC)
    await queue.publish(TOPIC, b"work", message_id="m-1")
    consumer = queue.consume(TOPIC, prefetch=1)
    # when a delivery is retried with 0.3 s
    started = time.monotonic()
    await (await next_delivery(consumer)).retry("boom", 0.3)
    # then the copy waits in the 0.5 s tier, not the 0.2 s one, and comes back after it
    assert await _ready_in(queue, names.tiers[0.5]) == 1
    assert await _ready_in(queue, names.tiers[0.2]) == 0
    again = await next_delivery(consumer)
    assert time.monotonic() - started >= 0.45
    assert again.attempt == 2
    # and a delay longer than every tier uses the longest one
    await again.retry("boom", 60)
    assert await _ready_in(queue, names.tiers[0.5]) == 1
    assert (await next_delivery(consumer)).attempt == 3


async def test_delivery_limit_dead_letters_and_the_drain_stores_them(
    make_rabbit: Callable[..., RabbitQueue], database_url: str
) -> None:
    # given a main queue whose backstop allows one return
    queue = make_rabbit(delivery_limit=1)
    await queue.publish(TOPIC, b"poison", headers={"entity": "product"}, message_id="m-poison")
    consumer = queue.consume(TOPIC, prefetch=1)
    # when the message keeps coming back unsettled
    await (await next_delivery(consumer)).release()
    await (await next_delivery(consumer)).release()
    # then the broker dead-letters it to .dead
    await assert_no_delivery(consumer, within_s=0.3)

    async def one_dead() -> bool:
        return await queue.dead_count(TOPIC) == 1

    await eventually(one_dead, timeout_s=60)
    # and the drain moves it into the dead_letter table, emptying .dead
    engine = create_engine(database_url)
    store = DeadLetterStore(engine)
    try:
        assert await drain_broker_dead_letters(queue, TOPIC, store) == 1
        assert await queue.dead_count(TOPIC) == 0
        [letter] = await store.list(topic=TOPIC)
        assert (letter.message_id, letter.body, letter.attempts) == ("m-poison", b"poison", 1)
        assert "delivery_limit" in letter.error
        assert letter.headers["entity"] == "product"
        assert await drain_broker_dead_letters(queue, TOPIC, store) == 0
    finally:
        await engine.dispose()


async def test_consumption_survives_a_cut_connection(
    make_rabbit: Callable[..., RabbitQueue], rabbitmq_url: str
) -> None:
    # given 30 messages and a consumer whose connection runs through a proxy we control
    url = make_url(rabbitmq_url.replace("amqp://", "postgresql://", 1))
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5672)
    await proxy.start()
    direct = make_rabbit()
    expected = {f"m-{n:02d}" for n in range(30)}
    for message_id in sorted(expected):
        await direct.publish(TOPIC, message_id.encode(), message_id=message_id)
    proxied = make_rabbit(rabbitmq_url.replace(f"{url.host}:{url.port}", f"127.0.0.1:{proxy.port}"))
    consumer = proxied.consume(TOPIC, prefetch=4)
    acked_before_cut: set[str] = set()
    try:
        for _ in range(10):
            delivery = await next_delivery(consumer)
            await delivery.ack()
            acked_before_cut.add(delivery.message_id)
        in_flight = await next_delivery(consumer)

        async def acks_reached_the_broker() -> bool:  # 10 acked, 4 held by the consumer (its prefetch), 16 ready
            return await direct.depth(TOPIC) == 30 - 10 - 4

        await eventually(acks_reached_the_broker)
        # when the connection is cut, with a short outage
        await proxy.cut(outage_s=0.5)
        await in_flight.ack()  # too late: its channel is gone, so it is logged, not raised
        # then the same iterator keeps yielding, nothing acked comes back, and nothing is lost
        acked_after_cut: list[str] = []
        while acked_before_cut | set(acked_after_cut) != expected:
            delivery = await next_delivery(consumer, timeout_s=15)
            acked_after_cut.append(delivery.message_id)
            await delivery.ack()
        assert proxy.accepted >= 2, "the client did not reconnect through the proxy"
        assert not acked_before_cut & set(acked_after_cut)
        assert in_flight.message_id in acked_after_cut
        # and publishing through the restored connection works too
        await proxied.publish(TOPIC, b"after", message_id="m-after")
        assert (await next_delivery(consumer)).message_id == "m-after"
    finally:
        await proxied.close()
        await proxy.stop()


async def test_publish_rides_out_an_outage(make_rabbit: Callable[..., RabbitQueue], rabbitmq_url: str) -> None:
    # given a queue connected through a proxy we control
    url = make_url(rabbitmq_url.replace("amqp://", "postgresql://", 1))
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5672)
    await proxy.start()
    queue = make_rabbit(rabbitmq_url.replace(f"{url.host}:{url.port}", f"127.0.0.1:{proxy.port}"))
    try:
        await queue.publish(TOPIC, b"before", message_id="m-before")
        # when the connection drops for a moment and a publish starts meanwhile
        outage = asyncio.create_task(proxy.cut(outage_s=0.6))
        await asyncio.sleep(0.05)
        await queue.publish(TOPIC, b"during", message_id="m-during")
        await outage
        # then it returned only once stored: both messages are there
        consumer = make_rabbit().consume(TOPIC, prefetch=2)
        assert {(await next_delivery(consumer)).message_id for _ in range(2)} == {"m-before", "m-during"}
    finally:
        await queue.close()
        await proxy.stop()
