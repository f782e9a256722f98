"""Only the gateway decides a payment: a callback's ``Status`` never ends it, reconciliation rechecks every payment
of an order still waiting (failed ones included) through unVerified and inquiry, and an order expires only once
nothing it was paid with is left unverified."""

from __future__ import annotations

from sqlalchemy import text

from hamgam.adapters.ratelimit.memory import MemoryRateLimiter
from hamgam.adapters.sms.memory import InMemorySms
from hamgam.bootstrap import build_store_core
from hamgam.domain.payments import PaymentGatewayUnavailable
from hamgam_sim.zarinpal.server import RunningZarinpal
from tests.store.conftest import JWT_SECRET, StoreWorld, add_customer, buy, scalar, seed_product, store_settings
from tests.store.gateway_fakes import UnreadableInquiry


async def _started(w: StoreWorld) -> tuple[int, int, str]:
    """A pending order with one open gateway session: (customer, order id, authority)."""
    detail = await seed_product(w.engine, 1, "چای", stock=5, price_rial=1_000_000)
    customer = await add_customer(w.engine, "09120000001")
    order = await buy(w, customer, detail, 1)
    started = await w.core.payments.start(order["id"], customer)
    return customer, order["id"], started["authority"]


async def _age_checks(w: StoreWorld) -> None:
    """Make every payment look last checked long ago (the reconciler's period has passed)."""
    async with w.engine.begin() as conn:
        await conn.execute(
            text("UPDATE payment SET created_at = now() - interval '1 hour', checked_at = now() - interval '1 hour'")
        )


async def _end_hold(w: StoreWorld) -> None:
    async with w.engine.begin() as conn:
        await conn.execute(text("UPDATE store_order SET reserved_until = now() - interval '1 second'"))


async def test_forged_nok_does_not_fail_the_payment(world: StoreWorld) -> None:
    # given a buyer still at the bank, and someone who learned the authority sending Status=NOK
    customer, order_id, authority = await _started(world)
    forged = await world.core.payments.callback(authority, "NOK")
    # then the payment is not failed: the gateway says "not paid yet" and the order keeps waiting
    assert (forged["payment_status"], forged["order_status"]) == ("pending", "pending_payment")
    # when the buyer then pays and comes back
    world.gateway.pay(authority)
    outcome = await world.core.payments.callback(authority, "OK")
    # then the real payment is verified and the order paid
    assert (outcome["payment_status"], outcome["order_status"]) == ("paid", "paid")
    assert (await world.core.customer_order(customer, order_id))["status"] == "paid"


async def test_premature_ok_stays_pending_until_the_gateway_says_paid(world: StoreWorld) -> None:
    # given Status=OK sent before the buyer paid: verify answers "not paid" (-51)
    _customer, _order_id, authority = await _started(world)
    early = await world.core.payments.callback(authority, "OK")
    assert (early["payment_status"], early["order_status"]) == ("pending", "pending_payment")
    assert "not paid yet" in await scalar(world.engine, "SELECT error FROM payment")
    # when the buyer pays afterwards and the page is reloaded
    world.gateway.pay(authority)
    assert (await world.core.payments.callback(authority, "OK"))["order_status"] == "paid"


async def test_nok_then_real_payment_is_paid_by_reconciliation(
    zp_world: StoreWorld, zarinpal_server: RunningZarinpal
) -> None:
    # given a forged NOK for a session, then the buyer pays at the bank and never comes back
    customer, order_id, authority = await _started(zp_world)
    assert (await zp_world.core.payments.callback(authority, "NOK"))["payment_status"] == "pending"
    zarinpal_server.control.pay(authority)
    # when the reconciliation job runs (the gateway lists the session as paid but unverified)
    assert await zp_world.core.payments.reconcile() == 1
    # then the payment is verified over HTTP and the order paid, once
    order = await zp_world.core.customer_order(customer, order_id)
    assert order["status"] == "paid"
    assert [p["status"] for p in order["payments"]] == ["paid"]
    assert zarinpal_server.control.payment(authority)["state"] == "VERIFIED"
    assert await scalar(zp_world.engine, "SELECT count(*) FROM export_job WHERE order_id = :o", o=order_id) == 1


async def test_failed_payment_of_a_waiting_order_is_rechecked_through_inquiry(world: StoreWorld) -> None:
    # given a payment recorded failed while its order still waits, which the buyer did pay at the bank
    customer, order_id, authority = await _started(world)
    async with world.engine.begin() as conn:
        await conn.execute(text("UPDATE payment SET status = 'failed', error = 'cancelled by the buyer'"))
    world.gateway.pay(authority)
    await _age_checks(world)
    # when the reconciler runs and unVerified gives no answer (only inquiry can tell)
    world.gateway.fail_next(PaymentGatewayUnavailable("timeout"))
    assert await world.core.payments.reconcile() == 1
    # then inquiry says paid, the payment is verified and the order paid
    assert (await world.core.customer_order(customer, order_id))["status"] == "paid"
    assert await scalar(world.engine, "SELECT status FROM payment") == "paid"


async def test_reconcile_inquires_unpaid_sessions_and_keeps_them_open(world: StoreWorld) -> None:
    # given a buyer still at the bank, last checked long ago
    _customer, _order_id, authority = await _started(world)
    await _age_checks(world)
    # when the reconciler runs
    assert await world.core.payments.reconcile() == 1
    # then the session was asked about, not verified, and stays pending; a second run soon after skips it
    assert await scalar(world.engine, "SELECT status FROM payment") == "pending"
    assert "in_bank" in await scalar(world.engine, "SELECT error FROM payment")
    assert await scalar(world.engine, "SELECT checked_at > now() - interval '1 minute' FROM payment")
    assert await world.core.payments.reconcile() == 0
    assert world.gateway.sessions[authority].state == "created"


async def test_order_paid_at_the_bank_does_not_expire_unverified(world: StoreWorld) -> None:
    # given a buyer who paid at the bank without coming back, the hold ending before any reconciliation
    customer, order_id, authority = await _started(world)
    world.gateway.pay(authority)
    await _end_hold(world)
    # when the expiry job runs before the reconciler had a chance: the order is kept
    from hamgam.services.store import jobs

    assert await jobs.release_expired(world.core.uow) == 0
    # and when the jobs run (unVerified not answering), inquiry finds the payment and the order is paid
    world.gateway.fail_next(PaymentGatewayUnavailable("timeout"))
    await world.core.run_jobs_once()
    assert (await world.core.customer_order(customer, order_id))["status"] == "paid"


async def test_order_expires_once_its_payments_are_checked_unpaid(world: StoreWorld) -> None:
    # given an order whose buyer never paid, its hold over
    customer, order_id, authority = await _started(world)
    await _end_hold(world)
    # when the gateway cannot be asked, the order keeps its stock
    world.gateway.fail_next(PaymentGatewayUnavailable("timeout"), times=2)
    await world.core.run_jobs_once()
    assert (await world.core.customer_order(customer, order_id))["status"] == "pending_payment"
    # when the gateway says the session was never paid, the order expires
    await world.core.run_jobs_once()
    final = await world.core.customer_order(customer, order_id)
    assert final["status"] == "expired"
    assert [p["status"] for p in final["payments"]] == ["failed"]
    assert world.gateway.sessions[authority].state == "created"


async def test_unreadable_inquiry_does_not_let_the_order_expire(world: StoreWorld) -> None:
    # given an order whose hold ended, and a gateway whose inquiry answers a status nobody knows
    core = _core_with(world, UnreadableInquiry(world.gateway))
    customer = await add_customer(world.engine, "09120000001")
    detail = await seed_product(world.engine, 1, "چای", stock=5)
    order = await buy(world, customer, detail, 1)
    await core.payments.start(order["id"], customer)
    await _end_hold(world)
    # when the jobs run: the payment was not really checked, so the order keeps its stock
    await core.run_jobs_once()
    assert (await world.core.customer_order(customer, order["id"]))["status"] == "pending_payment"
    assert await scalar(world.engine, "SELECT checked_at IS NULL FROM payment")


def _core_with(world: StoreWorld, gateway: object):
    return build_store_core(
        store_settings(), world.engine, world.queue, gateway=gateway, sms=InMemorySms(),  # type: ignore[arg-type]
        limiter=MemoryRateLimiter(), jwt_secret=JWT_SECRET, read_engine=world.read_engine,
    )  # fmt: skip
