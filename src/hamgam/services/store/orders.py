"""Orders: the state machine applied to the database, with every change recorded in ``order_event``.

``transition`` is the one way an order changes status; it locks the order row, checks the move against
``hamgam.domain.orders``, moves the stock ledger to match and writes any customer event to the outbox, all in
the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hamgam.domain.errors import NotFound
from hamgam.domain.orders import NOTIFY_ON, OrderStatus, check_transition
from hamgam.services.store import events, reservations

S = OrderStatus

_LEDGER_MOVES = {
    S.PAID: reservations.commit_paid,
    S.SENT_TO_ACCOUNTING: reservations.mark_sent_to_mahak,
    S.INVOICED: reservations.mark_invoiced,
    S.CANCELLED: reservations.release,
    S.EXPIRED: reservations.release,
}


async def lock_order(conn: AsyncConnection, order_id: int) -> dict[str, Any]:
    row = (
        (
            await conn.execute(
                text("""SELECT o.*, c.mobile AS customer_mobile FROM store_order o
                    JOIN customer c ON c.id = o.customer_id WHERE o.id = :id FOR UPDATE OF o"""),
                {"id": order_id},
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("سفارش پیدا نشد — order not found", order_id=order_id)
    return dict(row)


async def record_event(
    conn: AsyncConnection,
    order_id: int,
    from_status: str | None,
    to_status: str,
    actor: str,
    reason: str | None,
) -> None:
    await conn.execute(
        text(
            "INSERT INTO order_event (order_id, from_status, to_status, actor, reason) VALUES (:o, :f, :t, :a, :r)"
        ),
        {"o": order_id, "f": from_status, "t": to_status, "a": actor, "r": reason},
    )


async def transition(
    conn: AsyncConnection, order_id: int, target: OrderStatus, *, actor: str, reason: str | None = None
) -> dict[str, Any]:
    """Move the order to ``target`` (``Conflict`` when the state machine forbids it) and return the new row.

    Locks the order row (``FOR UPDATE``); the ledger moves with it (paid → committed, cancelled/expired →
    released, sent_to_accounting → sent, invoiced → invoiced). Runs in the caller's transaction.
    """
    order = await lock_order(conn, order_id)
    current = OrderStatus(order["status"])
    check_transition(current, target)
    paid = ", paid_at = now()" if target is S.PAID else ""
    await conn.execute(
        text(f"UPDATE store_order SET status = :s, updated_at = now(){paid} WHERE id = :id"),
        {"s": str(target), "id": order_id},
    )
    await record_event(conn, order_id, str(current), str(target), actor, reason)
    move = _LEDGER_MOVES.get(target)
    if move is not None:
        await move(conn, order_id)
    if target in NOTIFY_ON:
        await events.enqueue(
            conn,
            events.SMS_TOPIC,
            {
                "type": f"order.{target}",
                "order_id": order_id,
                "mobile": order["customer_mobile"],
                "total_rial": order["total_rial"],
            },
        )
    return order | {"status": str(target)}


_ORDER_COLUMNS = """o.id, o.customer_id, o.status, o.items_rial, o.vat_rial, o.shipping_rial, o.total_rial,
    o.shipping_method, o.address, o.note, o.reserved_until, o.created_at, o.updated_at, o.paid_at"""


async def get_order(engine: AsyncEngine, order_id: int, *, customer_id: int | None = None) -> dict[str, Any]:
    """The order with its lines, events and payments. With ``customer_id`` only that customer's order is
    found: another customer's order is ``NotFound`` (its existence is not revealed)."""
    owner = "AND o.customer_id = :c" if customer_id is not None else ""
    async with engine.connect() as conn:
        order = (
            (
                await conn.execute(
                    text(f"SELECT {_ORDER_COLUMNS} FROM store_order o WHERE o.id = :id {owner}"),
                    {"id": order_id, "c": customer_id},
                )
            )
            .mappings()
            .first()
        )
        if order is None:
            raise NotFound("سفارش پیدا نشد — order not found", order_id=order_id)
        lines = await conn.execute(
            text("""SELECT product_detail_id, product_id, name, quantity, unit_price_rial, total_rial
                    FROM order_line WHERE order_id = :id ORDER BY product_detail_id"""),
            {"id": order_id},
        )
        order_events = await conn.execute(
            text(
                "SELECT from_status, to_status, actor, reason, at FROM order_event WHERE order_id = :id ORDER BY id"
            ),
            {"id": order_id},
        )
        payments = await conn.execute(
            text("""SELECT id, authority, amount_rial, status, ref_id, card_pan, created_at, verified_at
                    FROM payment WHERE order_id = :id ORDER BY id"""),
            {"id": order_id},
        )
        return dict(order) | {
            "lines": [dict(r) for r in lines.mappings()],
            "events": [dict(r) for r in order_events.mappings()],
            "payments": [dict(r) for r in payments.mappings()],
        }


async def list_orders(
    engine: AsyncEngine,
    *,
    customer_id: int | None = None,
    status: str | None = None,
    mobile: str | None = None,
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[dict[str, Any]], int]:
    """Newest first, with the total for paging. Filters: owner, status, customer mobile."""
    where, params = ["true"], {"offset": offset, "limit": limit}
    if customer_id is not None:
        where.append("o.customer_id = :c")
        params["c"] = customer_id
    if status is not None:
        where.append("o.status = :s")
        params["s"] = status
    if mobile is not None:
        where.append("c.mobile = :m")
        params["m"] = mobile
    async with engine.connect() as conn:
        rows = (
            (
                await conn.execute(
                    text(f"""SELECT {_ORDER_COLUMNS}, c.mobile AS customer_mobile, count(*) OVER () AS total
                         FROM store_order o JOIN customer c ON c.id = o.customer_id
                         WHERE {" AND ".join(where)} ORDER BY o.id DESC OFFSET :offset LIMIT :limit"""),
                    params,
                )
            )
            .mappings()
            .all()
        )
    total = int(rows[0]["total"]) if rows else 0
    return [{k: v for k, v in r.items() if k != "total"} for r in rows], total
