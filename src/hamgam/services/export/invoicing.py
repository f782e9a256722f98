"""After the sync: exported orders become ``invoiced`` once Mahak's invoice has come back with its code, and
cancelled exported orders get their return (or are flagged for staff).

Invariant 4: the held units of an order are released (``reservations.mark_invoiced``, through
``orders.transition``) only when the synced stock already includes the sale — the stock row of every line was
written by the invoice's own save or after it: its RowVersion is at or above the invoice's. RowVersion is one
counter per database and one change batch stamps every row it touches with one value (contract §3), so a stock
row carrying the invoice's RowVersion was moved by that very save (a Mahak that moves stock as it saves the sale),
and a higher one by a later batch (a Mahak whose desktop app processes the sale afterwards, maybe much later).
Requiring "strictly newer" would never release the holds of the first kind, and the sold units would count
twice: once in Mahak's stock, once in the hold.
"""

from __future__ import annotations

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hamgam.adapters.db.store_uow import SqlStoreUnitOfWork
from hamgam.domain.export import SALES_INVOICE, JobKind, JobStatus
from hamgam.domain.orders import OrderStatus
from hamgam.services.export.outbox import ExportOutbox
from hamgam.services.store.orders import transition
from hamgam.settings import ExportSettings, ReturnMode, StockSource, SyncSettings

log = structlog.get_logger(__name__)

#: Stock rows written by the invoice's save or after it, per line: the visitor's link or the line's warehouse.
_STOCK_SYNCED = {
    StockSource.VISITOR_PRODUCT: """EXISTS (SELECT 1 FROM visitor_product s
        WHERE s.product_detail_id = d.product_detail_id AND s.visitor_id = m.visitor_id
          AND s.row_version >= j.mahak_order_row_version)""",
    StockSource.STORES: """EXISTS (SELECT 1 FROM product_detail_stock s
        WHERE s.product_detail_id = d.product_detail_id AND s.store_id = d.store_id
          AND s.row_version >= j.mahak_order_row_version)""",
}


async def settle_invoiced(engine: AsyncEngine, export: ExportSettings, sync: SyncSettings, *, limit: int = 500) -> int:
    """Move ``sent`` sale jobs whose invoice the sync pulled back (with its code, every line, and — by default —
    the stock that follows it) to ``invoiced``; their orders too. Returns how many. Idempotent, replica-safe."""
    stock_check = (
        f"AND NOT EXISTS (SELECT 1 FROM mahak_order_detail d WHERE d.order_id = m.mahak_id AND d.deleted_at IS NULL "
        f"AND NOT {_STOCK_SYNCED[sync.stock_source]})"
        if export.invoice_requires_stock_sync
        else ""
    )
    async with engine.begin() as conn:
        rows = (
            await conn.execute(
                text(f"""SELECT j.id, j.order_id, m.code FROM export_job j
                         JOIN mahak_order m ON m.mahak_id = j.mahak_order_id
                         WHERE j.kind = 'sale' AND j.status = 'sent' AND m.deleted_at IS NULL
                           AND COALESCE(m.code, '') NOT IN ('', '0')
                           AND (SELECT count(*) FROM mahak_order_detail d
                                WHERE d.order_id = m.mahak_id AND d.deleted_at IS NULL)
                               >= (SELECT count(*) FROM order_line l WHERE l.order_id = j.order_id)
                           {stock_check}
                         ORDER BY j.id LIMIT :n FOR UPDATE OF j SKIP LOCKED"""),
                {"n": limit},
            )
        ).all()
        for job_id, order_id, code in rows:
            status = await conn.scalar(text("SELECT status FROM store_order WHERE id = :o"), {"o": order_id})
            if status == OrderStatus.SENT_TO_ACCOUNTING:
                store_tx = SqlStoreUnitOfWork.joining(conn)
                await transition(store_tx, order_id, OrderStatus.INVOICED, actor="exporter:sync",
                                 reason=f"Mahak invoice code {code}")
            await conn.execute(
                text("""UPDATE export_job SET status = 'invoiced', invoiced_at = now(), mahak_order_code = :c,
                            updated_at = now() WHERE id = :i"""),
                {"i": job_id, "c": code},
            )
    if rows:
        log.info("export.invoiced", count=len(rows))
    return len(rows)


async def handle_cancellations(engine: AsyncEngine, outbox: ExportOutbox, export: ExportSettings) -> int:
    """Exported orders that were cancelled since: write a return job (type 202, same lines) — or, when returns
    are off or the export was not a sales invoice, flag the sale job for staff. Returns how many were handled."""
    handled = 0
    async with engine.begin() as conn:
        rows = (
            await conn.execute(
                text("""SELECT j.id, j.order_id, j.request FROM export_job j JOIN store_order o ON o.id = j.order_id
                        WHERE j.kind = 'sale' AND j.status IN ('sent', 'invoiced') AND o.status = 'cancelled'
                          AND NOT EXISTS (SELECT 1 FROM export_job r
                                          WHERE r.order_id = j.order_id AND r.kind = 'return')
                        ORDER BY j.id LIMIT 200 FOR UPDATE OF j SKIP LOCKED""")
            )
        ).all()
        for job_id, order_id, request in rows:
            sent_type = ((request or {}).get("orders") or [{}])[0].get("orderType", export.order_type)
            if export.returns is ReturnMode.SEND and sent_type == SALES_INVOICE:
                await outbox.write(conn, order_id, JobKind.RETURN)
            else:
                await conn.execute(
                    text("""UPDATE export_job SET error = :e, updated_at = now() WHERE id = :i"""),
                    {"i": job_id, "e": f"cancelled after export: return it in Mahak by hand (type {sent_type})"},
                )
                await conn.execute(
                    text("""INSERT INTO export_job (order_id, kind, status, error, published_at)
                            VALUES (:o, 'return', :s, 'flagged for staff: return the order in Mahak', now())
                            ON CONFLICT (order_id, kind) DO NOTHING"""),
                    {"o": order_id, "s": str(JobStatus.FLAGGED)},
                )
            handled += 1
    if handled:
        log.info("export.cancellations", count=handled)
    return handled
