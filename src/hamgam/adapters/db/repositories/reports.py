"""Sales reports over PostgreSQL (``hamgam.ports.catalog.SalesReportRepository``): every sum is made by the
database, so a big shop's report sends only one row per day, product or category.

A sale is an order paid in the span whose status is a sold one; its day is the Tehran day of ``paid_at``
(``ix_store_order_paid_at`` finds the span). Product and category are today's (``catalog_product``, the listing
rule's view), the name on the order line when the product is gone.

Refunds count against the sale they give money back for (on its day, whenever they were recorded): the days
carry what was paid, what was refunded and the difference; the products and categories leave out an order
refunded in full (``order_refund.is_full``), and take a partly refunded order's lines at the share of the order
that was kept (each line loses the part of the refunds its amount bears)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_SOLD = "o.paid_at >= :s AND o.paid_at < :u AND o.status = ANY(:st)"
#: Each sold order with the sum of its refunds (``refunded_rial``, 0 when none) and whether one was full (each
#: order's refunds found by ``ix_order_refund_order_id``, so a span reads only its own orders' refunds).
_SOLD_ORDERS = f"""(SELECT o.*, coalesce(r.refunded_rial, 0) AS refunded_rial,
        coalesce(r.any_full, false) AS refunded_in_full
    FROM store_order o
    LEFT JOIN LATERAL (SELECT sum(f.amount_rial) AS refunded_rial, bool_or(f.is_full) AS any_full
                       FROM order_refund f WHERE f.order_id = o.id) r ON true
    WHERE {_SOLD})"""
#: A line's sales less its share of the order's refunds.
_LINE_KEPT_RIAL = (
    "CASE WHEN o.refunded_rial = 0 THEN l.total_rial "
    "ELSE round(l.total_rial::numeric * (o.total_rial - o.refunded_rial) / o.total_rial) END"
)

_BY_DAY = text(f"""SELECT (o.paid_at AT TIME ZONE 'Asia/Tehran')::date AS day, count(*) AS orders,
    sum(o.items_rial)::bigint AS items_rial, sum(o.shipping_rial)::bigint AS shipping_rial,
    sum(o.vat_rial)::bigint AS vat_rial, sum(o.total_rial)::bigint AS total_rial,
    sum(o.refunded_rial)::bigint AS refunded_rial, sum(o.total_rial - o.refunded_rial)::bigint AS net_rial
FROM {_SOLD_ORDERS} o
GROUP BY 1 ORDER BY 1""")

_ORDERS = {"quantity": "quantity DESC, revenue_rial DESC", "revenue": "revenue_rial DESC, quantity DESC"}


def _by_product(by: str) -> str:
    return f"""SELECT l.product_id, cp.code, coalesce(cp.name, max(l.name)) AS name,
    sum(l.quantity)::bigint AS quantity, count(DISTINCT l.order_id) AS orders,
    sum({_LINE_KEPT_RIAL})::bigint AS revenue_rial
FROM {_SOLD_ORDERS} o JOIN order_line l ON l.order_id = o.id
LEFT JOIN catalog_product cp ON cp.product_id = l.product_id
WHERE NOT o.refunded_in_full
GROUP BY l.product_id, cp.code, cp.name
ORDER BY {_ORDERS[by]}, l.product_id"""


_BY_CATEGORY = text(f"""SELECT cp.category_id, c.name,
    sum(l.quantity)::bigint AS quantity, count(DISTINCT l.order_id) AS orders,
    sum({_LINE_KEPT_RIAL})::bigint AS revenue_rial
FROM {_SOLD_ORDERS} o JOIN order_line l ON l.order_id = o.id
LEFT JOIN catalog_product cp ON cp.product_id = l.product_id
LEFT JOIN product_category c ON c.mahak_id = cp.category_id
WHERE NOT o.refunded_in_full
GROUP BY cp.category_id, c.name
ORDER BY revenue_rial DESC, cp.category_id NULLS LAST""")

_BY_STATUS = text("SELECT status, count(*) AS n FROM store_order WHERE created_at >= :s GROUP BY status")


class SqlSalesReportRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    @staticmethod
    def _params(start: dt.datetime, until: dt.datetime, statuses: Sequence[str]) -> dict[str, Any]:
        return {"s": start, "u": until, "st": list(statuses)}

    async def sales_by_day(
        self, start: dt.datetime, until: dt.datetime, statuses: Sequence[str]
    ) -> list[dict[str, Any]]:
        rows = await self._conn.execute(_BY_DAY, self._params(start, until, statuses))
        return [dict(r) for r in rows.mappings()]

    async def sales_by_product(
        self, start: dt.datetime, until: dt.datetime, statuses: Sequence[str], *, by: str, limit: int | None
    ) -> list[dict[str, Any]]:
        sql = _by_product(by) + (" LIMIT :n" if limit is not None else "")
        params = self._params(start, until, statuses) | ({"n": limit} if limit is not None else {})
        rows = await self._conn.execute(text(sql), params)
        return [dict(r) for r in rows.mappings()]

    async def stream_sales_by_product(
        self, start: dt.datetime, until: dt.datetime, statuses: Sequence[str]
    ) -> AsyncIterator[dict[str, Any]]:
        result = await self._conn.stream(text(_by_product("revenue")), self._params(start, until, statuses))
        async for row in result.mappings():
            yield dict(row)

    async def sales_by_category(
        self, start: dt.datetime, until: dt.datetime, statuses: Sequence[str]
    ) -> list[dict[str, Any]]:
        rows = await self._conn.execute(_BY_CATEGORY, self._params(start, until, statuses))
        return [dict(r) for r in rows.mappings()]

    async def orders_by_status(self, start: dt.datetime) -> dict[str, int]:
        rows = await self._conn.execute(_BY_STATUS, {"s": start})
        return {r.status: int(r.n) for r in rows}
