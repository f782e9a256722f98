"""Mahak's invoice total against what the buyer paid, for every exported sale Mahak holds (as the sync last
pulled it), by Mahak's own rule (``domain/invoice.py``).

The result is recorded on each export job (``mahak_total_rial``, ``total_difference_rial``) and, for a job
whose totals differ, in its ``error`` — where staff read export problems — and counted by the
``hamgam_export_total_mismatch_orders`` metric. A later pass that finds them equal again clears that error.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.domain.invoice import SETTING_TAX_ON, InvoiceLine, mahak_invoice_total, tax_switch
from hamgam.services.export.repository import settings_value

#: Prefix of the error a total difference writes on its job (so that only this error is cleared later).
MISMATCH_PREFIX = "جمع فاکتور محک با مبلغ پرداختی یکی نیست"


def mismatch_error(mahak_total: int, paid: int) -> str:
    return (
        f"{MISMATCH_PREFIX} ({mahak_total:,} ≠ {paid:,} ریال) — "
        f"Mahak's invoice total {mahak_total} Rial differs from the {paid} Rial paid by {mahak_total - paid}"
    )


async def compare_totals(conn: AsyncConnection) -> list[dict[str, Any]]:
    """Compare and record every exported sale's totals; returns the jobs whose totals differ."""
    orders = (
        (
            await conn.execute(
                text("""SELECT j.id AS job_id, j.order_id, o.total_rial AS store_total_rial, m.mahak_id,
                           COALESCE(m.send_cost_rial, 0) AS send_cost, COALESCE(m.other_cost_rial, 0) AS other_cost,
                           COALESCE(m.discount_rial, 0) AS discount
                    FROM export_job j JOIN store_order o ON o.id = j.order_id
                    JOIN mahak_order m ON m.mahak_id = j.mahak_order_id AND m.deleted_at IS NULL
                    WHERE j.kind = 'sale' AND j.status IN ('sent', 'invoiced') ORDER BY j.id""")
            )
        )
        .mappings()
        .all()
    )
    if not orders:
        return []
    lines: dict[int, list[InvoiceLine]] = defaultdict(list)
    for d in (
        await conn.execute(
            text("""SELECT order_id, price_rial, count1, discount_rial, tax_percent, charge_percent
                    FROM mahak_order_detail WHERE order_id = ANY(:ids) AND deleted_at IS NULL"""),
            {"ids": [o["mahak_id"] for o in orders]},
        )
    ).mappings():
        lines[d["order_id"]].append(
            InvoiceLine(
                price=int(d["price_rial"] or 0),
                count=Decimal(str(d["count1"] or 0)),
                discount=int(d["discount_rial"] or 0),
                tax_percent=_percent(d["tax_percent"]),
                charge_percent=_percent(d["charge_percent"]),
            )
        )
    tax_on = tax_switch(await settings_value(conn, SETTING_TAX_ON))
    differing = []
    for o in orders:
        mahak_total = mahak_invoice_total(
            lines[o["mahak_id"]],
            send_cost=int(o["send_cost"]),
            other_cost=int(o["other_cost"]),
            discount=int(o["discount"]),
            tax_on=tax_on,
        )
        paid = int(o["store_total_rial"])
        difference = mahak_total - paid
        await conn.execute(
            text("""UPDATE export_job SET mahak_total_rial = CAST(:m AS bigint),
                        total_difference_rial = CAST(:d AS bigint), updated_at = now(),
                        error = CASE WHEN CAST(:d AS bigint) <> 0 THEN CAST(:e AS text)
                                     WHEN starts_with(error, CAST(:p AS text)) THEN NULL ELSE error END
                    WHERE id = :i AND (mahak_total_rial IS DISTINCT FROM CAST(:m AS bigint)
                                       OR total_difference_rial IS DISTINCT FROM CAST(:d AS bigint))"""),
            {
                "i": o["job_id"],
                "m": mahak_total,
                "d": difference,
                "e": mismatch_error(mahak_total, paid),
                "p": MISMATCH_PREFIX,
            },
        )
        if difference:
            differing.append(
                {
                    "job_id": o["job_id"],
                    "order_id": o["order_id"],
                    "store_total_rial": paid,
                    "mahak_total_rial": mahak_total,
                    "difference_rial": difference,
                }
            )
    return differing


def _percent(value: float | None) -> Decimal:
    return Decimal(str(value)) if value and value > 0 else Decimal(0)
