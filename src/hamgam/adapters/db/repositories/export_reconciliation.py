"""Paid orders against Mahak's orders as synced, the totals Mahak computes, and the stored reconciliation
reports (``hamgam.ports.export.Reconciliations``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.domain.invoice import InvoiceLine
from hamgam.ports.export import SyncedTotals


class SqlReconciliations:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def start(self) -> int:
        return int(await self._conn.scalar(text("INSERT INTO export_reconciliation DEFAULT VALUES RETURNING id")))

    async def finish(self, run_id: int, report: Mapping[str, Any]) -> None:
        await self._conn.execute(
            text("UPDATE export_reconciliation SET finished_at = now(), report = CAST(:r AS jsonb) WHERE id = :i"),
            {"i": run_id, "r": orjson.dumps(report, default=str).decode()},
        )

    async def latest(self) -> dict[str, Any] | None:
        row = (
            (await self._conn.execute(text("SELECT * FROM export_reconciliation ORDER BY id DESC LIMIT 1")))
            .mappings()
            .first()
        )
        return dict(row) if row else None

    async def paid_without_job(self) -> list[int]:
        return list(
            (
                await self._conn.scalars(
                    text("""SELECT o.id FROM store_order o WHERE o.paid_at IS NOT NULL
                              AND o.status IN ('paid', 'sent_to_accounting', 'invoiced', 'shipped', 'delivered')
                              AND NOT EXISTS (SELECT 1 FROM export_job j WHERE j.order_id = o.id AND j.kind = 'sale')
                            ORDER BY o.id""")
                )
            ).all()
        )

    async def order_cursor(self) -> int:
        return int(await self._conn.scalar(text("SELECT row_version FROM sync_cursor WHERE entity = 'Order'")) or 0)

    async def missing_in_mahak(self, cursor: int) -> list[dict[str, Any]]:
        rows = await self._conn.execute(
            text("""SELECT j.id AS job_id, j.order_id, j.mahak_order_id,
                           (m.deleted_at IS NOT NULL) AS deleted_in_mahak
                    FROM export_job j LEFT JOIN mahak_order m ON m.mahak_id = j.mahak_order_id
                    WHERE j.status IN ('sent', 'invoiced') AND j.mahak_order_row_version <= :cursor
                      AND (m.mahak_id IS NULL OR m.deleted_at IS NOT NULL)
                    ORDER BY j.id"""),
            {"cursor": cursor},
        )
        return [dict(r) for r in rows.mappings()]

    async def present_twice(self) -> list[dict[str, Any]]:
        rows = await self._conn.execute(
            text("""SELECT j.id AS job_id, j.order_id, array_agg(m.mahak_id ORDER BY m.mahak_id) AS mahak_ids
                    FROM export_job j
                    JOIN mahak_client_id c ON c.job_id = j.id AND c.kind = 'order'
                    JOIN mahak_order m ON m.client_id = c.client_id AND m.deleted_at IS NULL
                    GROUP BY j.id, j.order_id HAVING count(*) > 1 ORDER BY j.id""")
        )
        return [dict(r) for r in rows.mappings()]

    async def stuck(self, stuck_after_s: float) -> list[int]:
        return list(
            (
                await self._conn.scalars(
                    text("""SELECT id FROM export_job WHERE status = 'pending' AND published_at IS NOT NULL
                              AND updated_at < now() - make_interval(secs => :s) ORDER BY id"""),
                    {"s": stuck_after_s},
                )
            ).all()
        )

    async def exported_totals(self) -> list[SyncedTotals]:
        orders = (
            (
                await self._conn.execute(
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
            await self._conn.execute(
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
        return [
            SyncedTotals(
                job_id=o["job_id"],
                order_id=o["order_id"],
                store_total_rial=int(o["store_total_rial"]),
                send_cost=int(o["send_cost"]),
                other_cost=int(o["other_cost"]),
                discount=int(o["discount"]),
                lines=lines[o["mahak_id"]],
            )
            for o in orders
        ]

    async def record_totals(self, job_id: int, mahak_total: int, difference: int, error: str, prefix: str) -> None:
        await self._conn.execute(
            text("""UPDATE export_job SET mahak_total_rial = CAST(:m AS bigint),
                        total_difference_rial = CAST(:d AS bigint), updated_at = now(),
                        error = CASE WHEN CAST(:d AS bigint) <> 0 THEN CAST(:e AS text)
                                     WHEN starts_with(error, CAST(:p AS text)) THEN NULL ELSE error END
                    WHERE id = :i AND (mahak_total_rial IS DISTINCT FROM CAST(:m AS bigint)
                                       OR total_difference_rial IS DISTINCT FROM CAST(:d AS bigint))"""),
            {"i": job_id, "m": mahak_total, "d": difference, "e": error, "p": prefix},
        )


def _percent(value: float | None) -> Decimal:
    return Decimal(str(value)) if value and value > 0 else Decimal(0)
