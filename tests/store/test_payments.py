"""Payments through the real Zarinpal adapter against the simulator: verify under a lock, applied once, the
amount from our database, unknown authorities refused, reconciliation of callbacks that never came."""

from __future__ import annotations

import asyncio

import pytest

from hamgam.adapters.payments.zarinpal import ZarinpalGateway
from hamgam.adapters.ratelimit.memory import MemoryRateLimiter
from hamgam.adapters.sms.memory import InMemorySms
from hamgam.bootstrap import build_store_core
from hamgam.domain.errors import NotFound
from hamgam_sim.zarinpal.server import RunningZarinpal
from tests.queue_helpers import eventually
from tests.store.conftest import (
    JWT_SECRET,
    StoreWorld,
    add_customer,
    buy,
    scalar,
    seed_product,
    store_settings,
)


async def _pending_order(w: StoreWorld, price_rial: int = 1_000_000) -> tuple[int, int, dict]:
    detail = await seed_product(w.engine, 1, "چای", stock=5, price_rial=price_rial)
    customer = await add_customer(w.engine, "09120000001")
    order = await buy(w, customer, detail, 1)
    started = await w.core.payments.start(order["id"], customer)
    return customer, order["id"], started


async def test_verify_concurrent_callbacks_apply_payment_once(
    zp_world: StoreWorld, zarinpal_server: RunningZarinpal
) -> None:
    # given a pending order whose buyer paid at the gateway
    customer, order_id, started = await _pending_order(zp_world)
    assert started["redirect_url"].endswith(f"/pg/StartPay/{started['authority']}")
    zarinpal_server.control.pay(started["authority"])
    # when 25 callbacks and 25 reconciler verifies arrive at once
    calls = [zp_world.core.payments.callback(started["authority"], "OK") for _ in range(25)]
    calls += [zp_world.core.payments.verify(started["authority"]) for _ in range(25)]
    outcomes = await asyncio.gather(*calls)
    # then all report paid with one ref_id, and the payment was applied once
    assert {(o["order_status"], o["payment_status"], o["ref_id"]) for o in outcomes} == {
        ("paid", "paid", outcomes[0]["ref_id"])
    }
    order = await zp_world.core.customer_order(customer, order_id)
    assert [e["to_status"] for e in order["events"]] == ["pending_payment", "paid"]
    assert await scalar(zp_world.engine, "SELECT count(*) FROM export_job WHERE order_id = :o", o=order_id) == 1
    assert await scalar(zp_world.engine, "SELECT status FROM export_job") == "pending"
    assert await scalar(zp_world.engine, "SELECT count(*) FROM event_outbox") == 1
    session = zarinpal_server.control.payment(started["authority"])
    assert (session["state"], session["verify_calls"]) == ("VERIFIED", 1)


async def test_verify_with_amount_mismatch_is_refused(zp_world: StoreWorld, zarinpal_server: RunningZarinpal) -> None:
    # given a session opened at the gateway for less than the order's total (a forged checkout)
    _customer, _order_id, started = await _pending_order(zp_world)
    gateway = ZarinpalGateway(base_url=zarinpal_server.base_url, merchant_id=zarinpal_server.merchant_id)
    forged = await gateway.request_payment(amount_rial=1_000, callback_url="http://shop/cb", description="x")
    await gateway.aclose()
    zarinpal_server.control.pay(forged.authority)
    # when the attacker's authority is attached to our payment row and called back with Status=OK
    from sqlalchemy import text

    async with zp_world.engine.begin() as conn:
        await conn.execute(
            text("UPDATE payment SET authority = :f WHERE authority = :a"),
            {"f": forged.authority, "a": started["authority"]},
        )
    outcome = await zp_world.core.payments.callback(forged.authority, "OK")
    # then verify with the amount from our database fails (-50) and the order is not paid
    assert (outcome["payment_status"], outcome["order_status"]) == ("failed", "pending_payment")
    assert "amount_mismatch" in await scalar(zp_world.engine, "SELECT error FROM payment")
    assert await scalar(zp_world.engine, "SELECT count(*) FROM export_job") == 0


async def test_callback_with_unknown_authority_is_not_found(zp_world: StoreWorld) -> None:
    await _pending_order(zp_world)
    with pytest.raises(NotFound):
        await zp_world.core.payments.callback("A" + "0" * 35, "OK")


async def test_callback_nok_asks_the_gateway_and_the_order_stays_payable(
    zp_world: StoreWorld, zarinpal_server: RunningZarinpal
) -> None:
    # given a buyer who cancelled at the bank: NOK is only the buyer's word, the gateway says "not paid" (-51)
    customer, order_id, started = await _pending_order(zp_world)
    zarinpal_server.control.cancel(started["authority"])
    outcome = await zp_world.core.payments.callback(started["authority"], "NOK")
    assert (outcome["payment_status"], outcome["order_status"]) == ("pending", "pending_payment")
    assert zarinpal_server.control.payment(started["authority"])["verify_calls"] == 1
    again = await zp_world.core.payments.start(order_id, customer)
    zarinpal_server.control.pay(again["authority"])
    assert (await zp_world.core.payments.callback(again["authority"], "OK"))["order_status"] == "paid"


async def test_reconcile_verifies_payment_whose_callback_never_came(
    zp_world: StoreWorld, zarinpal_server: RunningZarinpal
) -> None:
    # given a buyer who paid and closed the browser
    customer, order_id, started = await _pending_order(zp_world)
    zarinpal_server.control.pay(started["authority"])
    # when the reconciliation job runs (the gateway lists the session as paid but unverified)
    from sqlalchemy import text

    async with zp_world.engine.begin() as conn:
        await conn.execute(text("UPDATE payment SET created_at = now() - interval '10 minutes'"))
    checked = await zp_world.core.payments.reconcile()
    # then the payment is verified and the order paid
    assert checked == 1
    assert (await zp_world.core.customer_order(customer, order_id))["status"] == "paid"


async def test_order_paid_event_reaches_sms_through_the_queue(world: StoreWorld) -> None:
    # given a paid order (in-memory gateway) and the SMS consumer running on the queue
    detail = await seed_product(world.engine, 1, "چای", stock=5, price_rial=1_250_000)
    customer = await add_customer(world.engine, "09351112233")
    order = await buy(world, customer, detail, 1)
    started = await world.core.payments.start(order["id"], customer)
    world.gateway.pay(started["authority"])
    await world.core.payments.callback(started["authority"], "OK")
    notifier = world.core.notifier()
    task = asyncio.create_task(notifier.run())
    # when the outbox is relayed
    assert await world.core.publish_events() == 1
    # then the customer gets the SMS, and the outbox row is marked published
    await eventually(lambda: bool(world.sms.messages_to("09351112233")))
    notifier.stop()
    task.cancel()
    (message,) = world.sms.messages_to("09351112233")
    assert "پرداخت شد" in message.text and "۱۷۰٬۰۰۰ تومان" in message.text
    assert await scalar(world.engine, "SELECT count(*) FROM event_outbox WHERE published_at IS NULL") == 0


@pytest.mark.rabbitmq
async def test_order_paid_sms_over_rabbitmq(world: StoreWorld, rabbitmq_url: str, queue_prefix: str) -> None:
    # given a store core publishing its events to RabbitMQ, and the SMS consumer on the same broker
    from hamgam.adapters.queue.rabbitmq import RabbitQueue

    queue = RabbitQueue(rabbitmq_url, prefix=queue_prefix, retry_delays_s=[0.2, 0.5])
    await queue.connection()
    sms = InMemorySms()
    core = build_store_core(
        store_settings(), world.engine, queue, gateway=world.gateway, sms=sms,
        limiter=MemoryRateLimiter(), jwt_secret=JWT_SECRET, read_engine=world.read_engine,
    )  # fmt: skip
    detail = await seed_product(world.engine, 1, "چای", stock=5, price_rial=1_250_000)
    customer = await add_customer(world.engine, "09351112233")
    cart = await core.carts.resolve(customer_id=customer, guest_cart_id=None)
    await core.carts.set_line(cart, detail, 1)
    from tests.store.conftest import ADDRESS

    order = await core.checkout.place_order(customer, shipping_method="post", address=ADDRESS)
    started = await core.payments.start(order["id"], customer)
    world.gateway.pay(started["authority"])
    notifier = core.notifier()
    task = asyncio.create_task(notifier.run())
    try:
        # when the order is paid and its event relayed (a slow SMS provider cannot hold this up)
        await core.payments.callback(started["authority"], "OK")
        assert await core.publish_events() == 1
        # then the consumer texts the customer
        await eventually(lambda: bool(sms.messages_to("09351112233")))
        assert "پرداخت شد" in sms.messages_to("09351112233")[0].text
    finally:
        notifier.stop()
        await queue.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
