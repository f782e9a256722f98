"""No database transaction or pooled connection is held while the gateway is awaited: many callbacks on a slow
verify leave the pool free for unrelated reads, and concurrent verifies still pay an order at most once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from hamgam.adapters.db.engine import create_engine
from hamgam.adapters.payments.memory import InMemoryPaymentGateway
from hamgam.adapters.queue.memory import MemoryQueue
from hamgam.adapters.ratelimit.memory import MemoryRateLimiter
from hamgam.adapters.sms.memory import InMemorySms
from hamgam.bootstrap import build_store_core
from hamgam.services.store.core import StoreCore
from tests.store.conftest import JWT_SECRET, StoreWorld, add_customer, buy, scalar, seed_product, store_settings
from tests.store.gateway_fakes import SlowVerify

#: The small pool under test: 2 connections plus 2 overflow.
POOL_SIZE = 2
CALLBACKS = 12


@pytest.fixture
async def small_pool(database_url: str) -> AsyncIterator[tuple[StoreWorld, SlowVerify]]:
    engine = create_engine(database_url, pool_size=POOL_SIZE)
    gateway = InMemoryPaymentGateway()
    slow = SlowVerify(gateway)
    queue = MemoryQueue()
    core = _core(engine, slow, queue)
    yield StoreWorld(engine, core, gateway, InMemorySms(), queue, store_settings(), engine), slow
    slow.release.set()
    await queue.close()
    await engine.dispose()


def _core(engine, gateway, queue) -> StoreCore:
    return build_store_core(
        store_settings(), engine, queue, gateway=gateway, sms=InMemorySms(),
        limiter=MemoryRateLimiter(), jwt_secret=JWT_SECRET, read_engine=engine,
    )  # fmt: skip


async def test_slow_verifies_leave_the_pool_free_for_other_reads(
    small_pool: tuple[StoreWorld, SlowVerify],
) -> None:
    world, slow = small_pool
    # given many paid orders, more than the pool has connections
    detail = await seed_product(world.engine, 1, "چای", stock=CALLBACKS * 2)
    authorities = []
    for i in range(CALLBACKS):
        customer = await add_customer(world.engine, f"0912000{i:04d}")
        order = await buy(world, customer, detail, 1)
        started = await world.core.payments.start(order["id"], customer)
        world.gateway.pay(started["authority"])
        authorities.append(started["authority"])
    # when every buyer comes back at once and the gateway is slow to verify
    calls = [asyncio.create_task(world.core.payments.callback(a, "OK")) for a in authorities]
    # then every verify reaches the gateway (none waits for a connection another one holds)
    await slow.wait_in_flight(CALLBACKS)
    # and an unrelated product read completes while they are all in flight
    product = await asyncio.wait_for(world.core.catalog.product(1), timeout=60)
    assert product["name"] == "چای"
    assert slow.in_flight == CALLBACKS and not any(c.done() for c in calls)
    # when the gateway answers, every order is paid once
    slow.release.set()
    outcomes = await asyncio.gather(*calls)
    assert {(o["payment_status"], o["order_status"]) for o in outcomes} == {("paid", "paid")}
    assert await scalar(world.engine, "SELECT count(*) FROM export_job") == CALLBACKS


async def test_concurrent_verifies_in_two_replicas_pay_once(small_pool: tuple[StoreWorld, SlowVerify]) -> None:
    world, slow = small_pool
    # given a paid session and a second replica (its own service, same database and gateway)
    other = _core(world.engine, slow, world.queue)
    detail = await seed_product(world.engine, 1, "چای", stock=5)
    customer = await add_customer(world.engine, "09120000001")
    order = await buy(world, customer, detail, 1)
    authority = (await world.core.payments.start(order["id"], customer))["authority"]
    world.gateway.pay(authority)
    # when both replicas verify it at the same time (callback and reconciler, several times each)
    calls = [asyncio.create_task(core.payments.verify(authority)) for core in (world.core, other) for _ in range(5)]
    await slow.wait_in_flight(2)
    slow.release.set()
    outcomes = await asyncio.gather(*calls)
    # then all agree it is paid, with one ref_id, and the order was paid once
    assert {(o["payment_status"], o["order_status"], o["ref_id"]) for o in outcomes} == {
        ("paid", "paid", outcomes[0]["ref_id"])
    }
    events = (await world.core.customer_order(customer, order["id"]))["events"]
    assert [e["to_status"] for e in events] == ["pending_payment", "paid"]
    assert await scalar(world.engine, "SELECT count(*) FROM export_job") == 1
    assert slow.in_flight == 2  # one gateway call per replica: callers in one process share it
