"""The sync worker settles every delivery exactly once, against the in-memory sync repository: applied then acked;
a transient failure counted on its batch and retried with its tier's delay; a permanent failure, or the last
tier's, dead-lettered with its batch settled as dead, then acked."""

from __future__ import annotations

import pytest

from hamgam.adapters.mahak.errors import ContractViolation, MahakUnavailable
from hamgam.adapters.queue.memory import MemoryBroker, MemoryQueue
from hamgam.domain.sync.batch import Batch
from hamgam.services.sync.fetcher import BATCH_TOPIC
from hamgam.services.sync.worker import BatchWorker
from tests.fakes.sync import FakeDelivery, FakeSyncRepository

DELAYS = [5.0, 30.0]


async def _pending_batch(store: FakeSyncRepository) -> Batch:
    run_id = await store.start_run("Product", "incremental", 0)
    batch_id = await store.record_batch(run_id, "Product", 1, 2, 1, 2, [])
    rows = [{"mahak_id": 1, "row_version": 1, "name": "a"}, {"mahak_id": 2, "row_version": 2, "name": "b"}]
    return Batch(batch_id, run_id, "Product", rows, row_version_max=2)


def _worker(store: FakeSyncRepository) -> BatchWorker:
    # the queue is not consumed: the tests hand deliveries to ``handle`` directly
    return BatchWorker(MemoryQueue(MemoryBroker()), store, concurrency=1, prefetch=1, retry_delays_s=DELAYS)


async def test_an_applied_batch_is_acked_and_counted_once() -> None:
    store = FakeSyncRepository()
    batch = await _pending_batch(store)
    worker = _worker(store)
    first, again = FakeDelivery(batch.encode()), FakeDelivery(batch.encode())
    await worker.handle(first)
    await worker.handle(again)  # a redelivery changes nothing and is acked too
    assert first.settled == ["ack"] and again.settled == ["ack"]
    assert set(store.rows["Product"]) == {1, 2}
    assert store.runs[batch.run_id]["rows_inserted"] == 2
    assert await store.run_progress(batch.run_id) == {"pending": 0, "applied": 1, "dead": 0}


async def test_a_transient_failure_is_noted_on_its_batch_and_retried_with_the_tier_of_its_attempt() -> None:
    store = FakeSyncRepository()
    batch = await _pending_batch(store)
    store.failures.append(MahakUnavailable("database restarting"))
    delivery = FakeDelivery(batch.encode(), attempt=2)
    await _worker(store).handle(delivery)
    assert delivery.settled == ["retry"] and delivery.retry_delay_s == DELAYS[1]
    assert store.batches[batch.batch_id].status == "pending" and store.batches[batch.batch_id].attempts == 1
    assert store.runs[batch.run_id]["retries"] == 1
    assert store.dead_letters == []


@pytest.mark.parametrize(
    ("error", "attempt", "reason"),
    [
        (ContractViolation("Product", 1, "Price", "not a number"), 1, "permanent: ContractViolation"),
        (MahakUnavailable("still down"), 3, "gave up after 3 attempts"),
    ],
)
async def test_a_permanent_or_exhausted_failure_is_dead_lettered_with_its_batch_then_acked(
    error: Exception, attempt: int, reason: str
) -> None:
    store = FakeSyncRepository()
    batch = await _pending_batch(store)
    store.failures.append(error)
    delivery = FakeDelivery(batch.encode(), attempt=attempt, message_id=f"batch-{batch.batch_id}")
    await _worker(store).handle(delivery)
    assert delivery.settled == ["ack"]
    [letter] = store.dead_letters
    assert letter.topic == BATCH_TOPIC and letter.message_id == f"batch-{batch.batch_id}"
    assert letter.error.startswith(reason) and letter.attempts == attempt
    assert store.batches[batch.batch_id].status == "dead"
    assert store.runs[batch.run_id]["dead_lettered"] == 1
    assert await store.settled_top(batch.run_id) == 2  # a dead batch is settled: the cursor may pass it


async def test_a_body_that_is_no_batch_is_dead_lettered_at_once_without_a_batch() -> None:
    store = FakeSyncRepository()
    delivery = FakeDelivery(b"not json")
    await _worker(store).handle(delivery)
    assert delivery.settled == ["ack"]
    [letter] = store.dead_letters
    assert letter.error.startswith("permanent: MalformedMessage") and letter.body == b"not json"
