"""Orders: the state machine applied through the store's unit of work, with every change recorded in the
order's history.

``transition`` is the one way an order changes status; it locks the order, checks the move against
``hamgam.domain.orders``, moves the stock ledger to match and writes any customer event to the outbox, all in
the caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from hamgam.domain.errors import NotFound
from hamgam.domain.orders import NOTIFY_ON, OrderStatus, buyer_state, check_transition
from hamgam.domain.refunds import summary as refund_summary
from hamgam.domain.shipping import tracking_url
from hamgam.ports.store import StoreUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.services.store import events, reservations

S = OrderStatus

_LEDGER_MOVES: dict[OrderStatus, Callable[[StoreUnitOfWork, int], Awaitable[int]]] = {
    S.PAID: reservations.commit_paid,
    S.SENT_TO_ACCOUNTING: reservations.mark_sent_to_mahak,
    S.INVOICED: reservations.mark_invoiced,
    S.CANCELLED: reservations.release,
    S.EXPIRED: reservations.release,
}


async def lock_order(uow: StoreUnitOfWork, order_id: int) -> dict[str, Any]:
    """The order (with ``customer_mobile``), locked until the unit of work ends; ``NotFound`` when missing."""
    order = await uow.orders.lock(order_id)
    if order is None:
        raise NotFound("سفارش پیدا نشد — order not found", order_id=order_id)
    return order


async def record_event(
    uow: StoreUnitOfWork,
    order_id: int,
    from_status: str | None,
    to_status: str,
    actor: str,
    reason: str | None,
) -> None:
    await uow.orders.add_event(order_id, from_status, to_status, actor, reason)


async def transition(
    uow: StoreUnitOfWork,
    order_id: int,
    target: OrderStatus,
    *,
    actor: str,
    reason: str | None = None,
    notice: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Move the order to ``target`` (``Conflict`` when the state machine forbids it) and return the new row.

    Locks the order; the ledger moves with it (paid → committed, cancelled/expired → released,
    sent_to_accounting → sent, invoiced → invoiced). ``notice`` adds fields to the customer's event (the
    shipment's carrier and tracking code). Runs in the caller's unit of work.
    """
    order = await lock_order(uow, order_id)
    current = OrderStatus(order["status"])
    check_transition(current, target)
    await uow.orders.set_status(order_id, str(target), paid=target is S.PAID)
    await record_event(uow, order_id, str(current), str(target), actor, reason)
    move = _LEDGER_MOVES.get(target)
    if move is not None:
        await move(uow, order_id)
    if target in NOTIFY_ON:
        placed = await uow.orders.get(order_id)
        await events.enqueue(
            uow,
            events.SMS_TOPIC,
            {
                "type": f"order.{target}",
                "order_id": order_id,
                "mobile": order["customer_mobile"],
                "total_rial": order["total_rial"],
                "items": [
                    {"name": ln["name"], "variant": ln.get("variant") or "", "quantity": ln["quantity"]}
                    for ln in (placed or {}).get("lines", [])
                ],
                **(notice or {}),
            },
        )
    return order | {"status": str(target)}


async def get_order(
    uow_factory: UnitOfWorkFactory[StoreUnitOfWork], order_id: int, *, customer_id: int | None = None
) -> dict[str, Any]:
    """The order with its lines, events and payments. With ``customer_id`` only that customer's order is
    found: another customer's order is ``NotFound`` (its existence is not revealed)."""
    async with uow_factory() as uow:
        order = await uow.orders.get(order_id, customer_id=customer_id)
        shipment = None if order is None else await uow.shipments.get(order_id)
        refunds = [] if order is None else await uow.refunds.for_order(order_id)
    if order is None:
        raise NotFound("سفارش پیدا نشد — order not found", order_id=order_id)
    return order | {
        "state": str(buyer_state(order["status"])),
        "shipment": shipment_view(shipment),
        "refunds": refund_summary(order, refunds),
    }


def shipment_view(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A shipment row as pages and clients read it, with the carrier's tracking link (None when it has none)."""
    if row is None:
        return None
    return {
        "carrier": row["carrier"],
        "tracking_code": row["tracking_code"],
        "tracking_url": tracking_url(row["carrier"], row["tracking_code"]),
        "shipped_at": row["shipped_at"],
    }


async def list_orders(
    uow_factory: UnitOfWorkFactory[StoreUnitOfWork],
    *,
    customer_id: int | None = None,
    status: str | None = None,
    mobile: str | None = None,
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[dict[str, Any]], int]:
    """Newest first, with the total for paging. Filters: owner, status, customer mobile."""
    async with uow_factory() as uow:
        items, total = await uow.orders.page(
            customer_id=customer_id, status=status, mobile=mobile, offset=offset, limit=limit
        )
    return [o | {"state": str(buyer_state(o["status"]))} for o in items], total
