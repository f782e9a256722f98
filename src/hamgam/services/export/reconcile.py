"""Reconciliation: paid orders against Mahak's orders as the sync last pulled them.

Reports every paid order missing in Mahak, present twice, or whose Mahak invoice total is not what the buyer
paid (recorded on its job, ``totals.py``); fixes what is safe to fix
without staff — a paid order with no export job gets one, a pending job idle for long is published again (the
exporter reads back before it sends, so a republish never duplicates). Everything else is for staff.
"""

from __future__ import annotations

from typing import Any

import structlog

from hamgam.ports.export import ExportUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.services.export.outbox import ExportOutbox
from hamgam.services.export.totals import compare_totals

log = structlog.get_logger(__name__)

#: A pending job untouched this long is published again.
STUCK_AFTER_S = 7200


async def reconcile(
    uow_factory: UnitOfWorkFactory[ExportUnitOfWork], outbox: ExportOutbox, *, stuck_after_s: float = STUCK_AFTER_S
) -> dict[str, Any]:
    """Compare, fix what is safe, store the report in ``export_reconciliation`` and return it."""
    async with uow_factory() as uow:
        run_id = await uow.reconciliations.start()
        unexported = await uow.reconciliations.paid_without_job()
        for order_id in unexported:
            await outbox.write_in(uow, order_id)
        cursor = await uow.reconciliations.order_cursor()
        missing = await uow.reconciliations.missing_in_mahak(cursor)
        twice = await uow.reconciliations.present_twice()
        totals = await compare_totals(uow)
        stuck = await uow.reconciliations.stuck(stuck_after_s)
    for job_id in stuck:
        await outbox.republish(job_id)
    report = {
        "missing_in_mahak": missing,
        "present_twice": twice,
        "other_totals": totals,
        "fixed": {"jobs_written": list(unexported), "jobs_republished": list(stuck)},
        "order_cursor": cursor,
    }
    async with uow_factory() as uow:
        await uow.reconciliations.finish(run_id, report)
    if missing or twice or totals:
        log.warning("export.reconcile.differences", missing=len(missing), twice=len(twice), totals=len(totals))
    return report | {"id": run_id}
