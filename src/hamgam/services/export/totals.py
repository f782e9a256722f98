"""Mahak's invoice total against what the buyer paid, for every exported sale Mahak holds (as the sync last
pulled it), by Mahak's own rule (``domain/invoice.py``).

The result is recorded on each export job (``mahak_total_rial``, ``total_difference_rial``) and, for a job
whose totals differ, in its ``error`` — where staff read export problems — and counted by the
``hamgam_export_total_mismatch_orders`` metric. A later pass that finds them equal again clears that error.
"""

from __future__ import annotations

from typing import Any

from hamgam.domain.invoice import SETTING_TAX_ON, mahak_invoice_total, tax_switch
from hamgam.ports.export import ExportUnitOfWork

#: Prefix of the error a total difference writes on its job (so that only this error is cleared later).
MISMATCH_PREFIX = "جمع فاکتور محک با مبلغ پرداختی یکی نیست"


def mismatch_error(mahak_total: int, paid: int) -> str:
    return (
        f"{MISMATCH_PREFIX} ({mahak_total:,} ≠ {paid:,} ریال) — "
        f"Mahak's invoice total {mahak_total} Rial differs from the {paid} Rial paid by {mahak_total - paid}"
    )


async def compare_totals(uow: ExportUnitOfWork) -> list[dict[str, Any]]:
    """Compare and record every exported sale's totals; returns the jobs whose totals differ."""
    orders = await uow.reconciliations.exported_totals()
    if not orders:
        return []
    tax_on = tax_switch(await uow.mahak_data.settings_value(SETTING_TAX_ON))
    differing = []
    for o in orders:
        mahak_total = mahak_invoice_total(
            o.lines, send_cost=o.send_cost, other_cost=o.other_cost, discount=o.discount, tax_on=tax_on
        )
        paid = o.store_total_rial
        difference = mahak_total - paid
        await uow.reconciliations.record_totals(
            o.job_id, mahak_total, difference, mismatch_error(mahak_total, paid), MISMATCH_PREFIX
        )
        if difference:
            differing.append(
                {
                    "job_id": o.job_id,
                    "order_id": o.order_id,
                    "store_total_rial": paid,
                    "mahak_total_rial": mahak_total,
                    "difference_rial": difference,
                }
            )
    return differing
