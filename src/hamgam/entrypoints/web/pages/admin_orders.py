"""Admin panel: orders (list, filter by status or mobile, detail, the status moves staff may make, the order's
printouts and its refunds)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Path, Query

from hamgam.domain.errors import Conflict, InvalidInput, StoreError
from hamgam.domain.fulfilment import PrintKind
from hamgam.domain.orders import SOLD, STAFF_TARGETS, TRANSITIONS, OrderStatus
from hamgam.domain.persian import InvalidIdentifier, normalize_mobile
from hamgam.domain.refunds import history
from hamgam.entrypoints.web.deps import StaffPage
from hamgam.entrypoints.web.i18n import N_
from hamgam.entrypoints.web.pages.account import CARRIER_LABELS, STATUS_LABELS
from hamgam.entrypoints.web.pages.common import MAX_PAGE, Id, document_response, page_router, parse_int
from hamgam.services.store.orders import get_order, list_orders

#: The states of a payment row (``hamgam.domain.payments.PaymentStatus``) as staff read them.
PAYMENT_LABELS = {
    "pending": N_("Not paid yet"),
    "verifying": N_("Being verified"),
    "unknown": N_("Awaiting the gateway's answer"),
    "paid": N_("Paid"),
    "failed": N_("Not paid"),
    "reversed": N_("Returned by the gateway"),
    "refund_due": N_("To refund"),
}
#: How each refund method reads (``hamgam.domain.refunds.RefundMethod``).
REFUND_METHOD_LABELS = {
    "card_to_card": N_("Card to card"),
    "gateway_reversal": N_("Reversed through the payment gateway"),
    "cash": N_("Cash"),
    "credit": N_("Store credit"),
}

router = page_router()
PER_PAGE = 30
Text = Annotated[str | None, Query(max_length=32)]


@router.get("/admin/orders")
async def orders(
    page: StaffPage,
    status: Text = None,
    mobile: Text = None,
    page_: Annotated[str | None, Query(alias="page", max_length=10)] = None,
):
    number = parse_int(page_, low=1, high=MAX_PAGE) or 1
    wanted = status if status in STATUS_LABELS else None
    phone = None
    if mobile:
        try:
            phone = normalize_mobile(mobile)
        except InvalidIdentifier:
            phone = "-"
    items, total = await list_orders(
        page.container.store.uow, status=wanted, mobile=phone, offset=(number - 1) * PER_PAGE, limit=PER_PAGE
    )
    return page.render(
        "admin/orders.html",
        orders=items,
        total=total,
        labels=STATUS_LABELS,
        status=wanted or "",
        mobile=mobile or "",
        page_number=number,
        pages=max(1, -(-total // PER_PAGE)),
    )


#: The printouts of one order, by the name in their address.
_PRINT_PATHS = {"invoice": PrintKind.INVOICE, "packing": PrintKind.PACKING_LIST, "label": PrintKind.LABEL}

#: Moves that are not one click: shipping needs its carrier and code, cancelling a confirmation step.
_OWN_STEP = frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED})


@router.get("/admin/orders/{order_id}")
async def order(page: StaffPage, order_id: Id):
    return await order_page(page, order_id)


async def order_page(page: StaffPage, order_id: Id, status_code: int = 200, **extra: Any):
    """The order's page; ``extra`` carries a refund form's error and typed values back to it."""
    found = await get_order(page.container.store.uow, order_id)
    current = OrderStatus(found["status"])
    allowed = TRANSITIONS[current]
    actions = [s for s in OrderStatus if s in STAFF_TARGETS and s in allowed and s not in _OWN_STEP]
    customer = await page.core.accounts.profile(found["customer_id"])
    return page.render(
        "admin/order.html",
        status_code,
        order=found,
        history=history(found["events"], found["refunds"]["items"]),
        customer=customer,
        actions=actions,
        can_ship=OrderStatus.SHIPPED in allowed,
        can_cancel=OrderStatus.CANCELLED in allowed,
        has_invoice=current in SOLD,
        carriers=CARRIER_LABELS,
        labels=STATUS_LABELS,
        payment_labels=PAYMENT_LABELS,
        refund_methods=REFUND_METHOD_LABELS,
        refund_error=extra.get("refund_error"),
        refund_typed=extra.get("refund_typed") or {},
        shipping_titles={m.code: m.title for m in await page.core.checkout.shipping_methods(active_only=False)},
    )


@router.post("/admin/orders/{order_id}/ship")
async def ship(
    page: StaffPage,
    order_id: Id,
    carrier: Annotated[str, Form(max_length=16)],
    tracking_code: Annotated[str, Form(max_length=64)],
):
    """Hand the order to a carrier: the buyer sees the tracking code on their order page and gets it by SMS."""
    assert page.user is not None
    try:
        await page.core.ship_order(order_id, carrier, tracking_code, page.user.actor)
    except StoreError as exc:
        return page.redirect(f"/admin/orders/{order_id}", flash=page.error_text(exc), kind="error")
    return page.redirect(f"/admin/orders/{order_id}", flash=N_("The order was marked shipped and the buyer was told."))


@router.get("/admin/orders/{order_id}/cancel")
async def confirm_cancel(page: StaffPage, order_id: Id):
    """The confirmation step before cancelling: what cancelling does, and a second button."""
    found = await get_order(page.container.store.uow, order_id)
    if OrderStatus.CANCELLED not in TRANSITIONS[OrderStatus(found["status"])]:
        flash = N_("This order can no longer be cancelled.")
        return page.redirect(f"/admin/orders/{order_id}", flash=flash, kind="error")
    return page.render(
        "admin/order_cancel.html",
        order=found,
        paid=found["paid_at"] is not None,
        labels=STATUS_LABELS,
    )


@router.get("/admin/orders/{order_id}/{kind}.pdf")
async def printout(page: StaffPage, order_id: Id, kind: Annotated[str, Path(max_length=16)]):
    """The order's sales invoice, packing list or shipping label, to print."""
    what = _PRINT_PATHS.get(kind)
    if what is None:
        return page.redirect(f"/admin/orders/{order_id}", flash=N_("Choose what to print."), kind="error")
    try:
        if what is PrintKind.INVOICE:
            document = await page.core.invoices.sales_invoice(order_id)
        else:
            document = await page.core.invoices.print_orders(what, [order_id])
    except Conflict as exc:
        return page.redirect(f"/admin/orders/{order_id}", flash=page.error_text(exc), kind="error")
    return document_response(document)


@router.post("/admin/orders/{order_id}/refund")
async def refund(
    page: StaffPage,
    order_id: Id,
    amount: Annotated[str, Form(max_length=32)] = "",
    method: Annotated[str, Form(max_length=32)] = "",
    note: Annotated[str, Form(max_length=1000)] = "",
):
    """Record a refund paid out to the buyer (amount typed in Toman). A bad field shows the order page again
    with the message beside the field and everything typed kept."""
    assert page.user is not None
    toman = parse_int(amount, low=0)
    try:
        if toman is None:
            raise InvalidInput("مبلغ را به تومان و با رقم بنویسید — type the amount in Toman", field="amount_rial")
        await page.core.refund_order(order_id, amount_rial=toman * 10, method=method, note=note, actor=page.user.actor)
    except InvalidInput as exc:
        typed = {"amount": amount, "method": method, "note": note}
        error = (exc.field, page.error_text(exc))
        return await order_page(page, order_id, 400, refund_error=error, refund_typed=typed)
    except StoreError as exc:
        return page.redirect(f"/admin/orders/{order_id}", flash=page.error_text(exc), kind="error")
    return page.redirect(f"/admin/orders/{order_id}#refunds", flash=N_("The refund was recorded."))


@router.post("/admin/orders/{order_id}/status")
async def change_status(
    page: StaffPage,
    order_id: Id,
    status: Annotated[str, Form(max_length=32)],
    reason: Annotated[str, Form(max_length=500)] = "",
    confirmed: Annotated[str, Form(max_length=8)] = "",
):
    assert page.user is not None
    try:
        target = OrderStatus(status)
        if target is OrderStatus.CANCELLED and confirmed != "yes":
            return page.redirect(f"/admin/orders/{order_id}/cancel")
        await page.core.change_order_status(
            order_id, target, page.user.actor, reason.strip() or None, confirmed=confirmed == "yes"
        )
    except ValueError:
        return page.redirect(f"/admin/orders/{order_id}", flash=N_("Unknown status."), kind="error")
    except StoreError as exc:
        return page.redirect(f"/admin/orders/{order_id}", flash=page.error_text(exc), kind="error")
    await page.core.publish_events()
    return page.redirect(f"/admin/orders/{order_id}", flash=N_("Order status changed."))
