"""The stock ledger's rules against in-memory repositories: all-or-nothing holds, the counter moving with the
ledger's states, idempotent moves, and the expiry job giving unpaid stock back."""

from __future__ import annotations

import datetime as dt

import pytest

from hamgam.domain.errors import Conflict, OutOfStock
from hamgam.domain.orders import OrderStatus
from hamgam.services.store import jobs, reservations
from hamgam.services.store.orders import transition
from tests.fakes.store import StoreData, store_uow

LATER = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def shop() -> StoreData:
    data = StoreData()
    data.add_product(1, on_hand=5)
    data.add_product(2, on_hand=2.9)  # Mahak sends fractions: 2 whole units
    data.add_product(3, on_hand=-4)  # stock owed between warehouses: nothing to sell
    data.customers[7] = "09121234567"
    return data


def pending_order(data: StoreData, order_id: int, *, until: dt.datetime = LATER) -> None:
    data.orders[order_id] = {
        "id": order_id, "customer_id": 7, "status": "pending_payment", "total_rial": 1, "reserved_until": until,
    }  # fmt: skip


async def test_a_reservation_holds_every_line_or_none() -> None:
    data = shop()
    uow = store_uow(data)
    # when an order asks for more of detail 2 than there is, after a line that fits
    with pytest.raises(OutOfStock) as raised:
        async with uow() as tx:
            await reservations.reserve(tx, 1, [(2, 3), (1, 4)], LATER)
    # then the buyer is told what is left, and nothing stays held
    assert raised.value.details["available"] == 2
    assert data.holds == {} and data.ledger == []
    # and an order that fits holds each line and lowers what is available
    async with uow() as tx:
        await reservations.reserve(tx, 1, [(2, 2), (1, 4)], LATER)
    assert (data.available(1), data.available(2)) == (1, 0)
    assert sorted((r["product_detail_id"], r["state"]) for r in data.ledger) == [(1, "held"), (2, "held")]


async def test_negative_stock_sells_nothing() -> None:
    data = shop()
    with pytest.raises(OutOfStock):
        async with store_uow(data)() as tx:
            await reservations.reserve(tx, 1, [(3, 1)], LATER)
    assert data.available(3) == 0


async def test_units_count_until_invoiced_and_come_back_once_released() -> None:
    data = shop()
    uow = store_uow(data)
    async with uow() as tx:
        await reservations.reserve(tx, 1, [(1, 3)], LATER)
    # paid, then sent to Mahak: still held against the stock
    async with uow() as tx:
        assert await reservations.commit_paid(tx, 1) == 1
        assert await reservations.mark_sent_to_mahak(tx, 1) == 1
    assert data.available(1) == 2
    # invoiced: Mahak's own figure now counts them, so the store stops holding them
    async with uow() as tx:
        assert await reservations.mark_invoiced(tx, 1) == 1
        # moving again changes nothing (idempotent)
        assert await reservations.mark_invoiced(tx, 1) == 0
        assert await reservations.release(tx, 1) == 0
    assert data.holds[1] == 0 and data.available(1) == 5


async def test_the_expiry_job_releases_unpaid_orders_only() -> None:
    data = shop()
    uow = store_uow(data)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    pending_order(data, 1, until=past)
    pending_order(data, 2, until=LATER)
    pending_order(data, 3, until=past)
    async with uow() as tx:
        for order_id in (1, 2, 3):
            await reservations.reserve(tx, order_id, [(1, 1)], LATER)
        # order 3 has a payment whose verify outcome is unknown: its stock is kept
        await tx.payments.add(order_id=3, provider="memory", authority="A3", amount_rial=1)
        await tx.payments.set_status("A3", "unknown", error="timeout")
    assert data.available(1) == 2
    # when the job runs
    assert await jobs.release_expired(uow) == 1
    # then only the order whose hold ended, with nothing unsettled, expired; its unit is sellable again
    assert [data.orders[i]["status"] for i in (1, 2, 3)] == ["expired", "pending_payment", "pending_payment"]
    assert data.available(1) == 3
    assert [e["to_status"] for e in data.order_events if e["order_id"] == 1] == ["expired"]
    # and running it again expires nothing more
    assert await jobs.release_expired(uow) == 0


async def test_a_forbidden_transition_changes_nothing() -> None:
    data = shop()
    uow = store_uow(data)
    pending_order(data, 1)
    async with uow() as tx:
        await reservations.reserve(tx, 1, [(1, 2)], LATER)
    with pytest.raises(Conflict):
        async with uow() as tx:
            await transition(tx, 1, OrderStatus.INVOICED, actor="staff:test")
    assert data.orders[1]["status"] == "pending_payment" and data.available(1) == 3
