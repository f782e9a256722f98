"""Reconciliation: paid orders against Mahak's orders as the sync last pulled them.

Reports every paid order missing in Mahak, present twice, or whose Mahak invoice total is not what the buyer
paid (recorded on its job, ``totals.py``); fixes what is safe to fix
without staff — a paid order with no export job gets one, a pending job idle for long is published again (the
exporter reads back before it sends, so a republish never duplicates). Everything else is for staff.
"""

from __future__ import annotations

from typing import Any

import orjson
import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hamgam.services.export.outbox import ExportOutbox
from hamgam.services.export.totals import compare_totals

log = structlog.get_logger(__name__)

#: A pending job untouched this long is published again.
STUCK_AFTER_S = 7200


async def reconcile(
    engine: AsyncEngine, outbox: ExportOutbox, *, stuck_after_s: float = STUCK_AFTER_S
) -> dict[str, Any]:
    """Compare, fix what is safe, store the report in ``export_reconciliation`` and return it."""
    async with engine.begin() as conn:
        run_id = await conn.scalar(text("INSERT INTO export_reconciliation DEFAULT VALUES RETURNING id"))
        unexported = (
            await conn.scalars(
                text("""SELECT o.id FROM store_order o WHERE o.paid_at IS NOT NULL
                          AND o.status IN ('paid', 'sent_to_accounting', 'invoiced', 'shipped', 'delivered')
                          AND NOT EXISTS (SELECT 1 FROM export_job j WHERE j.order_id = o.id AND j.kind = 'sale')
                        ORDER BY o.id""")
            )
        ).all()
        for order_id in unexported:
            await outbox.write(conn, order_id)
        cursor = int(await conn.scalar(text("SELECT row_version FROM sync_cursor WHERE entity = 'Order'")) or 0)
        missing = [
            dict(r)
            for r in (
                await conn.execute(
                    text("""SELECT j.id AS job_id, j.order_id, j.mahak_order_id,
                                   (m.deleted_at IS NOT NULL) AS deleted_in_mahak
                            FROM export_job j LEFT JOIN mahak_order m ON m.mahak_id = j.mahak_order_id
                            WHERE j.status IN ('sent', 'invoiced') AND j.mahak_order_row_version <= :cursor
                              AND (m.mahak_id IS NULL OR m.deleted_at IS NOT NULL)
                            ORDER BY j.id"""),
                    {"cursor": cursor},
                )
            ).mappings()
        ]
        twice = [
            dict(r)
            for r in (
                await conn.execute(
                    text("""SELECT j.id AS job_id, j.order_id, array_agg(m.mahak_id ORDER BY m.mahak_id) AS mahak_ids
                            FROM export_job j
                            JOIN mahak_client_id c ON c.job_id = j.id AND c.kind = 'order'
                            JOIN mahak_order m ON m.client_id = c.client_id AND m.deleted_at IS NULL
                            GROUP BY j.id, j.order_id HAVING count(*) > 1 ORDER BY j.id""")
                )
            ).mappings()
        ]
        totals = await compare_totals(conn)
        stuck = (
            await conn.scalars(
                text("""SELECT id FROM export_job WHERE status = 'pending' AND published_at IS NOT NULL
                          AND updated_at < now() - make_interval(secs => :s) ORDER BY id"""),
                {"s": stuck_after_s},
            )
        ).all()
    for job_id in stuck:
        await outbox.republish(engine, job_id)
    report = {
        "missing_in_mahak": missing,
        "present_twice": twice,
        "other_totals": totals,
        "fixed": {"jobs_written": list(unexported), "jobs_republished": list(stuck)},
        "order_cursor": cursor,
    }
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE export_reconciliation SET finished_at = now(), report = CAST(:r AS jsonb) WHERE id = :i"),
            {"i": run_id, "r": orjson.dumps(report, default=str).decode()},
        )
    if missing or twice or totals:
        log.warning("export.reconcile.differences", missing=len(missing), twice=len(twice), totals=len(totals))
    return report | {"id": run_id}
