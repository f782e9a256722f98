"""«خبرم کن» end to end on PostgreSQL: a buyer asks about an out-of-stock product, the sync's batch brings the
stock back, and exactly one SMS reaches the (in-memory) SMS provider through the outbox, the queue and the
notifier."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from hamgam.adapters.db.sync_repository import SqlSyncRepository
from hamgam.domain.errors import NotFound
from hamgam.domain.sync.batch import Batch
from tests.queue_helpers import eventually
from tests.store.conftest import StoreWorld, add_customer, scalar, seed_product

ORIGIN = "https://shop.example"
MOBILE = "09351112233"


@pytest.fixture
async def sync(world: StoreWorld) -> AsyncIterator[SqlSyncRepository]:
    yield SqlSyncRepository(world.engine, world.settings.sync, origin=ORIGIN)


async def link_batch(sync: SqlSyncRepository, detail_id: int, count: float, rv: int) -> Batch:
    """A VisitorProduct page as the fetcher records it: the detail's link row with a new stock count."""
    row = {"mahak_id": detail_id, "row_version": rv, "deleted": False, "product_detail_id": detail_id,
           "visitor_id": 1, "count1": count, "count2": 0.0, "price_rial": 0}  # fmt: skip
    run_id = await sync.start_run("VisitorProduct", "incremental", 0)
    batch_id = await sync.record_batch(run_id, "VisitorProduct", 1, 1, rv, rv, [])
    return Batch(batch_id, run_id, "VisitorProduct", [row], False, rv)


async def deliver_sms(world: StoreWorld, mobile: str) -> list:
    """Relay the outbox and run the SMS consumer until ``mobile`` got something (generous bound)."""
    notifier = world.core.notifier()
    task = asyncio.create_task(notifier.run())
    await world.core.publish_events()
    await eventually(lambda: bool(world.sms.messages_to(mobile)))
    await world.core.publish_events()  # nothing left: a second relay sends nothing more
    await asyncio.sleep(0.1)
    notifier.stop()
    task.cancel()
    return world.sms.messages_to(mobile)


async def test_out_of_stock_request_then_sync_brings_stock_back_sends_exactly_one_sms(
    world: StoreWorld, sync: SqlSyncRepository
) -> None:
    # given an out-of-stock product and a buyer who asked twice to be told (the second changes nothing)
    detail = await seed_product(world.engine, 7, "قابلمه رامک", stock=0)
    customer = await add_customer(world.engine, MOBILE)
    assert await world.core.restock.request(customer, MOBILE, 7) is True
    assert await world.core.restock.request(customer, MOBILE, 7) is False
    assert [r["product_id"] for r in await world.core.restock.pending(customer)] == [7]
    # when a sync batch leaves it out of stock, nothing is sent
    await sync.apply_batch(await link_batch(sync, detail, 0, 2))
    assert await scalar(world.engine, "SELECT count(*) FROM event_outbox") == 0
    # when the next batch brings 5 units back, then another raises the stock again
    await sync.apply_batch(await link_batch(sync, detail, 5, 3))
    await sync.apply_batch(await link_batch(sync, detail, 8, 4))
    # then the request is notified, one event was written with it, and exactly one SMS reaches the buyer
    assert await scalar(world.engine, "SELECT count(*) FROM restock_request WHERE notified_at IS NOT NULL") == 1
    assert await scalar(world.engine, "SELECT count(*) FROM event_outbox") == 1
    (message,) = await deliver_sms(world, MOBILE)
    assert "قابلمه رامک" in message.text and f"{ORIGIN}/product/7" in message.text
    assert "دوباره موجود شد" in message.text
    assert await world.core.restock.pending(customer) == []
    # and a new request after the SMS is a new one (the old is done)
    assert await world.core.restock.request(customer, MOBILE, 7) is True


async def test_a_variant_request_waits_for_that_variant_only(world: StoreWorld, sync: SqlSyncRepository) -> None:
    # given a product with two details, both out of stock, and a buyer waiting for the second one
    first = await seed_product(world.engine, 8, "کتری", stock=0, detail_id=81)
    second = await seed_product(world.engine, 8, "کتری", stock=0, detail_id=82)
    customer = await add_customer(world.engine, MOBILE)
    await world.core.restock.request(customer, MOBILE, 8, second)
    # when the other variant comes back, nothing is sent; when the chosen one does, the buyer is told
    await sync.apply_batch(await link_batch(sync, first, 3, 2))
    assert await scalar(world.engine, "SELECT count(*) FROM event_outbox") == 0
    await sync.apply_batch(await link_batch(sync, second, 1, 3))
    assert await scalar(world.engine, "SELECT count(*) FROM event_outbox") == 1


async def test_a_cancelled_request_is_never_texted(world: StoreWorld, sync: SqlSyncRepository) -> None:
    detail = await seed_product(world.engine, 9, "چای", stock=0)
    customer = await add_customer(world.engine, MOBILE)
    other = await add_customer(world.engine, "09121112233")
    await world.core.restock.request(customer, MOBILE, 9)
    (request,) = await world.core.restock.pending(customer)
    # another buyer cannot cancel it; its owner can, once
    with pytest.raises(NotFound):
        await world.core.restock.cancel(other, request["id"])
    await world.core.restock.cancel(customer, request["id"])
    with pytest.raises(NotFound):
        await world.core.restock.cancel(customer, request["id"])
    await sync.apply_batch(await link_batch(sync, detail, 4, 2))
    assert await scalar(world.engine, "SELECT count(*) FROM event_outbox") == 0


async def test_an_unknown_product_is_refused(world: StoreWorld) -> None:
    customer = await add_customer(world.engine, MOBILE)
    with pytest.raises(NotFound):
        await world.core.restock.request(customer, MOBILE, 404)


async def test_two_batches_bringing_the_stock_back_at_once_write_one_sms(
    world: StoreWorld, sync: SqlSyncRepository
) -> None:
    # given a waiting buyer and two details of the product, both out of stock
    first = await seed_product(world.engine, 11, "سماور", stock=0, detail_id=111)
    second = await seed_product(world.engine, 11, "سماور", stock=0, detail_id=112)
    customer = await add_customer(world.engine, MOBILE)
    await world.core.restock.request(customer, MOBILE, 11)
    # when two batches, each bringing one detail back, are applied concurrently (several times over)
    for round_ in range(3):
        await asyncio.gather(
            sync.apply_batch(await link_batch(sync, first, 2 + round_, 10 + 2 * round_)),
            sync.apply_batch(await link_batch(sync, second, 2 + round_, 11 + 2 * round_)),
        )
    # then the request was notified once and one event written
    assert await scalar(world.engine, "SELECT count(*) FROM event_outbox") == 1
    assert await scalar(world.engine, "SELECT count(*) FROM restock_request WHERE notified_at IS NOT NULL") == 1
