"""Money an order did not need (a second session paid for an order already paid, or a payment that arrives after
the order expired) is reversed through the gateway, or marked ``refund_due`` with its amount for staff; never
left taken for nothing. Covered over real HTTP against the Zarinpal simulator and with the in-memory gateway."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from hamgam.adapters.ratelimit.memory import MemoryRateLimiter
from hamgam.adapters.sms.memory import InMemorySms
from hamgam.bootstrap import build_store_core
from hamgam_sim.zarinpal.server import RunningZarinpal
from tests.store.conftest import JWT_SECRET, StoreWorld, add_customer, buy, scalar, seed_product, store_settings
from tests.store.gateway_fakes import FailingReverse, SlowVerify, VerifyThenTimeout


async def _order_with_two_sessions(w: StoreWorld) -> tuple[int, int, str, str]:
    """A pending order the buyer opened two gateway sessions for (two tabs): (customer, order, first, second)."""
    detail = await seed_product(w.engine, 1, "چای", stock=5, price_rial=1_000_000)
    customer = await add_customer(w.engine, "09120000001")
    order = await buy(w, customer, detail, 1)
    first = await w.core.payments.start(order["id"], customer)
    second = await w.core.payments.start(order["id"], customer)
    return customer, order["id"], first["authority"], second["authority"]


async def _assert_paid_once(w: StoreWorld, customer: int, order_id: int) -> dict:
    order = await w.core.customer_order(customer, order_id)
    assert [e["to_status"] for e in order["events"]] == ["pending_payment", "paid"]
    assert await scalar(w.engine, "SELECT count(*) FROM export_job WHERE order_id = :o", o=order_id) == 1
    return order


async def test_second_payment_of_a_paid_order_is_reversed_over_http(
    zp_world: StoreWorld, zarinpal_server: RunningZarinpal
) -> None:
    # given an order paid through its first session, and the buyer paying the second tab too
    customer, order_id, first, second = await _order_with_two_sessions(zp_world)
    zarinpal_server.control.pay(first)
    assert (await zp_world.core.payments.callback(first, "OK"))["order_status"] == "paid"
    zarinpal_server.control.pay(second)
    # when the second session comes back
    outcome = await zp_world.core.payments.callback(second, "OK")
    # then the gateway reversed it and the order was paid once
    assert (outcome["payment_status"], outcome["order_status"]) == ("reversed", "paid")
    assert zarinpal_server.control.payment(second)["state"] == "REVERSED"
    assert zarinpal_server.control.payment(first)["state"] == "VERIFIED"
    order = await _assert_paid_once(zp_world, customer, order_id)
    assert [p["status"] for p in order["payments"]] == ["paid", "reversed"]
    assert await scalar(zp_world.engine, "SELECT reversed_at IS NOT NULL FROM payment WHERE authority = :a", a=second)


async def test_second_payment_found_by_reconciliation_is_reversed_over_http(
    zp_world: StoreWorld, zarinpal_server: RunningZarinpal
) -> None:
    # given a paid order and a second session paid by a buyer who never came back
    customer, order_id, first, second = await _order_with_two_sessions(zp_world)
    zarinpal_server.control.pay(first)
    await zp_world.core.payments.callback(first, "OK")
    zarinpal_server.control.pay(second)
    # when the reconciler runs (unVerified lists the second session)
    await zp_world.core.payments.reconcile()
    # then the money is given back through the gateway
    assert zarinpal_server.control.payment(second)["state"] == "REVERSED"
    assert await scalar(zp_world.engine, "SELECT status FROM payment WHERE authority = :a", a=second) == "reversed"
    await _assert_paid_once(zp_world, customer, order_id)


async def test_reverse_refused_leaves_refund_due_with_its_amount(
    zp_world: StoreWorld, zarinpal_server: RunningZarinpal
) -> None:
    # given a gateway whose reverse window is over (-63) and an order paid twice
    zarinpal_server.control.configure(reverse_window_s=0)
    customer, order_id, first, second = await _order_with_two_sessions(zp_world)
    zarinpal_server.control.pay(first)
    zarinpal_server.control.pay(second)
    await zp_world.core.payments.callback(first, "OK")
    # when the second session comes back
    outcome = await zp_world.core.payments.callback(second, "OK")
    # then it is marked for a refund by staff, with its amount, ref_id and the gateway's reason
    total = (await zp_world.core.customer_order(customer, order_id))["total_rial"]
    assert (outcome["payment_status"], outcome["amount_rial"]) == ("refund_due", total)
    row = await _one(zp_world, "SELECT status, ref_id, error FROM payment WHERE authority = :a", a=second)
    assert row["status"] == "refund_due" and row["ref_id"] is not None and "-63" in row["error"]
    await _assert_paid_once(zp_world, customer, order_id)


async def test_concurrent_sessions_of_one_order_pay_once_and_reverse_the_other(world: StoreWorld) -> None:
    # given two paid sessions of one order whose verifies are at the gateway at the same time
    gate = SlowVerify(world.gateway)
    core = _core_with(world, gate)
    customer, order_id, first, second = await _order_with_two_sessions(world)
    world.gateway.pay(first)
    world.gateway.pay(second)
    calls = [asyncio.create_task(core.payments.callback(a, "OK")) for a in (first, second)]
    await gate.wait_in_flight(2)
    # when the gateway answers both
    gate.release.set()
    outcomes = await asyncio.gather(*calls)
    # then one payment paid the order and the other was reversed through the gateway
    assert sorted(o["payment_status"] for o in outcomes) == ["paid", "reversed"]
    assert sorted(s.state for s in world.gateway.sessions.values()) == ["reversed", "verified"]
    await _assert_paid_once(world, customer, order_id)


async def test_payment_arriving_after_the_order_expired_is_reversed(world: StoreWorld) -> None:
    # given an order that expired unpaid (its session checked: still at the bank)
    customer, order_id, first, _second = await _order_with_two_sessions(world)
    async with world.engine.begin() as conn:
        await conn.execute(text("UPDATE store_order SET reserved_until = now() - interval '1 second'"))
    await world.core.run_jobs_once()
    assert (await world.core.customer_order(customer, order_id))["status"] == "expired"
    # when the buyer pays afterwards and never comes back; the reconciler finds it in unVerified
    world.gateway.pay(first)
    await world.core.run_jobs_once()
    # then the late payment is given back, and the order stays expired
    assert world.gateway.sessions[first].state == "reversed"
    assert await scalar(world.engine, "SELECT status FROM payment WHERE authority = :a", a=first) == "reversed"
    assert (await world.core.customer_order(customer, order_id))["status"] == "expired"


async def test_reverse_unavailable_leaves_refund_due(world: StoreWorld) -> None:
    # given an order paid, and a second paid session whose reverse gets no answer
    gate = FailingReverse(world.gateway)
    core = _core_with(world, gate)
    customer, order_id, first, second = await _order_with_two_sessions(world)
    world.gateway.pay(first)
    world.gateway.pay(second)
    await core.payments.callback(first, "OK")
    outcome = await core.payments.callback(second, "OK")
    # then the payment waits for staff with its reason; the gateway still holds it verified
    assert outcome["payment_status"] == "refund_due"
    assert "reverse failed" in await scalar(world.engine, "SELECT error FROM payment WHERE authority = :a", a=second)
    assert world.gateway.sessions[second].state == "verified"
    await _assert_paid_once(world, customer, order_id)


async def test_duplicate_verified_behind_a_timeout_is_reversed_by_reconciliation(world: StoreWorld) -> None:
    # given a paid order, and a second session whose verify went through at the gateway but timed out for us
    gate = VerifyThenTimeout(world.gateway)
    core = _core_with(world, gate)
    customer, order_id, first, second = await _order_with_two_sessions(world)
    world.gateway.pay(first)
    world.gateway.pay(second)
    await core.payments.callback(first, "OK")
    gate.armed = True
    assert (await core.payments.callback(second, "OK"))["payment_status"] == "unknown"
    assert world.gateway.sessions[second].state == "verified"  # money taken; unVerified no longer lists it
    # when the reconciler runs
    gate.armed = False
    await core.payments.reconcile()
    # then the unknown payment is verified again (101) and given back
    assert world.gateway.sessions[second].state == "reversed"
    assert await scalar(world.engine, "SELECT status FROM payment WHERE authority = :a", a=second) == "reversed"
    await _assert_paid_once(world, customer, order_id)


def _core_with(world: StoreWorld, gateway: object):
    return build_store_core(
        store_settings(), world.engine, world.queue, gateway=gateway, sms=InMemorySms(),  # type: ignore[arg-type]
        limiter=MemoryRateLimiter(), jwt_secret=JWT_SECRET, read_engine=world.read_engine,
    )  # fmt: skip


async def _one(w: StoreWorld, sql: str, **params: object) -> dict:
    async with w.engine.connect() as conn:
        return dict((await conn.execute(text(sql), params)).mappings().one())
