"""After the sync: exported orders become ``invoiced`` once Mahak's invoice has come back with its code, and
exported orders cancelled or refunded in full get their return (or are flagged for staff).

Invariant 4: the held units of an order are released (``reservations.mark_invoiced``, through the store's order
transition) only when the synced stock already includes the sale — the stock row of every line was
written by the invoice's own save or after it: its RowVersion is at or above the invoice's. RowVersion is one
counter per database and one change batch stamps every row it touches with one value (contract §3), so a stock
row carrying the invoice's RowVersion was moved by that very save (a Mahak that moves stock as it saves the sale),
and a higher one by a later batch (a Mahak whose desktop app processes the sale afterwards, maybe much later).
Requiring "strictly newer" would never release the holds of the first kind, and the sold units would count
twice: once in Mahak's stock, once in the hold.
"""

from __future__ import annotations

import structlog

from hamgam.domain.export import SALES_INVOICE, JobKind
from hamgam.domain.orders import OrderStatus
from hamgam.ports.export import ExportUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.services.export.outbox import ExportOutbox
from hamgam.settings import ExportSettings, ReturnMode, SyncSettings

log = structlog.get_logger(__name__)

#: The error of a return job flagged for staff.
FLAGGED_RETURN = "flagged for staff: return the order in Mahak"


async def settle_invoiced(
    uow_factory: UnitOfWorkFactory[ExportUnitOfWork], export: ExportSettings, sync: SyncSettings, *, limit: int = 500
) -> int:
    """Move ``sent`` sale jobs whose invoice the sync pulled back (with its code, every line, and — by default —
    the stock that follows it) to ``invoiced``; their orders too. Returns how many. Idempotent, replica-safe."""
    stock_source = str(sync.stock_source) if export.invoice_requires_stock_sync else None
    async with uow_factory() as uow:
        rows = await uow.follow_ups.invoiced(stock_source, limit)
        for job_id, order_id, code in rows:
            if await uow.orders.status(order_id) == OrderStatus.SENT_TO_ACCOUNTING:
                await uow.transitions.transition(
                    order_id, OrderStatus.INVOICED, actor="exporter:sync", reason=f"Mahak invoice code {code}"
                )
            await uow.follow_ups.record_invoiced(job_id, code)
    if rows:
        log.info("export.invoiced", count=len(rows))
    return len(rows)


async def handle_returns(
    uow_factory: UnitOfWorkFactory[ExportUnitOfWork], outbox: ExportOutbox, export: ExportSettings
) -> int:
    """Exported orders that were cancelled, or refunded in full (the goods came back), since: write a return job
    (type 202, same lines) — or, when returns are off or the export was not a sales invoice, flag the sale job
    for staff. Once per order: a return job, written or flagged, is never written again. Returns how many were
    handled."""
    handled = 0
    async with uow_factory() as uow:
        rows = await uow.follow_ups.returned_after_export(200)
        for job_id, order_id, request in rows:
            sent_type = ((request or {}).get("orders") or [{}])[0].get("orderType", export.order_type)
            if export.returns is ReturnMode.SEND and sent_type == SALES_INVOICE:
                await outbox.write_in(uow, order_id, JobKind.RETURN)
            else:
                await uow.follow_ups.flag(
                    job_id, f"cancelled or refunded in full after export: return it in Mahak by hand (type {sent_type})"
                )
                await uow.outbox.insert_flagged_return(order_id, FLAGGED_RETURN)
            handled += 1
    if handled:
        log.info("export.returns", count=handled)
    return handled
