"""Graceful shutdown of the worker pool on the in-package memory queue: a batch being applied when the stop comes
finishes and is acked; nothing that was not applied is acked."""

from __future__ import annotations

import asyncio

from hamgam.adapters.queue.memory import MemoryBroker, MemoryQueue
from hamgam.domain.sync.batch import Batch
from hamgam.services.sync.fetcher import BATCH_TOPIC
from hamgam.services.sync.worker import BatchWorker


class SlowStore:
    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.applied: list[int] = []

    async def apply_batch(self, batch: Batch):
        self.started.set()
        await asyncio.sleep(0.3)
        self.applied.append(batch.batch_id)


async def test_stop_lets_the_batch_in_flight_finish_and_gives_back_the_rest() -> None:
    # given two batches waiting and a worker applying the first one slowly
    broker = MemoryBroker()
    queue = MemoryQueue(broker)
    for batch_id in (1, 2):
        await queue.publish(BATCH_TOPIC, Batch(batch_id, 1, "Store", [{"mahak_id": 1}]).encode())
    store = SlowStore()
    worker = BatchWorker(queue, store, concurrency=1, prefetch=1, retry_delays_s=[1.0])
    task = asyncio.create_task(worker.run())
    await asyncio.wait_for(store.started.wait(), 5)
    # when it is stopped mid-batch
    worker.stop()
    await asyncio.wait_for(task, 5)
    await queue.close()
    # then the batch in flight was applied and acked, and the other one is still waiting for the next worker
    assert store.applied == [1]
    assert await MemoryQueue(broker).depth(BATCH_TOPIC) == 1
