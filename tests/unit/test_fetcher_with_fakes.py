"""A run of the fetcher against the in-memory sync repository, an in-memory queue and a worker: pages become
batches, the run settles, and the cursor moves past what is applied or dead-lettered and no further."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from hamgam.adapters.mahak.errors import MahakRejected
from hamgam.adapters.mahak.paging import ChangePage, MahakRowReader
from hamgam.adapters.mahak.wire import Entity
from hamgam.adapters.queue.memory import MemoryBroker, MemoryQueue
from hamgam.services.sync.fetcher import ENTITY_RUN_LOCK, Fetcher
from hamgam.services.sync.transformer import TransformContext
from hamgam.services.sync.worker import BatchWorker
from tests.fakes.locks import FakeLocks
from tests.fakes.sync import FakeSyncRepository


class FakeMahak:
    """Stores with RowVersions 1..n, served two per page."""

    def __init__(self, count: int) -> None:
        self.rows = [
            Entity.STORE.model.model_validate({"StoreId": i, "Name": f"انبار {i}", "RowVersion": i})
            for i in range(1, count + 1)
        ]

    async def get_raw_page(self, entity: Entity, from_version: int, page_size: int) -> list[Any]:
        return [r for r in self.rows if r.row_version > from_version][:page_size]

    async def iter_changes(
        self, entity: Entity, from_version: int = 0, page_size: int | None = None
    ) -> AsyncIterator[ChangePage]:
        newer = [r for r in self.rows if r.row_version > from_version]
        for start in range(0, len(newer), 2):
            page = newer[start : start + 2]
            yield ChangePage(entity, page, [], page[-1].row_version)


def _fetcher(mahak: FakeMahak, store: FakeSyncRepository, queue: MemoryQueue, locks: FakeLocks) -> Fetcher[Entity]:
    return Fetcher(mahak, store, queue, TransformContext(), locks=locks, page_size=2, entity_key=Entity, poll_s=0.01)


async def _run_with_worker(fetcher: Fetcher[Entity], store: FakeSyncRepository, queue: MemoryQueue) -> Any:
    worker = BatchWorker(queue, store, concurrency=1, prefetch=1, retry_delays_s=[0.01], mahak_rows=MahakRowReader())
    task = asyncio.create_task(worker.run())
    try:
        return await asyncio.wait_for(fetcher.run("Store"), 30)
    finally:
        worker.stop()
        await asyncio.wait_for(task, 30)


async def test_a_run_applies_every_page_and_moves_the_cursor_to_the_top() -> None:
    store, queue = FakeSyncRepository(), MemoryQueue(MemoryBroker())
    result = await _run_with_worker(_fetcher(FakeMahak(5), store, queue, FakeLocks()), store, queue)
    assert result.status == "succeeded"
    assert result.cursor == 5 and await store.cursor("Store") == 5
    assert sorted(store.rows["Store"]) == [1, 2, 3, 4, 5]
    assert result.stats["batches"] == 3 and result.stats["rows_inserted"] == 5


async def test_a_rejected_batch_is_dead_lettered_and_counts_as_settled_for_the_cursor() -> None:
    store, queue = FakeSyncRepository(), MemoryQueue(MemoryBroker())
    store.failures.append(MahakRejected("refused"))  # the first batch applied fails for good
    result = await _run_with_worker(_fetcher(FakeMahak(4), store, queue, FakeLocks()), store, queue)
    assert result.status == "dead_letters"
    assert len(store.dead_letters) == 1 and store.dead_letters[0].error.startswith("permanent: MahakRejected")
    assert await store.cursor("Store") == 4  # held in the dead-letter queue with its reason: the cursor passes


async def test_nothing_moves_while_a_batch_is_still_in_flight() -> None:
    store, queue = FakeSyncRepository(), MemoryQueue(MemoryBroker())
    fetcher = _fetcher(FakeMahak(4), store, queue, FakeLocks())
    fetcher.settle_timeout_s = 0.2  # no worker runs: every batch stays pending
    result = await asyncio.wait_for(fetcher.run("Store"), 30)
    assert result.status == "incomplete"
    assert await store.cursor("Store") == 0


async def test_a_run_of_an_entity_already_running_elsewhere_is_skipped() -> None:
    store, queue, locks = FakeSyncRepository(), MemoryQueue(MemoryBroker()), FakeLocks()
    async with locks.held(ENTITY_RUN_LOCK, "Store") as taken:
        assert taken
        result = await _fetcher(FakeMahak(2), store, queue, locks).run("Store")
    assert result.status == "skipped" and store.runs == {}
