"""Prices and stock never wait behind the bulk entities: while a bulk entity's run is stuck (its fetch and its
batches' applying blocked until released, as a first walk of a million pictures would keep them busy), a product
changed in Mahak is fetched, applied and moves the cursor, through the scheduler, fetcher and worker together."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from hamgam.adapters.mahak.paging import ChangePage, MahakRowReader, parse_rows
from hamgam.adapters.mahak.wire import Entity
from hamgam.adapters.queue.memory import MemoryBroker, MemoryQueue
from hamgam.domain.sync.batch import ApplyCounts, Batch
from hamgam.domain.sync.entities import entity_named
from hamgam.services.sync.fetcher import Fetcher
from hamgam.services.sync.scheduler import SyncScheduler
from hamgam.services.sync.transformer import TransformContext
from hamgam.services.sync.worker import BatchWorker
from tests.fakes.locks import FakeLocks
from tests.fakes.sync import FakeSyncRepository
from tests.queue_helpers import eventually

PICTURE_PAGES = 4


class StuckBulkMahak:
    """Products as Mahak serves them now; pictures served a page at a time, the walk stuck after its first pages
    until ``release`` is set."""

    def __init__(self) -> None:
        self.products: dict[int, Any] = {}
        self.top = 0
        self.release = asyncio.Event()
        self.bulk_stuck = asyncio.Event()

    def put_product(self, product_id: int, name: str) -> None:
        self.top += 1
        (self.products[product_id],) = parse_rows(
            Entity.PRODUCT, [{"ProductId": product_id, "Name": name, "RowVersion": self.top}]
        )

    async def get_raw_page(self, entity: Entity, from_version: int, page_size: int) -> list[Any]:
        return [r for r in self._rows(entity) if r.row_version > from_version][:page_size]

    async def iter_changes(
        self, entity: Entity, from_version: int = 0, page_size: int | None = None
    ) -> AsyncIterator[ChangePage]:
        newer = [r for r in self._rows(entity) if r.row_version > from_version]
        for start in range(0, len(newer), 2):
            page = newer[start : start + 2]
            yield ChangePage(entity, page, [], page[-1].row_version)
        if entity == Entity.PICTURE and newer:
            self.bulk_stuck.set()
            await self.release.wait()

    def _rows(self, entity: Entity) -> list[Any]:
        if entity == Entity.PRODUCT:
            return sorted(self.products.values(), key=lambda r: r.row_version)
        pictures = range(1_000_001, 1_000_001 + 2 * PICTURE_PAGES)
        return [Entity.PICTURE.model.model_validate({"PictureId": i, "RowVersion": i}) for i in pictures]


class StuckBulkRepository(FakeSyncRepository):
    """Applies a picture batch only once ``release`` is set: the bulk batches stay in the queue meanwhile."""

    def __init__(self, release: asyncio.Event) -> None:
        super().__init__()
        self.release = release

    async def apply_batch(self, batch: Batch) -> ApplyCounts | None:
        if batch.entity == "Picture":
            await self.release.wait()
        return await super().apply_batch(batch)


async def test_a_price_change_is_applied_while_a_bulk_entity_is_stuck() -> None:
    # given a store with one product, and a scheduler whose first cycle starts on a bulk entity that stays busy
    mahak = StuckBulkMahak()
    mahak.put_product(1, "چای سبز")
    store, queue = StuckBulkRepository(mahak.release), MemoryQueue(MemoryBroker())
    fetcher = Fetcher(
        mahak, store, queue, TransformContext(), locks=FakeLocks(), page_size=2, entity_key=Entity, poll_s=0.01
    )
    worker = BatchWorker(queue, store, concurrency=1, prefetch=1, retry_delays_s=[0.01], mahak_rows=MahakRowReader())
    scheduler = SyncScheduler(
        FakeLocks(),
        fetcher,
        store,
        interval_s=0.2,
        reconcile_interval_s=86_400,
        entities=[entity_named("Product"), entity_named("Picture")],
        leader_retry_s=0.05,
    )
    tasks = [asyncio.create_task(worker.run()), asyncio.create_task(scheduler.run())]
    try:
        await eventually(lambda: _true(mahak.bulk_stuck.is_set() and _name(store, 1) == "چای سبز"), timeout_s=60)
        # when Mahak changes the product's name while the pictures' walk and batches are still stuck
        mahak.put_product(1, "چای سبز ۱۰۰ گرمی")
        # then the change reaches the store and the product cursor passes it
        await eventually(lambda: _true(_name(store, 1) == "چای سبز ۱۰۰ گرمی"), timeout_s=60)
        await eventually(lambda: _true(store.cursors.get("Product") == mahak.top), timeout_s=60)
        assert not mahak.release.is_set() and "Picture" not in store.rows  # the bulk entity was busy throughout
        assert store.cursors.get("Picture", 0) == 0
        # and once the bulk entity is released, its run completes too
        mahak.release.set()
        await eventually(lambda: _true(len(store.rows.get("Picture", {})) == 2 * PICTURE_PAGES), timeout_s=60)
        await eventually(lambda: _true(store.cursors.get("Picture") == 1_000_000 + 2 * PICTURE_PAGES), timeout_s=60)
    finally:
        mahak.release.set()
        scheduler.stop()
        worker.stop()
        for task in tasks:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 30)


def _name(store: FakeSyncRepository, product_id: int) -> str | None:
    return store.rows.get("Product", {}).get(product_id, {}).get("name")


async def _true(value: bool) -> bool:
    return value
