"""The ``MessageQueue`` contract, run against every adapter (memory, PostgreSQL, RabbitMQ)."""

from __future__ import annotations

import asyncio
import time

import pytest

from hamgam.adapters.queue.common import (
    ATTEMPT_HEADER,
    ERROR_HEADER,
    FIRST_FAILED_AT_HEADER,
    AlreadySettledError,
)
from tests.contract.conftest import QueueFactory
from tests.queue_helpers import assert_no_delivery, eventually, next_delivery

TOPIC = "batches"


async def test_publish_consume_ack_removes_message(make_queue: QueueFactory) -> None:
    # given a published message
    queue = make_queue()
    await queue.publish(TOPIC, b"one", headers={"entity": "product"}, message_id="m-1")
    consumer = queue.consume(TOPIC, prefetch=1)
    # when it is consumed and acked
    delivery = await next_delivery(consumer)
    assert (delivery.message_id, delivery.body, delivery.attempt) == ("m-1", b"one", 1)
    assert delivery.headers["entity"] == "product"
    await delivery.ack()
    await queue.close()
    # then no one gets it again
    other = make_queue()
    await assert_no_delivery(other.consume(TOPIC, prefetch=1))
    assert await other.depth(TOPIC) == 0


async def test_publish_is_durable_across_queue_objects(make_queue: QueueFactory) -> None:
    # given messages published through one queue object that is then closed
    publisher = make_queue()
    for n in range(3):
        await publisher.publish(TOPIC, f"body-{n}".encode(), message_id=f"m-{n}")
    await publisher.close()
    # when another queue object consumes
    consumer = make_queue().consume(TOPIC, prefetch=3)
    deliveries = [await next_delivery(consumer) for _ in range(3)]
    # then it sees all of them, in order
    assert [d.message_id for d in deliveries] == ["m-0", "m-1", "m-2"]
    assert [d.body for d in deliveries] == [b"body-0", b"body-1", b"body-2"]


async def test_unsettled_message_redelivered_after_consumer_closes(make_queue: QueueFactory) -> None:
    # given a delivery its consumer never settles
    queue = make_queue()
    await queue.publish(TOPIC, b"work", message_id="m-1")
    assert (await next_delivery(queue.consume(TOPIC, prefetch=1))).message_id == "m-1"
    # when the consumer goes away
    await queue.close()
    # then another consumer gets the same message, not counted as an attempt
    again = await next_delivery(make_queue().consume(TOPIC, prefetch=1))
    assert (again.message_id, again.body, again.attempt) == ("m-1", b"work", 1)


async def test_retry_redelivers_after_delay_with_attempt_and_error(make_queue: QueueFactory) -> None:
    # given a delivery that fails
    queue = make_queue()
    await queue.publish(TOPIC, b"work", headers={"entity": "product"}, message_id="m-1")
    consumer = queue.consume(TOPIC, prefetch=1)
    first = await next_delivery(consumer)
    # when it is retried with a delay
    started = time.monotonic()
    await first.retry("mahak unavailable", 0.2)
    # then it comes back after the delay as attempt 2, with the error and the original headers
    second = await next_delivery(consumer)
    assert time.monotonic() - started >= 0.15
    assert (second.message_id, second.body, second.attempt) == ("m-1", b"work", 2)
    assert second.headers[ERROR_HEADER] == "mahak unavailable"
    assert second.headers[ATTEMPT_HEADER] == 2
    assert second.headers["entity"] == "product"
    first_failed_at = second.headers[FIRST_FAILED_AT_HEADER]
    # and a second retry counts on and keeps when it first failed
    await second.retry("still down", 0.2)
    third = await next_delivery(consumer)
    assert third.attempt == 3
    assert third.headers[ERROR_HEADER] == "still down"
    assert third.headers[FIRST_FAILED_AT_HEADER] == first_failed_at
    await third.ack()
    await assert_no_delivery(consumer, within_s=0.7)


async def test_retry_is_not_delivered_before_its_delay(make_queue: QueueFactory) -> None:
    queue = make_queue()
    await queue.publish(TOPIC, b"work", message_id="m-1")
    consumer = queue.consume(TOPIC, prefetch=1)
    await (await next_delivery(consumer)).retry("boom", 0.5)
    await assert_no_delivery(consumer, within_s=0.3)
    assert (await next_delivery(consumer)).attempt == 2


async def test_release_redelivers_without_counting_an_attempt(make_queue: QueueFactory) -> None:
    # given a delivery handed back untouched (shutdown)
    queue = make_queue()
    await queue.publish(TOPIC, b"work", message_id="m-1")
    consumer = queue.consume(TOPIC, prefetch=1)
    await (await next_delivery(consumer)).release()
    # then it is delivered again at once, still attempt 1, with no error recorded
    again = await next_delivery(consumer)
    assert (again.message_id, again.attempt) == ("m-1", 1)
    assert ERROR_HEADER not in again.headers


async def test_settling_twice_is_an_error(make_queue: QueueFactory) -> None:
    queue = make_queue()
    await queue.publish(TOPIC, b"work")
    delivery = await next_delivery(queue.consume(TOPIC, prefetch=1))
    await delivery.ack()
    with pytest.raises(AlreadySettledError):
        await delivery.retry("late", 0.2)


async def test_prefetch_bounds_unsettled_deliveries(make_queue: QueueFactory) -> None:
    # given five messages and a consumer with prefetch 2
    queue = make_queue()
    for n in range(5):
        await queue.publish(TOPIC, b"x", message_id=f"m-{n}")
    consumer = queue.consume(TOPIC, prefetch=2)
    held = [await next_delivery(consumer), await next_delivery(consumer)]
    # then a third is not handed out while two are unsettled
    await assert_no_delivery(consumer, within_s=0.4)
    # and the rest were not hoarded: another consumer gets them
    other_queue = make_queue()
    other = other_queue.consume(TOPIC, prefetch=3)
    others = [await next_delivery(other) for _ in range(3)]
    assert {d.message_id for d in held + others} == {f"m-{n}" for n in range(5)}
    # when one is settled (and the other consumer gives its three back), exactly one more comes
    await held[0].ack()
    await other_queue.close()
    assert (await next_delivery(consumer)).message_id in {d.message_id for d in others}
    await assert_no_delivery(consumer, within_s=0.4)


async def test_competing_consumers_process_each_message_once(make_queue: QueueFactory) -> None:
    # given many messages and four consumers on separate queue objects
    expected = [f"m-{n:03d}" for n in range(60)]
    publisher = make_queue()
    for message_id in expected:
        await publisher.publish(TOPIC, message_id.encode(), message_id=message_id)
    processed: list[str] = []
    done = asyncio.Event()

    async def work(queue: object) -> None:
        async for delivery in queue.consume(TOPIC, prefetch=3):  # type: ignore[attr-defined]
            assert delivery.body == delivery.message_id.encode()
            processed.append(delivery.message_id)
            await asyncio.sleep(0.002)
            await delivery.ack()
            if len(processed) >= len(expected):
                done.set()

    consumers = [make_queue() for _ in range(4)]
    tasks = [asyncio.create_task(work(queue)) for queue in consumers]
    # when they all work until every message is acked
    await asyncio.wait_for(done.wait(), 60)
    # then each message was processed exactly once while they competed (checked before they close: at-least-once
    # delivery lets a message acked just before its consumer closed come back to one still open)
    assert sorted(processed) == expected
    for queue in consumers:
        await queue.close()
    await asyncio.wait_for(asyncio.gather(*tasks), 60)

    # and none is left once every ack has reached the queue
    async def none_left() -> bool:
        return await publisher.depth(TOPIC) == 0

    await eventually(none_left)


async def test_depth_counts_waiting_and_delayed_messages(make_queue: QueueFactory) -> None:
    # given three messages, one of them failed and waiting for its retry delay
    queue = make_queue()
    for n in range(3):
        await queue.publish(TOPIC, b"x", message_id=f"m-{n}")
    consumer = queue.consume(TOPIC, prefetch=1)
    await (await next_delivery(consumer)).retry("boom", 0.5)
    await queue.close()
    # then depth counts the two waiting and the delayed one
    observer = make_queue()

    async def depth_is_three() -> bool:
        return await observer.depth(TOPIC) == 3

    await eventually(depth_is_three)
    assert await observer.depth("other-topic") == 0


async def test_consume_ends_when_the_queue_closes(make_queue: QueueFactory) -> None:
    queue = make_queue()
    await queue.publish(TOPIC, b"x")
    seen: list[str] = []

    async def work() -> None:
        async for delivery in queue.consume(TOPIC, prefetch=1):
            seen.append(delivery.message_id)
            await delivery.ack()

    task = asyncio.create_task(work())
    await eventually(lambda: _true_when(bool(seen)), timeout_s=10)
    await queue.close()
    await asyncio.wait_for(task, 5)
    assert len(seen) == 1


async def _true_when(value: bool) -> bool:
    return value
