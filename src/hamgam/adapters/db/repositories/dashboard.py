"""The staff dashboard's figures over PostgreSQL (``hamgam.ports.catalog.DashboardRepository``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_FIGURES = text("""SELECT
    (SELECT count(*) FROM store_order WHERE created_at >= :s) AS orders_today,
    (SELECT count(*) FROM store_order WHERE paid_at >= :s) AS paid_today,
    (SELECT coalesce(sum(total_rial), 0) FROM store_order
      WHERE paid_at >= :s AND status <> 'cancelled') AS sales_today_rial,
    (SELECT count(*) FROM store_order WHERE status = 'pending_payment') AS awaiting_payment,
    (SELECT count(*) FROM store_order WHERE status IN ('paid', 'sent_to_accounting', 'invoiced'))
      AS to_ship,
    (SELECT count(*) FROM sync_conflict WHERE resolved_at IS NULL) AS open_conflicts,
    (SELECT count(*) FROM customer WHERE created_at >= :s) AS new_customers""")


class SqlDashboardRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def figures_since(self, start: dt.datetime) -> dict[str, Any]:
        return dict((await self._conn.execute(_FIGURES, {"s": start})).mappings().one())

    async def refunds_due(self, limit: int) -> list[dict[str, Any]]:
        rows = await self._conn.execute(
            text("""SELECT id, order_id, amount_rial, ref_id, card_pan, verified_at FROM payment
                    WHERE status = 'refund_due' ORDER BY id LIMIT :n"""),
            {"n": limit},
        )
        return [dict(r) for r in rows.mappings()]

    async def customer_disabled_at(self, customer_id: int) -> dt.datetime | None:
        return await self._conn.scalar(text("SELECT disabled_at FROM customer WHERE id = :i"), {"i": customer_id})
