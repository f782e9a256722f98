"""Payments against in-memory repositories and the in-memory gateway: only the gateway's verify pays an order,
exactly once; the amount is ours; an unknown outcome keeps the stock; money an order did not need goes back."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from hamgam.adapters.payments.memory import InMemoryPaymentGateway
from hamgam.domain.errors import Conflict, NotFound
from hamgam.domain.payments import PaymentGatewayUnavailable
from hamgam.services.store import reservations
from hamgam.services.store.payments import PaymentService
from tests.fakes.store import RecordingPaidOrders, StoreData, store_uow

CUSTOMER = 7
TOTAL = 2_450_000


def world(*, until: dt.datetime | None = None) -> tuple[StoreData, InMemoryPaymentGateway, PaymentService]:
    data = StoreData()
    data.add_product(1, on_hand=3)
    data.customers[CUSTOMER] = "09121234567"
    data.orders[1] = {
        "id": 1, "customer_id": CUSTOMER, "status": "pending_payment", "total_rial": TOTAL,
        "reserved_until": until or dt.datetime.now(dt.UTC) + dt.timedelta(minutes=15),
    }  # fmt: skip
    data.holds[1] = 1
    data.ledger.append({"order_id": 1, "product_detail_id": 1, "quantity": 1, "state": "held", "expires_at": None})
    gateway = InMemoryPaymentGateway()
    payments = PaymentService(
        store_uow(data), gateway, callback_url="https://shop.example/cb", provider="memory", reconcile_after_s=60,
        paid_orders=RecordingPaidOrders(),
    )  # fmt: skip
    return data, gateway, payments


async def test_a_verified_payment_pays_the_order_once() -> None:
    data, gateway, payments = world()
    started = await payments.start(1, CUSTOMER)
    assert started["amount_rial"] == TOTAL
    gateway.pay(started["authority"])
    # when the buyer comes back twice at once, and once more later
    first, second = await asyncio.gather(
        payments.callback(started["authority"], "OK"), payments.callback(started["authority"], "OK")
    )
    third = await payments.verify(started["authority"])
    # then the order is paid once: one event, one announcement, the hold committed, one SMS event
    assert first == second == third
    assert (first["payment_status"], first["order_status"]) == ("paid", "paid")
    assert [e["to_status"] for e in data.order_events] == ["paid"]
    assert data.paid_announced == [1]
    assert [r["state"] for r in data.ledger] == ["committed"] and data.holds[1] == 1
    assert [e["topic"] for e in data.events] == ["events.sms"]


async def test_the_buyers_word_is_not_a_verdict() -> None:
    data, _, payments = world()
    started = await payments.start(1, CUSTOMER)
    # the buyer's browser says OK, but the gateway says the session was not paid
    outcome = await payments.callback(started["authority"], "OK")
    assert (outcome["payment_status"], outcome["order_status"]) == ("pending", "pending_payment")
    assert data.paid_announced == []


async def test_an_unknown_outcome_keeps_the_stock_and_the_reconciler_settles_it() -> None:
    data, gateway, payments = world()
    started = await payments.start(1, CUSTOMER)
    gateway.pay(started["authority"])
    gateway.fail_next(PaymentGatewayUnavailable("timeout"))
    outcome = await payments.verify(started["authority"])
    assert (outcome["payment_status"], outcome["order_status"]) == ("unknown", "pending_payment")
    assert data.holds[1] == 1
    # when the reconciler runs, the session listed as paid is verified
    assert await payments.reconcile() == 1
    assert data.orders[1]["status"] == "paid" and data.paid_announced == [1]


async def test_a_payment_for_an_order_that_no_longer_waits_is_given_back() -> None:
    data, gateway, payments = world()
    started = await payments.start(1, CUSTOMER)
    gateway.pay(started["authority"])
    async with store_uow(data)() as uow:  # the order was cancelled meanwhile
        await uow.orders.set_status(1, "cancelled")
        await reservations.release(uow, 1)
    outcome = await payments.verify(started["authority"])
    assert (outcome["payment_status"], outcome["order_status"]) == ("reversed", "cancelled")
    assert data.paid_announced == []


async def test_only_a_held_order_of_the_customer_can_be_paid() -> None:
    _, _, payments = world(until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    with pytest.raises(Conflict):
        await payments.start(1, CUSTOMER)
    with pytest.raises(NotFound):
        await payments.start(1, CUSTOMER + 1)
    with pytest.raises(NotFound):
        await payments.verify("A-unknown")


async def test_a_stored_amount_that_differs_from_the_order_fails_without_asking_the_gateway() -> None:
    data, gateway, payments = world()
    started = await payments.start(1, CUSTOMER)
    gateway.pay(started["authority"])
    data.payments[started["authority"]]["amount_rial"] = 1_000
    outcome = await payments.verify(started["authority"])
    assert (outcome["payment_status"], outcome["order_status"]) == ("failed", "pending_payment")
    assert data.payments[started["authority"]]["error"] == "payment amount differs from the order total"
