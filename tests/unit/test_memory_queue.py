"""What only the in-process queue has: a shared broker and its own poison backstop."""

from __future__ import annotations

from hamgam.adapters.queue.memory import MemoryBroker, MemoryQueue
from tests.queue_helpers import assert_no_delivery, next_delivery


async def test_poison_message_goes_to_the_brokers_dead_letters() -> None:
    # given a broker allowing one unsettled delivery, and a consumer that went away holding the message
    broker = MemoryBroker()
    first = MemoryQueue(broker, max_deliveries=1)
    await first.publish("batches", b"poison", message_id="m-1")
    await next_delivery(first.consume("batches", prefetch=1))
    await first.close()
    # when another consumer would get it again
    await assert_no_delivery(MemoryQueue(broker, max_deliveries=1).consume("batches", prefetch=1))
    # then it is a dead letter instead
    [letter] = broker.dead_letters
    assert (letter.topic, letter.message_id, letter.body) == ("batches", "m-1", b"poison")
    assert "without being settled" in letter.error


async def test_settling_after_close_is_ignored_and_the_message_comes_back() -> None:
    broker = MemoryBroker()
    queue = MemoryQueue(broker)
    await queue.publish("batches", b"x", message_id="m-1")
    delivery = await next_delivery(queue.consume("batches", prefetch=1))
    await queue.close()
    await delivery.ack()
    assert (await next_delivery(MemoryQueue(broker).consume("batches", prefetch=1))).message_id == "m-1"
