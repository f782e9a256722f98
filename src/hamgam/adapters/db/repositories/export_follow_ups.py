"""Export jobs the synced data moves on: invoices come back, orders are cancelled after export
(``hamgam.ports.export.ExportFollowUps``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

#: Stock rows written by the invoice's save or after it, per line: the visitor's link or the line's warehouse
#: (``sync.stock_source``).
_STOCK_SYNCED = {
    "visitor_product": """EXISTS (SELECT 1 FROM visitor_product s
        WHERE s.product_detail_id = d.product_detail_id AND s.visitor_id = m.visitor_id
          AND s.row_version >= j.mahak_order_row_version)""",
    "stores": """EXISTS (SELECT 1 FROM product_detail_stock s
        WHERE s.product_detail_id = d.product_detail_id AND s.store_id = d.store_id
          AND s.row_version >= j.mahak_order_row_version)""",
}


class SqlExportFollowUps:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def invoiced(self, stock_source: str | None, limit: int) -> list[tuple[int, int, str]]:
        stock = (
            f"AND NOT EXISTS (SELECT 1 FROM mahak_order_detail d WHERE d.order_id = m.mahak_id "
            f"AND d.deleted_at IS NULL AND NOT {_STOCK_SYNCED[stock_source]})"
            if stock_source is not None
            else ""
        )
        rows = (
            await self._conn.execute(
                text(f"""SELECT j.id, j.order_id, m.code FROM export_job j
                         JOIN mahak_order m ON m.mahak_id = j.mahak_order_id
                         WHERE j.kind = 'sale' AND j.status = 'sent' AND m.deleted_at IS NULL
                           AND COALESCE(m.code, '') NOT IN ('', '0')
                           AND (SELECT count(*) FROM mahak_order_detail d
                                WHERE d.order_id = m.mahak_id AND d.deleted_at IS NULL)
                               >= (SELECT count(*) FROM order_line l WHERE l.order_id = j.order_id)
                           {stock}
                         ORDER BY j.id LIMIT :n FOR UPDATE OF j SKIP LOCKED"""),
                {"n": limit},
            )
        ).all()
        return [(int(row[0]), int(row[1]), row[2]) for row in rows]

    async def record_invoiced(self, job_id: int, code: str) -> None:
        await self._conn.execute(
            text("""UPDATE export_job SET status = 'invoiced', invoiced_at = now(), mahak_order_code = :c,
                        updated_at = now() WHERE id = :i"""),
            {"i": job_id, "c": code},
        )

    async def returned_after_export(self, limit: int) -> list[tuple[int, int, dict[str, Any] | None]]:
        rows = (
            await self._conn.execute(
                text("""SELECT j.id, j.order_id, j.request FROM export_job j JOIN store_order o ON o.id = j.order_id
                        WHERE j.kind = 'sale' AND j.status IN ('sent', 'invoiced')
                          AND (o.status = 'cancelled'
                               OR EXISTS (SELECT 1 FROM order_refund f WHERE f.order_id = j.order_id AND f.is_full))
                          AND NOT EXISTS (SELECT 1 FROM export_job r
                                          WHERE r.order_id = j.order_id AND r.kind = 'return')
                        ORDER BY j.id LIMIT :n FOR UPDATE OF j SKIP LOCKED"""),
                {"n": limit},
            )
        ).all()
        return [(int(row[0]), int(row[1]), row[2]) for row in rows]

    async def flag(self, job_id: int, error: str) -> None:
        await self._conn.execute(
            text("""UPDATE export_job SET error = :e, updated_at = now() WHERE id = :i"""), {"i": job_id, "e": error}
        )
