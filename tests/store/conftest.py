"""A store core on a fresh database, with in-memory payment gateway, SMS, rate limiter and queue; catalogue rows
seeded straight into the synced tables (no Mahak sync involved)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hamgam.adapters.db import catalog_read
from hamgam.adapters.db.engine import create_engine, create_read_engine
from hamgam.adapters.payments.memory import InMemoryPaymentGateway
from hamgam.adapters.payments.zarinpal import ZarinpalGateway
from hamgam.adapters.queue.memory import MemoryQueue
from hamgam.adapters.ratelimit.memory import MemoryRateLimiter
from hamgam.adapters.sms.memory import InMemorySms
from hamgam.bootstrap import build_store_core
from hamgam.domain.checkout import Address
from hamgam.services.store.core import StoreCore
from hamgam.settings import PaymentProvider, Settings, SmsProvider
from hamgam_sim.zarinpal.server import RunningZarinpal, serve_in_thread

JWT_SECRET = "test-secret-" + "x" * 40

ADDRESS = Address.parse(
    recipient_name="علی رضایی",
    mobile="۰۹۱۲۱۲۳۴۵۶۷",
    province="تهران",
    city="تهران",
    line="خیابان آزادی، پلاک ۱",
    postal_code="13145-67890",
)


async def seed_product(
    engine: AsyncEngine,
    product_id: int,
    name: str,
    *,
    stock: float = 10,
    price_rial: int = 1_000_000,
    detail_id: int | None = None,
    category_id: int | None = None,
    code: str | None = None,
) -> int:
    """A product with one detail linked to a visitor (so it is on sale); returns the detail id."""
    detail_id = detail_id or product_id * 10
    from hamgam.domain.persian import normalize_text

    async with engine.begin() as conn:
        await conn.execute(
            text("""INSERT INTO product (mahak_id, name, name_search, code, category_id, row_version)
                    VALUES (:p, :n, :s, :c, :cat, 1) ON CONFLICT DO NOTHING"""),
            {"p": product_id, "n": name, "s": normalize_text(name), "c": code, "cat": category_id},
        )
        await conn.execute(
            text("""INSERT INTO product_detail (mahak_id, product_id, prices_rial, default_price_level, row_version)
                    VALUES (:d, :p, :prices, 1, 1)"""),
            {"d": detail_id, "p": product_id, "prices": [price_rial, price_rial * 9 // 10] + [0] * 8},
        )
        await conn.execute(
            text("""INSERT INTO visitor_product (mahak_id, product_detail_id, visitor_id, count1, row_version)
                    VALUES (:d, :d, 1, :s, 1)"""),
            {"d": detail_id, "s": stock},
        )
    return detail_id


async def add_customer(engine: AsyncEngine, mobile: str, role: str = "customer") -> int:
    async with engine.begin() as conn:
        return (
            await conn.execute(
                text("INSERT INTO customer (mobile, role) VALUES (:m, :r) RETURNING id"),
                {"m": mobile, "r": role},
            )
        ).scalar_one()


@dataclass
class StoreWorld:
    engine: AsyncEngine
    core: StoreCore
    gateway: InMemoryPaymentGateway
    sms: InMemorySms
    queue: MemoryQueue
    settings: Settings
    #: The catalogue's reads (``create_read_engine``).
    read_engine: AsyncEngine


def store_settings(**overrides: object) -> Settings:
    return Settings(
        database_url="postgresql://unused",
        payments={"provider": PaymentProvider.MEMORY},
        sms={"provider": SmsProvider.MEMORY},
        **overrides,
    )


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[StoreWorld]:
    engine = create_engine(database_url, pool_size=10)
    read_engine = create_read_engine(database_url, catalog_read.SESSION_SETTINGS, pool_size=2)
    settings = store_settings()
    gateway, sms, queue = InMemoryPaymentGateway(), InMemorySms(), MemoryQueue()
    core = build_store_core(
        settings,
        engine,
        queue,
        gateway=gateway,
        sms=sms,
        limiter=MemoryRateLimiter(),
        jwt_secret=JWT_SECRET,
        read_engine=read_engine,
    )
    yield StoreWorld(engine, core, gateway, sms, queue, settings, read_engine)
    await queue.close()
    await engine.dispose()
    await read_engine.dispose()


async def buy(world: StoreWorld, customer_id: int, detail_id: int, quantity: int = 1) -> dict:
    """Put a line in the customer's cart and check out; returns the order."""
    cart_id = await world.core.carts.resolve(customer_id=customer_id, guest_cart_id=None)
    await world.core.carts.set_line(cart_id, detail_id, quantity)
    return await world.core.checkout.place_order(customer_id, shipping_method="post", address=ADDRESS)


async def scalar(engine: AsyncEngine, sql: str, **params: object) -> object:
    async with engine.connect() as conn:
        return await conn.scalar(text(sql), params)


@pytest.fixture(scope="module")
def zarinpal_server() -> Iterator[RunningZarinpal]:
    with serve_in_thread() as running:
        yield running


@pytest.fixture
async def zp_world(world: StoreWorld, zarinpal_server: RunningZarinpal) -> AsyncIterator[StoreWorld]:
    """The store world paying through the Zarinpal adapter over HTTP against the simulator."""
    zarinpal_server.control.reset()
    gateway = ZarinpalGateway(base_url=zarinpal_server.base_url, merchant_id=zarinpal_server.merchant_id, timeout_s=5)
    core = build_store_core(
        store_settings(), world.engine, world.queue, gateway=gateway, sms=InMemorySms(),
        limiter=MemoryRateLimiter(), jwt_secret=JWT_SECRET, read_engine=world.read_engine,
    )  # fmt: skip
    yield StoreWorld(world.engine, core, world.gateway, world.sms, world.queue, world.settings, world.read_engine)
    await gateway.aclose()
