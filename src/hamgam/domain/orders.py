"""The order state machine. Every change goes through ``check_transition`` and is recorded as an event.

pending_payment → paid → sent_to_accounting → invoiced → shipped → delivered
pending_payment → cancelled | expired
paid | sent_to_accounting | invoiced → cancelled   (staff only; money goes back outside this system)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from hamgam.domain.errors import ConfirmationRequired, Conflict
from hamgam.domain.persian import format_toman


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SENT_TO_ACCOUNTING = "sent_to_accounting"
    INVOICED = "invoiced"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


S = OrderStatus

#: Allowed moves; anything else is a ``Conflict``.
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.CANCELLED, S.EXPIRED}),
    S.PAID: frozenset({S.SENT_TO_ACCOUNTING, S.CANCELLED}),
    S.SENT_TO_ACCOUNTING: frozenset({S.INVOICED, S.CANCELLED}),
    S.INVOICED: frozenset({S.SHIPPED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
}

#: Moves staff may make by hand. ``paid`` only comes from a verified payment, ``expired`` from the job,
#: ``sent_to_accounting``/``invoiced`` from the exporter — but staff may set them when the exporter is not in use.
STAFF_TARGETS: frozenset[OrderStatus] = frozenset(
    {S.SENT_TO_ACCOUNTING, S.INVOICED, S.SHIPPED, S.DELIVERED, S.CANCELLED}
)

#: States in which the order's stock still counts against sellable stock.
HOLDS_STOCK: frozenset[OrderStatus] = frozenset({S.PENDING_PAYMENT, S.PAID, S.SENT_TO_ACCOUNTING})

#: Events published when an order reaches these states (SMS to the customer).
NOTIFY_ON: frozenset[OrderStatus] = frozenset({S.PAID, S.SHIPPED})


#: Moves that cannot be undone and lose something (the stock goes back on sale; a paid order's money is not
#: returned by this system): staff confirm them explicitly, on the admin page and in the API alike.
NEEDS_CONFIRMATION: frozenset[OrderStatus] = frozenset({S.CANCELLED})


def consequences(order: Mapping[str, Any], target: OrderStatus) -> list[str]:
    """What follows moving ``order`` to ``target``, in Persian, for the confirmation (empty when nothing is lost)."""
    if target is not S.CANCELLED:
        return []
    follows = ["لغو برگشت‌پذیر نیست", "کالاهای سفارش دوباره برای فروش آزاد می‌شوند", "خریدار سفارش را لغوشده می‌بیند"]
    if order.get("paid_at") is not None:
        follows.append(f"مبلغ پرداخت‌شده ({format_toman(int(order['total_rial']))}) را این سامانه برنمی‌گرداند")
    if order.get("status") in (S.SENT_TO_ACCOUNTING, S.INVOICED):
        follows.append("فاکتور در نرم‌افزار حسابداری برگشت می‌خورد")
    return follows


def check_confirmed(order: Mapping[str, Any], target: OrderStatus, *, confirmed: bool) -> None:
    """``ConfirmationRequired`` (listing what would follow) when ``target`` needs a confirmation not given."""
    if target in NEEDS_CONFIRMATION and not confirmed:
        follows = consequences(order, target)
        raise ConfirmationRequired(
            "این کار تأیید صریح لازم دارد: " + "؛ ".join(follows) + ' — send "confirm": true to go ahead',
            follows=follows,
        )


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    return target in TRANSITIONS[current]


def check_transition(current: OrderStatus, target: OrderStatus) -> None:
    """Raise ``Conflict`` unless ``current → target`` is allowed."""
    if not can_transition(current, target):
        raise Conflict(
            f"تغییر وضعیت سفارش از «{current}» به «{target}» مجاز نیست — an order cannot go from {current} to {target}",
            current=str(current),
            target=str(target),
        )


class BuyerState(StrEnum):
    """What a buyer is told of their order. The accounting steps (sent to accounting, invoiced) are the shop's
    business: to the buyer the order, once paid and taken in hand, is being prepared until it leaves."""

    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    PREPARING = "preparing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


B = BuyerState

BUYER_STATES: dict[OrderStatus, BuyerState] = {
    S.PENDING_PAYMENT: B.AWAITING_PAYMENT,
    S.PAID: B.PAID,
    S.SENT_TO_ACCOUNTING: B.PREPARING,
    S.INVOICED: B.PREPARING,
    S.SHIPPED: B.SHIPPED,
    S.DELIVERED: B.DELIVERED,
    S.CANCELLED: B.CANCELLED,
    S.EXPIRED: B.CANCELLED,
}


def buyer_state(status: OrderStatus | str) -> BuyerState:
    """The state a buyer sees for an internal status."""
    return BUYER_STATES[OrderStatus(status)]


#: States in which the order is a sale and has a sales invoice (paid and not cancelled).
SOLD: frozenset[OrderStatus] = frozenset({S.PAID, S.SENT_TO_ACCOUNTING, S.INVOICED, S.SHIPPED, S.DELIVERED})


def buyer_timeline(events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The order's history as the buyer sees it: ``{"at", "state"}`` per change of buyer state (the accounting
    steps, which leave the buyer state unchanged, are not shown)."""
    timeline: list[dict[str, Any]] = []
    for event in events:
        state = buyer_state(event["to_status"])
        if not timeline or timeline[-1]["state"] != state:
            timeline.append({"at": event.get("at"), "state": str(state)})
    return timeline
