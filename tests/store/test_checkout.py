"""Checkout and the reservation ledger: no oversell under concurrency, expiry gives stock back, carts merge."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from hamgam.domain.errors import Conflict, InvalidInput, OutOfStock
from hamgam.services.store import jobs
from tests.store.conftest import ADDRESS, StoreWorld, add_customer, buy, scalar, seed_product


async def test_place_order_holds_stock_and_totals_in_rial(world: StoreWorld) -> None:
    # given a product with 10 units and a customer
    detail = await seed_product(world.engine, 1, "چای", stock=10, price_rial=1_250_000)
    customer = await add_customer(world.engine, "09120000001")
    # when the customer buys 3
    order = await buy(world, customer, detail, 3)
    # then the order is pending payment, totals are integer Rial with shipping, and 7 remain sellable
    assert order["status"] == "pending_payment"
    assert (order["items_rial"], order["shipping_rial"], order["total_rial"]) == (
        3_750_000,
        450_000,
        4_200_000,
    )
    assert order["events"][0]["to_status"] == "pending_payment"
    product = await world.core.catalog.product(1)
    assert product["details"][0]["available"] == 7


async def test_place_order_concurrent_buyers_never_oversell(world: StoreWorld) -> None:
    # given the last 10 units and 200 customers, each with one unit in their cart
    detail = await seed_product(world.engine, 1, "گوشی", stock=10)
    customers = [await add_customer(world.engine, f"0912{i:07d}") for i in range(200)]
    for c in customers:
        cart = await world.core.carts.resolve(customer_id=c, guest_cart_id=None)
        async with world.engine.begin() as conn:  # bypass the soft availability check: all 200 want it
            await conn.execute(
                text("INSERT INTO cart_line (cart_id, product_detail_id, quantity) VALUES (:c, :d, 1)"),
                {"c": cart, "d": detail},
            )

    async def checkout_and_pay(customer: int) -> bool:
        try:
            order = await world.core.checkout.place_order(customer, shipping_method="post", address=ADDRESS)
        except OutOfStock:
            return False
        started = await world.core.payments.start(order["id"], customer)
        world.gateway.pay(started["authority"])
        result = await world.core.payments.callback(started["authority"], "OK")
        return result["order_status"] == "paid"

    # when all 200 check out and pay at once
    results = await asyncio.gather(*(checkout_and_pay(c) for c in customers))
    # then exactly 10 orders are paid, the counter equals the ledger and nothing is left to sell
    assert sum(results) == 10
    assert await scalar(world.engine, "SELECT count(*) FROM store_order WHERE status = 'paid'") == 10
    assert await scalar(world.engine, "SELECT count(*) FROM export_job") == 10
    assert (
        await scalar(world.engine, "SELECT reserved_qty FROM stock_hold WHERE product_detail_id = :d", d=detail) == 10
    )
    assert await scalar(world.engine, "SELECT sum(quantity) FROM stock_reservation WHERE state = 'committed'") == 10
    assert (await world.core.catalog.product(1))["details"][0]["available"] == 0


async def test_release_expired_gives_stock_back(world: StoreWorld) -> None:
    # given an order whose reservation has run out
    detail = await seed_product(world.engine, 1, "چای", stock=2)
    customer = await add_customer(world.engine, "09120000001")
    order = await buy(world, customer, detail, 2)
    assert (await world.core.catalog.product(1))["details"][0]["available"] == 0
    async with world.engine.begin() as conn:
        await conn.execute(text("UPDATE store_order SET reserved_until = now() - interval '1 second'"))
    # when the job runs
    expired = await jobs.release_expired(world.core.uow)
    # then the order expired with an event, its ledger rows are released and the stock is sellable again
    assert expired == 1
    final = await world.core.customer_order(customer, order["id"])
    assert final["status"] == "expired"
    assert [e["to_status"] for e in final["events"]] == ["pending_payment", "expired"]
    assert await scalar(world.engine, "SELECT state FROM stock_reservation") == "released"
    assert (await world.core.catalog.product(1))["details"][0]["available"] == 2
    # and it can no longer be paid
    with pytest.raises(Conflict):
        await world.core.payments.start(order["id"], customer)


async def test_release_expired_keeps_orders_with_unknown_payment(world: StoreWorld) -> None:
    from hamgam.domain.payments import PaymentGatewayUnavailable

    detail = await seed_product(world.engine, 1, "چای", stock=2)
    customer = await add_customer(world.engine, "09120000001")
    order = await buy(world, customer, detail, 1)
    started = await world.core.payments.start(order["id"], customer)
    world.gateway.pay(started["authority"])
    world.gateway.fail_next(PaymentGatewayUnavailable("timeout"))
    outcome = await world.core.payments.callback(started["authority"], "OK")
    assert outcome["payment_status"] == "unknown"
    async with world.engine.begin() as conn:
        await conn.execute(text("UPDATE store_order SET reserved_until = now() - interval '1 second'"))
    # when the expiry job runs, the order stays (verify outcome unknown), then reconciliation pays it
    assert await jobs.release_expired(world.core.uow) == 0
    await world.core.run_jobs_once()
    assert (await world.core.customer_order(customer, order["id"]))["status"] == "paid"


async def test_place_order_empty_cart_and_bad_shipping_are_refused(world: StoreWorld) -> None:
    customer = await add_customer(world.engine, "09120000001")
    with pytest.raises(InvalidInput, match="empty"):
        await world.core.checkout.place_order(customer, shipping_method="post", address=ADDRESS)
    detail = await seed_product(world.engine, 1, "چای")
    cart = await world.core.carts.resolve(customer_id=customer, guest_cart_id=None)
    await world.core.carts.set_line(cart, detail, 1)
    with pytest.raises(InvalidInput, match="shipping"):
        await world.core.checkout.place_order(customer, shipping_method="camel", address=ADDRESS)
    assert await scalar(world.engine, "SELECT count(*) FROM store_order") == 0


async def test_address_parse_normalises_persian_digits_and_refuses_bad_values() -> None:
    from hamgam.domain.checkout import Address

    assert ADDRESS.mobile == "09121234567" and ADDRESS.postal_code == "1314567890"
    with pytest.raises(InvalidInput) as bad_mobile:
        Address.parse(recipient_name="a", mobile="12345", province="p", city="c", line="l", postal_code="1234567890")
    with pytest.raises(InvalidInput) as bad_postal:
        Address.parse(recipient_name="a", mobile="09121234567", province="p", city="c", line="l", postal_code="123")
    assert (bad_mobile.value.field, bad_postal.value.field) == ("mobile", "postal_code")


async def test_merge_guest_cart_on_login(world: StoreWorld) -> None:
    # given a guest cart with 2 units and the customer's own cart with 1 of the same and 1 of another
    d1 = await seed_product(world.engine, 1, "چای", stock=10)
    d2 = await seed_product(world.engine, 2, "قهوه", stock=10)
    customer = await add_customer(world.engine, "09120000001")
    guest = await world.core.carts.create_guest_cart(client="t")
    await world.core.carts.set_line(guest, d1, 2)
    own = await world.core.carts.resolve(customer_id=customer, guest_cart_id=None)
    await world.core.carts.set_line(own, d1, 1)
    await world.core.carts.set_line(own, d2, 1)
    # when the guest logs in (twice: merging is idempotent)
    merged = await world.core.carts.merge_into_customer(guest, customer)
    await world.core.carts.merge_into_customer(guest, customer)
    # then quantities add up in the customer's cart and the guest cart is closed
    view = await world.core.carts.view(merged)
    assert {(line["product_detail_id"], line["quantity"]) for line in view["lines"]} == {(d1, 3), (d2, 1)}
    assert view["items_rial"] == 4 * 1_000_000
    with pytest.raises(Exception, match="cart"):
        await world.core.carts.resolve(customer_id=None, guest_cart_id=guest)


async def test_set_line_beyond_stock_is_refused(world: StoreWorld) -> None:
    detail = await seed_product(world.engine, 1, "چای", stock=2)
    cart = await world.core.carts.create_guest_cart(client="t")
    with pytest.raises(OutOfStock):
        await world.core.carts.set_line(cart, detail, 3)
