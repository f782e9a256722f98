"""Fulfilling orders without a database: printing many orders in one document, shipping many at once (each
order on its own), and refunds (validated, never above what was paid, audited)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from hamgam.adapters.pdf.fulfilment import PdfFulfilmentRenderer
from hamgam.adapters.pdf.invoice import PdfInvoiceRenderer
from hamgam.domain.errors import Conflict, InvalidInput
from hamgam.domain.fulfilment import PrintKind
from hamgam.domain.orders import OrderStatus
from hamgam.domain.refunds import MahakReturn, check_refund, history, is_full, mahak_return
from hamgam.services.store.invoices import InvoiceService, seller_party
from hamgam.services.store.orders import get_order, transition
from hamgam.services.store.refunds import record_refund
from hamgam.services.store.shipping import ShipmentRequest, ship_many
from tests.fakes.store import StoreData, store_uow
from tests.unit.test_order_shipping import _invoiced_order
from tests.unit.test_store_checkout import ADDRESS, CUSTOMER, fill, services, shop

S = OrderStatus
TIPAX = "1234567890"


async def _pending_order(data: StoreData) -> int:
    carts, checkout = services(data)
    await fill(carts, (1, 1))
    order = await checkout.place_order(CUSTOMER, shipping_method="post", address=ADDRESS, note=None)
    return int(order["id"])


def _printer(data: StoreData) -> InvoiceService:
    return InvoiceService(
        store_uow(data),
        PdfInvoiceRenderer(),
        lambda: seller_party("فروشگاه همگام"),
        fulfilment=PdfFulfilmentRenderer(),
    )


async def test_many_orders_print_as_one_document_a_page_each() -> None:
    data = shop()
    first, second = await _invoiced_order(data), await _invoiced_order(data)
    printer = _printer(data)
    for kind in PrintKind:
        document = await printer.print_orders(kind, [first, second, first])
        pages = PdfReader(io.BytesIO(document.content)).pages
        assert len(pages) == 2, kind
        assert document.filename.endswith(".pdf") and "2" in document.filename
    label = await printer.print_orders(PrintKind.LABEL, [first])
    assert "پست پیشتاز" in PdfReader(io.BytesIO(label.content)).pages[0].extract_text()


async def test_printing_refuses_orders_that_are_not_sales_and_prints_nothing() -> None:
    data = shop()
    sold, unpaid = await _invoiced_order(data), await _pending_order(data)
    with pytest.raises(Conflict) as refused:
        await _printer(data).print_orders(PrintKind.LABEL, [sold, unpaid])
    assert refused.value.details["orders"] == [unpaid]
    with pytest.raises(InvalidInput):
        await _printer(data).print_orders(PrintKind.INVOICE, [])


async def test_shipping_many_ships_each_order_on_its_own_and_reports_each() -> None:
    data = shop()
    good, bad_code, unpaid = await _invoiced_order(data), await _invoiced_order(data), await _pending_order(data)
    outcomes = await ship_many(
        store_uow(data),
        [ShipmentRequest(good, "tipax", TIPAX), ShipmentRequest(bad_code, "tipax", "x1"),
         ShipmentRequest(unpaid, "courier", "PK-1")],
        actor="staff:1",
    )  # fmt: skip
    assert [(o.order_id, o.shipped) for o in outcomes] == [(good, True), (bad_code, False), (unpaid, False)]
    assert outcomes[0].shipment and outcomes[0].shipment["tracking_code"] == TIPAX
    assert outcomes[1].field == "tracking_code" and outcomes[1].reason
    assert outcomes[2].field is None and outcomes[2].reason
    assert [(await get_order(store_uow(data), n))["status"] for n in (good, bad_code, unpaid)] == [
        "shipped", "invoiced", "pending_payment"]  # fmt: skip
    batch = [a for a in data.audit if a[1] == "order.ship_batch"]
    assert batch and batch[-1][3]["shipped"] == [good] and set(batch[-1][3]["refused"]) == {str(bad_code), str(unpaid)}


def test_refund_rules() -> None:
    refund = check_refund(amount_rial=10_000, method="cash", note=" ok ", paid_rial=50_000, refunded_rial=40_000)
    assert (refund.amount_rial, str(refund.method), refund.note) == (10_000, "cash", "ok")
    for amount, method, field in ((0, "cash", "amount_rial"), (10_001, "cash", "amount_rial"), (1, "gift", "method")):
        with pytest.raises(InvalidInput) as bad:
            check_refund(amount_rial=amount, method=method, note="", paid_rial=50_000, refunded_rial=40_000)
        assert bad.value.field == field
    with pytest.raises(InvalidInput) as long_note:
        check_refund(amount_rial=1, method="cash", note="x" * 501, paid_rial=5, refunded_rial=0)
    assert long_note.value.field == "note"
    with pytest.raises(Conflict):
        check_refund(amount_rial=1, method="cash", note="", paid_rial=0, refunded_rial=0)
    with pytest.raises(Conflict):
        check_refund(amount_rial=1, method="cash", note="", paid_rial=5, refunded_rial=5)
    assert is_full(10_000, paid_rial=50_000, refunded_rial=40_000)
    assert not is_full(9_999, paid_rial=50_000, refunded_rial=40_000)
    assert mahak_return("cancelled", fully_refunded=True) is MahakReturn.BY_CANCELLATION
    assert mahak_return("delivered", fully_refunded=True) is MahakReturn.BY_REFUND
    assert mahak_return("cancelled", fully_refunded=False) is MahakReturn.NONE


async def test_refunds_add_up_to_at_most_what_was_paid_and_are_audited() -> None:
    data = shop()
    order_id = await _invoiced_order(data)
    unpaid = await _pending_order(data)
    total = (await get_order(store_uow(data), order_id))["total_rial"]
    with pytest.raises(Conflict):
        await record_refund(store_uow(data), unpaid, amount_rial=1, method="cash", note="", actor="staff:1")
    part = await record_refund(
        store_uow(data), order_id, amount_rial=total - 10, method="card_to_card", note="کالای آسیب‌دیده", actor="staff:1"
    )
    assert (part["is_full"], part["mahak_return"]) == (False, "none")
    with pytest.raises(InvalidInput):
        await record_refund(store_uow(data), order_id, amount_rial=11, method="cash", note="", actor="staff:1")
    async with store_uow(data)() as uow:
        await transition(uow, order_id, S.CANCELLED, actor="staff:1", reason="test")
    rest = await record_refund(store_uow(data), order_id, amount_rial=10, method="cash", note="", actor="staff:2")
    assert (rest["is_full"], rest["mahak_return"]) == (True, "by_cancellation")
    seen = (await get_order(store_uow(data), order_id))["refunds"]
    assert [r["amount_rial"] for r in seen["items"]] == [total - 10, 10]
    assert (seen["refunded_rial"], seen["refundable_rial"], seen["mahak_return"]) == (total, 0, "by_cancellation")
    audited = [a for a in data.audit if a[1] == "order.refund"]
    assert [(a[0], a[3]["amount_rial"], a[3]["full"]) for a in audited] == [("staff:1", total - 10, False),
                                                                          ("staff:2", 10, True)]  # fmt: skip


def test_the_history_puts_refunds_among_the_status_changes_by_time() -> None:
    at = [dt.datetime(2026, 12, 7, 9, m, tzinfo=dt.UTC) for m in range(4)]
    events = [{"at": at[0], "to_status": "paid"}, {"at": at[2], "to_status": "cancelled"}]
    refunds = [{"created_at": at[2], "amount_rial": 10, "method": "cash"}, {"created_at": at[1], "amount_rial": 5}]
    entries = history(events, refunds)
    assert [(e["kind"], e["at"]) for e in entries] == [
        ("status", at[0]), ("refund", at[1]), ("status", at[2]), ("refund", at[2])
    ]  # fmt: skip
    assert entries[3]["amount_rial"] == 10 and entries[2]["to_status"] == "cancelled"
