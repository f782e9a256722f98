"""The stock reservation ledger (``stock_reservation``) and its per-detail counter (``stock_hold``).

Sellable = Mahak stock − (held + committed + sent) for the detail. A reservation is taken with one conditional
``UPDATE`` of the counter that succeeds only while the result stays within Mahak's stock; concurrent buyers
serialise on the counter row, and the loser's ``UPDATE`` matches no row. Lines are always locked in detail-id
order, so two checkouts never deadlock.

Ledger states: ``held`` (until ``expires_at``) → ``committed`` (paid) → ``sent`` (sent to Mahak, not yet
invoiced) → ``invoiced`` (Mahak's stock now reflects it); or → ``released`` (expired, cancelled). The
counter changes only when a row enters or leaves the holding states, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.adapters.db.catalog_read import rule_params, sellable_details, sellable_sql
from hamgam.domain.errors import OutOfStock
from hamgam.settings import SyncSettings

HOLDING = ("held", "committed", "sent")

_RESERVE = """
UPDATE stock_hold SET reserved_qty = reserved_qty + :qty, updated_at = now()
WHERE product_detail_id = :detail
  AND reserved_qty + :qty <= (SELECT GREATEST(floor(s.stock_mahak)::bigint, 0) FROM ({sellable}) s)
RETURNING reserved_qty
"""


async def reserve(
    conn: AsyncConnection,
    rules: SyncSettings,
    order_id: int,
    lines: Sequence[tuple[int, int]],
    expires_at: dt.datetime,
) -> None:
    """Hold ``(product_detail_id, quantity)`` lines for ``order_id`` until ``expires_at``, all or nothing.

    Must run inside the caller's transaction (which also creates the order): on ``OutOfStock`` the caller
    rolls back and nothing stays held. Locks the counters in detail-id order.
    """
    ordered = sorted(lines)
    await conn.execute(
        text(
            "INSERT INTO stock_hold (product_detail_id) SELECT unnest(CAST(:ids AS bigint[])) "
            "ON CONFLICT DO NOTHING"
        ),
        {"ids": [d for d, _ in ordered]},
    )
    statement = text(_RESERVE.format(sellable=sellable_sql(rules, "AND d.mahak_id = :detail")))
    for detail_id, quantity in ordered:
        params = rule_params(rules) | {"detail": detail_id, "qty": quantity}
        reserved = (await conn.execute(statement, params)).scalar()
        if reserved is None:
            found = await sellable_details(conn, rules, [detail_id])
            raise OutOfStock(detail_id, found[0].available if found else 0)
    await conn.execute(
        text("""INSERT INTO stock_reservation (order_id, product_detail_id, quantity, state, expires_at)
                SELECT :order_id, d, q, 'held', :expires_at
                FROM unnest(CAST(:ids AS bigint[]), CAST(:qtys AS int[])) AS t(d, q)"""),
        {
            "order_id": order_id,
            "expires_at": expires_at,
            "ids": [d for d, _ in ordered],
            "qtys": [q for _, q in ordered],
        },
    )


async def move(conn: AsyncConnection, order_id: int, from_states: Sequence[str], to_state: str) -> int:
    """Move the order's ledger rows from ``from_states`` to ``to_state``; when they leave the holding states
    the counters go down by their quantities. Returns the rows moved. Idempotent (moved rows no longer match).
    """
    rows = (
        await conn.execute(
            text("""UPDATE stock_reservation SET state = :to, updated_at = now(),
                        expires_at = CASE WHEN :to = 'held' THEN expires_at END
                    WHERE order_id = :order_id AND state = ANY(:from_states)
                    RETURNING product_detail_id, quantity, state"""),
            {"order_id": order_id, "from_states": list(from_states), "to": to_state},
        )
    ).all()
    if to_state not in HOLDING:
        freed = sorted((r.product_detail_id, r.quantity) for r in rows)
        for detail_id, quantity in freed:
            await conn.execute(
                text(
                    "UPDATE stock_hold SET reserved_qty = reserved_qty - :q, updated_at = now() "
                    "WHERE product_detail_id = :d"
                ),
                {"d": detail_id, "q": quantity},
            )
    return len(rows)


async def release(conn: AsyncConnection, order_id: int) -> int:
    """Give the order's stock back (expired or cancelled)."""
    return await move(conn, order_id, HOLDING, "released")


async def commit_paid(conn: AsyncConnection, order_id: int) -> int:
    """Paid: the hold no longer expires; it lasts until the order is invoiced in Mahak or cancelled."""
    return await move(conn, order_id, ("held",), "committed")


async def mark_sent_to_mahak(conn: AsyncConnection, order_id: int) -> int:
    """For the exporter: the order is in Mahak but not invoiced; its units still count against stock."""
    return await move(conn, order_id, ("held", "committed"), "sent")


async def mark_invoiced(conn: AsyncConnection, order_id: int) -> int:
    """For the exporter: Mahak invoiced the order, so its stock figure now includes these units.

    Call it once the sync has brought the post-invoice stock (not merely when the invoice is created), or the
    units would count twice in the other direction for a moment (an oversell window).
    """
    return await move(conn, order_id, ("held", "committed", "sent"), "invoiced")
