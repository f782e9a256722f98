"""After the purchase, without a database: the buyer's states, carriers' tracking codes and links, staff
shipping an order (shipment, status, SMS event and audit in one transaction) and the shipped SMS text."""

from __future__ import annotations

import orjson
import pytest

from hamgam.domain.errors import Conflict, InvalidInput
from hamgam.domain.orders import BuyerState, OrderStatus, buyer_state, buyer_timeline
from hamgam.domain.shipping import Carrier, normalize_tracking_code, tracking_url
from hamgam.services.store.notifier import render
from hamgam.services.store.orders import get_order, list_orders, transition
from hamgam.services.store.shipping import ship_order
from tests.fakes.store import StoreData, store_uow
from tests.unit.test_store_checkout import ADDRESS, CUSTOMER, fill, services, shop

S = OrderStatus
POST_CODE = "123456789012345678901234"


def test_buyers_never_see_the_accounting_steps() -> None:
    assert {buyer_state(s) for s in (S.SENT_TO_ACCOUNTING, S.INVOICED)} == {BuyerState.PREPARING}
    assert buyer_state(S.SHIPPED) is BuyerState.SHIPPED
    assert buyer_state(S.EXPIRED) is BuyerState.CANCELLED
    events = [{"to_status": s, "at": n} for n, s in enumerate(["pending_payment", "paid", "sent_to_accounting",
                                                                "invoiced", "shipped"])]  # fmt: skip
    assert [e["state"] for e in buyer_timeline(events)] == ["awaiting_payment", "paid", "preparing", "shipped"]
    assert [e["at"] for e in buyer_timeline(events)] == [0, 1, 2, 4]


def test_tracking_codes_are_checked_per_carrier_and_linked() -> None:
    assert normalize_tracking_code(Carrier.POST, "۱۲۳۴ ۵۶۷۸ ۹۰۱۲ ۳۴۵۶ ۷۸۹۰ ۱۲۳۴") == POST_CODE
    with pytest.raises(InvalidInput) as short:
        normalize_tracking_code(Carrier.POST, "12345")
    assert short.value.field == "tracking_code"
    with pytest.raises(InvalidInput):
        normalize_tracking_code(Carrier.TIPAX, "ABC-123")
    assert normalize_tracking_code(Carrier.COURIER, " PK-12 ") == "PK-12"
    assert tracking_url(Carrier.POST, POST_CODE) == f"https://tracking.post.ir/?id={POST_CODE}"
    assert tracking_url("tipax", "12345678").endswith("12345678")
    assert tracking_url(Carrier.COURIER, "PK-12") is None


async def _invoiced_order(data: StoreData) -> int:
    carts, checkout = services(data)
    await fill(carts, (1, 1))
    order = await checkout.place_order(CUSTOMER, shipping_method="post", address=ADDRESS, note=None)
    for target in (S.PAID, S.SENT_TO_ACCOUNTING, S.INVOICED):
        async with store_uow(data)() as uow:
            await transition(uow, order["id"], target, actor="test")
    return int(order["id"])


async def test_staff_ship_an_order_and_the_buyer_is_told_the_carrier_and_code() -> None:
    data = shop()
    order_id = await _invoiced_order(data)
    shipment = await ship_order(
        store_uow(data), order_id, carrier="post", tracking_code="۱۲۳۴۵۶۷۸۹۰۱۲۳۴۵۶۷۸۹۰۱۲۳۴", actor="staff:1"
    )
    assert shipment["tracking_code"] == POST_CODE and shipment["tracking_url"].endswith(POST_CODE)
    order = await get_order(store_uow(data), order_id, customer_id=CUSTOMER)
    assert (order["status"], order["state"]) == ("shipped", "shipped")
    assert order["shipment"]["carrier"] == "post" and order["shipment"]["tracking_code"] == POST_CODE
    # the SMS event of this move carries the carrier, the code and the link
    sms = orjson.loads(data.events[-1]["body"])
    assert (sms["type"], sms["carrier"], sms["tracking_code"]) == ("order.shipped", "post", POST_CODE)
    text = render(sms)
    assert text is not None and "ارسال شد" in text and "پست" in text and POST_CODE in text
    assert f"https://tracking.post.ir/?id={POST_CODE}" in text
    # and the audit log has it, written in the same unit of work
    assert data.audit == [
        ("staff:1", "order.ship", f"order:{order_id}", {"carrier": "post", "tracking_code": POST_CODE,
                                                         "from": "invoiced"}),
    ]  # fmt: skip
    items, _ = await list_orders(store_uow(data), customer_id=CUSTOMER)
    assert items[0]["state"] == "shipped"


async def test_a_bad_code_or_an_unpaid_or_shipped_order_changes_nothing() -> None:
    data = shop()
    order_id = await _invoiced_order(data)
    with pytest.raises(InvalidInput) as bad:
        await ship_order(store_uow(data), order_id, carrier="tipax", tracking_code="abc", actor="staff:1")
    assert bad.value.field == "tracking_code"
    with pytest.raises(InvalidInput) as unknown:
        await ship_order(store_uow(data), order_id, carrier="dhl", tracking_code="123", actor="staff:1")
    assert unknown.value.field == "carrier"
    assert data.shipments == {} and data.audit == []
    await ship_order(store_uow(data), order_id, carrier="courier", tracking_code="PK-7", actor="staff:1")
    with pytest.raises(Conflict):
        await ship_order(store_uow(data), order_id, carrier="courier", tracking_code="PK-8", actor="staff:1")
    assert data.shipments[order_id]["tracking_code"] == "PK-7" and len(data.audit) == 1
    # an order still awaiting payment cannot be shipped: nothing is written
    carts, checkout = services(data)
    await fill(carts, (1, 1))
    pending = await checkout.place_order(CUSTOMER, shipping_method="post", address=ADDRESS, note=None)
    with pytest.raises(Conflict):
        await ship_order(store_uow(data), pending["id"], carrier="courier", tracking_code="PK-9", actor="staff:1")
    assert pending["id"] not in data.shipments and len(data.audit) == 1


def test_a_courier_shipment_is_texted_without_a_link_and_an_old_event_still_reads() -> None:
    courier = {"type": "order.shipped", "order_id": 12, "mobile": "09121234567", "total_rial": 10,
               "carrier": "courier", "tracking_code": "PK-7", "tracking_url": None}  # fmt: skip
    assert render(courier) == "سفارش ۱۲ ارسال شد. پیک، کد رهگیری: PK-7"
    old = {"type": "order.shipped", "order_id": 12, "mobile": "09121234567", "total_rial": 10}
    assert render(old) == "سفارش ۱۲ ارسال شد."
