"""Admin panel: orders (list, filter by status or mobile, detail, the status moves staff may make)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query

from hamgam.domain.errors import StoreError
from hamgam.domain.orders import STAFF_TARGETS, TRANSITIONS, OrderStatus
from hamgam.domain.persian import InvalidIdentifier, normalize_mobile
from hamgam.entrypoints.web.deps import StaffPage
from hamgam.entrypoints.web.i18n import N_
from hamgam.entrypoints.web.pages.account import STATUS_LABELS
from hamgam.entrypoints.web.pages.common import MAX_PAGE, Id, page_router, parse_int
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


@router.get("/admin/orders/{order_id}")
async def order(page: StaffPage, order_id: Id):
    found = await get_order(page.container.store.uow, order_id)
    current = OrderStatus(found["status"])
    actions = [s for s in OrderStatus if s in STAFF_TARGETS and s in TRANSITIONS[current]]
    customer = await page.core.accounts.profile(found["customer_id"])
    return page.render(
        "admin/order.html",
        order=found,
        customer=customer,
        actions=actions,
        labels=STATUS_LABELS,
        payment_labels=PAYMENT_LABELS,
        shipping_titles={m.code: m.title for m in page.core.checkout.shipping_methods()},
    )


@router.post("/admin/orders/{order_id}/status")
async def change_status(
    page: StaffPage,
    order_id: Id,
    status: Annotated[str, Form(max_length=32)],
    reason: Annotated[str, Form(max_length=500)] = "",
):
    assert page.user is not None
    try:
        target = OrderStatus(status)
        await page.core.change_order_status(order_id, target, page.user.actor, reason.strip() or None)
    except ValueError:
        return page.redirect(f"/admin/orders/{order_id}", flash=N_("Unknown status."), kind="error")
    except StoreError as exc:
        return page.redirect(f"/admin/orders/{order_id}", flash=page.error_text(exc), kind="error")
    await page.core.publish_events()
    return page.redirect(f"/admin/orders/{order_id}", flash=N_("Order status changed."))
