"""Fixtures of the export suite: the Mahak simulator over HTTP, a container on a fresh PostgreSQL database (the
PostgreSQL queue, or RabbitMQ where a test asks for it), a synced catalogue, and paid orders made through the
store's own checkout and payment services."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import pytest
from sqlalchemy import text

from hamgam.adapters.queue.factory import build_queue
from hamgam.bootstrap import Container, build
from hamgam.domain.checkout import Address
from hamgam.domain.sync.entities import SYNC_ORDER
from hamgam.settings import PaymentProvider, Settings, SmsProvider
from hamgam_sim.mahak.server import RunningSimulator, serve_in_thread
from hamgam_sim.mahak.simulator import MahakSimulator

CATALOGUE = 40
#: The bound on every wait of the suite: what it waits for takes a second or two on a quiet machine, and several
#: times that on a loaded CI machine (load average 7 on 2 cores and more). The tests check that it happens, not
#: how fast: the exporter's speed belongs to ``bench/bench_export.py``.
WAIT_S = 180.0
EXPORT_TOPIC = "export.orders"
ADDRESS = Address.parse(
    recipient_name="مریم احمدی",
    mobile="09121112233",
    province="تهران",
    city="تهران",
    line="خیابان انقلاب، کوچه ۳، پلاک ۷",
    postal_code="1314567890",
)


@pytest.fixture(scope="module")
def mahak() -> Iterator[RunningSimulator]:
    with serve_in_thread(MahakSimulator(products=CATALOGUE)) as running:
        yield running


@pytest.fixture
def fresh_mahak(mahak: RunningSimulator) -> RunningSimulator:
    mahak.control.reset(products=CATALOGUE, seed=11)
    return mahak


def export_settings(
    database_url: str,
    mahak_url: str,
    queue_prefix: str,
    rabbitmq_url: str | None = None,
    store: dict[str, Any] | None = None,
    **export: Any,
) -> Settings:
    return Settings(
        database_url=database_url,
        rabbitmq_url=rabbitmq_url,
        queue_prefix=queue_prefix,
        queue_visibility_timeout_s=2.0,
        mahak={
            "base_url": mahak_url,
            "page_size": 500,
            "backoff_initial_s": 0.01,
            "backoff_max_s": 0.1,
            "rate_per_s": 5000,
            "rate_burst": 5000,
            "timeout_s": 1.0,
            "read_attempts": 4,
            "circuit_failures": 1000,
        },
        sync={"workers": 2, "prefetch": 4, "retry_delays_s": [0.2, 0.3, 0.4]},
        payments={"provider": PaymentProvider.MEMORY},
        sms={"provider": SmsProvider.MEMORY},
        shop={"run_jobs": False, **(store or {})},
        auth={"jwt_secret": "export-test-secret-" + "x" * 40, "rate_limit_backend": "memory"},
        export={"retry_delays_s": [0.2, 0.3, 0.5, 0.8, 1.0], "relay_interval_s": 0.2, "workers": 4, **export},
    )


@dataclass
class ExportWorld:
    """One shop on a fresh database talking to the simulator."""

    container: Container
    sim: RunningSimulator

    @property
    def engine(self) -> Any:
        return self.container.engine

    async def sync(self, entities: tuple[str, ...] | None = None) -> None:
        """One sync cycle (parents first) with a worker pool running, as the scheduler would."""
        # The worker gets a queue object of its own, closed afterwards, so nothing it prefetched outlives it.
        queue = await build_queue(self.container.settings, self.engine)
        worker = replace(self.container, queue=queue).worker()
        task = asyncio.create_task(worker.run())
        try:
            for entity in SYNC_ORDER:
                if entities is None or entity.name in entities:
                    await self.container.fetcher.run(entity.name)
        finally:
            worker.stop()
            await task
            await queue.close()

    async def customer(self, mobile: str, full_name: str = "مریم احمدی", national_code: str | None = None) -> int:
        async with self.engine.begin() as conn:
            return (
                await conn.execute(
                    text("INSERT INTO customer (mobile, full_name, national_code) VALUES (:m, :n, :c) RETURNING id"),
                    {"m": mobile, "n": full_name, "c": national_code},
                )
            ).scalar_one()

    async def sellable(self, count: int = 5, min_stock: int = 50) -> list[tuple[int, int]]:
        """``(detail id, Mahak stock)`` of details on sale with plenty of stock."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                text("""SELECT d.mahak_id, floor(v.count1)::int FROM product_detail d
                        JOIN visitor_product v ON v.product_detail_id = d.mahak_id
                        WHERE v.count1 >= :s AND d.deleted_at IS NULL AND v.deleted_at IS NULL
                          AND d.prices_rial[d.default_price_level] > 0
                        ORDER BY d.mahak_id LIMIT :n"""),
                {"s": min_stock, "n": count},
            )
            return [(r[0], r[1]) for r in rows]

    async def paid_order(self, customer_id: int, lines: list[tuple[int, int]]) -> int:
        """Check out ``(detail, quantity)`` lines and pay through the store's payment service; returns the order."""
        core = self.container.store
        cart_id = await core.carts.resolve(customer_id=customer_id, guest_cart_id=None)
        for detail, quantity in lines:
            await core.carts.set_line(cart_id, detail, quantity)
        order = await core.checkout.place_order(customer_id, shipping_method="post", address=ADDRESS)
        started = await core.payments.start(order["id"], customer_id)
        self.container.payment_gateway.pay(started["authority"])  # type: ignore[attr-defined]
        outcome = await core.payments.callback(started["authority"], "OK")
        assert outcome["order_status"] == "paid", outcome
        return order["id"]

    async def job(self, order_id: int, kind: str = "sale") -> dict[str, Any]:
        async with self.engine.connect() as conn:
            row = (
                (
                    await conn.execute(
                        text("SELECT * FROM export_job WHERE order_id = :o AND kind = :k"), {"o": order_id, "k": kind}
                    )
                )
                .mappings()
                .one()
            )
            return dict(row)

    async def order_status(self, order_id: int) -> str:
        async with self.engine.connect() as conn:
            return await conn.scalar(text("SELECT status FROM store_order WHERE id = :o"), {"o": order_id})

    async def wait_jobs(self, statuses: set[str], timeout_s: float = WAIT_S, kind: str = "sale") -> list[dict]:
        """Wait until every job of ``kind`` is in one of ``statuses``; returns them."""
        deadline = time.monotonic() + timeout_s
        while True:
            async with self.engine.connect() as conn:
                jobs = [
                    dict(r)
                    for r in (
                        await conn.execute(text("SELECT * FROM export_job WHERE kind = :k ORDER BY id"), {"k": kind})
                    ).mappings()
                ]
            if jobs and all(j["status"] in statuses for j in jobs):
                return jobs
            if time.monotonic() > deadline:
                raise AssertionError(f"jobs not in {statuses}: {[(j['id'], j['status'], j['error']) for j in jobs]}")
            await asyncio.sleep(0.1)

    def mahak_orders(self, order_type: int | None = 201) -> list[dict[str, Any]]:
        ours = self.sim.sim.account.sync_id if hasattr(self.sim.sim, "account") else None
        rows = [
            r for r in self.sim.control.rows("Order", live=True) if order_type is None or r["OrderType"] == order_type
        ]
        return [r for r in rows if ours is None or r["CreateSyncId"] == ours]

    def mahak_rows(self, entity: str) -> list[dict[str, Any]]:
        return self.sim.control.rows(entity, live=True)


@pytest.fixture
def make_world(database_url: str, queue_prefix: str) -> Callable[..., Any]:
    @asynccontextmanager
    async def make(
        sim: RunningSimulator, *, rabbitmq_url: str | None = None, store: dict[str, Any] | None = None, **export: Any
    ) -> AsyncIterator[ExportWorld]:
        container = await build(
            export_settings(database_url, sim.base_url, queue_prefix, rabbitmq_url, store, **export)
        )
        try:
            yield ExportWorld(container, sim)
        finally:
            await container.aclose()

    return make


@asynccontextmanager
async def running(
    world: ExportWorld, hooks: dict[str, Callable[[int], Awaitable[None]]] | None = None
) -> AsyncIterator[Any]:
    """The exporter role running in the background for the block."""
    role = world.container.export_role(hooks)
    task = asyncio.create_task(role.run())
    try:
        yield role
    finally:
        role.stop()
        await asyncio.wait_for(task, WAIT_S)
