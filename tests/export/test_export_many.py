"""Many orders paid at once (different customers, the PostgreSQL queue and RabbitMQ) become exactly that many
invoices; the Mahak stock after the sync is the stock before minus what was sold, and the store sells what
Mahak has left."""

from __future__ import annotations

import asyncio
import collections
import os
import random
import time

import pytest
from sqlalchemy import text

from hamgam.adapters.db.catalog_read import sellable_details
from tests.export.conftest import ExportWorld, running

#: Orders paid concurrently (1,000 run in about 35 s here; RabbitMQ takes a third of them to keep the suite short).
ORDERS = int(os.environ.get("HAMGAM_TEST_EXPORT_ORDERS", "1000"))
#: How long the jobs may go without one of them reaching the awaited status before the test gives up. The test
#: checks that every order is exported, not how fast: the exporter's rate belongs to ``bench/bench_export.py``. A
#: loaded machine (load average 7 on 2 cores) slows the run several times over, but never stops it for minutes.
STALL_S = 180.0


async def _wait_all_jobs(world: ExportWorld, statuses: set[str], stall_s: float = STALL_S) -> list[dict]:
    """Every sale job in one of ``statuses``, waited for as long as jobs keep getting there."""
    done = -1
    deadline = 0.0
    while True:
        async with world.engine.connect() as conn:
            jobs = [
                dict(r)
                for r in (
                    await conn.execute(text("SELECT * FROM export_job WHERE kind = 'sale' ORDER BY id"))
                ).mappings()
            ]
        reached = sum(1 for j in jobs if j["status"] in statuses)
        if jobs and reached == len(jobs):
            return jobs
        if reached > done:  # progress: the bound starts again
            done, deadline = reached, time.monotonic() + stall_s
        if time.monotonic() > deadline:
            waiting = [(j["id"], j["status"], j["error"]) for j in jobs if j["status"] not in statuses]
            raise AssertionError(
                f"{len(waiting)} jobs not in {statuses} after {stall_s:.0f} s without progress: {waiting[:20]}"
            )
        await asyncio.sleep(0.2)


async def _stock_up(world: ExportWorld, details: int = 6, units: int = 10_000) -> list[int]:
    links = world.sim.control.rows("VisitorProduct", live=True)[:details]
    world.sim.control.upsert_rows(
        "VisitorProduct", [{"VisitorProductId": v["VisitorProductId"], "Count1": units} for v in links]
    )
    await world.sync()
    return [d for d, _ in await world.sellable(details, min_stock=units)]


async def _stock(world: ExportWorld, details: list[int]) -> dict[int, int]:
    async with world.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT product_detail_id, count1 FROM visitor_product WHERE product_detail_id = ANY(:d)"),
            {"d": details},
        )
        return {r[0]: int(r[1]) for r in rows}


@pytest.mark.parametrize("broker", ["postgres", "rabbitmq"])
async def test_export_many_concurrent_paid_orders_become_that_many_invoices(
    fresh_mahak, make_world, request: pytest.FixtureRequest, broker: str
) -> None:
    rabbitmq_url = request.getfixturevalue("rabbitmq_url") if broker == "rabbitmq" else None
    orders = ORDERS if broker == "postgres" else ORDERS // 3
    async with make_world(fresh_mahak, rabbitmq_url=rabbitmq_url) as world:
        # given plenty of stock and many customers
        details = await _stock_up(world)
        before = await _stock(world, details)
        customers = [await world.customer(f"0912{i:07d}", f"مشتری {i}") for i in range(orders)]
        rnd = random.Random(5)
        wanted = [(c, rnd.choice(details), rnd.randint(1, 3)) for c in customers]
        # when they all pay at once while the exporter runs
        async with running(world):
            gate = asyncio.Semaphore(16)

            async def pay(customer: int, detail: int, quantity: int) -> int:
                async with gate:
                    return await world.paid_order(customer, [(detail, quantity)])

            order_ids = await asyncio.gather(*(pay(*w) for w in wanted))
            jobs = await _wait_all_jobs(world, {"sent"})
        # then exactly that many invoices, one per order, each with its own client id
        assert len(jobs) == orders
        invoices = world.mahak_orders()
        assert len(invoices) == orders
        assert len({i["OrderClientId"] for i in invoices}) == orders
        assert {j["mahak_order_id"] for j in jobs} == {i["OrderId"] for i in invoices}
        # and after the sync, Mahak's stock is the stock before minus what was sold, and every order is invoiced
        await world.sync()
        async with running(world):
            await _wait_all_jobs(world, {"invoiced"})
        sold = collections.Counter()
        for _, detail, quantity in wanted:
            sold[detail] += quantity
        after = await _stock(world, details)
        assert after == {d: before[d] - sold[d] for d in details}
        async with world.engine.connect() as conn:
            available = {
                s.detail_id: s.available for s in await sellable_details(conn, world.container.settings.sync, details)
            }
            statuses = set(
                (await conn.scalars(text("SELECT status FROM store_order WHERE id = ANY(:o)"), {"o": order_ids})).all()
            )
        assert available == after and statuses == {"invoiced"}
