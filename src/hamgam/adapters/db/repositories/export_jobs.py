"""``export_job`` and ``mahak_client_id`` as the exporter reads and writes them (``hamgam.ports.export.ExportJobs``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.domain.export import ClientKind, ItemError, JobStatus
from hamgam.ports.export import ClientRecord, Confirmed, ExportBundle


class SqlExportJobs:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def customer_of(self, job_id: int) -> int | None:
        return await self._conn.scalar(
            text("SELECT o.customer_id FROM export_job j JOIN store_order o ON o.id = j.order_id WHERE j.id = :i"),
            {"i": job_id},
        )

    async def load(self, job_id: int) -> ExportBundle | None:
        conn = self._conn
        job = (await conn.execute(text("SELECT * FROM export_job WHERE id = :i"), {"i": job_id})).mappings().first()
        if job is None:
            return None
        order = (
            (await conn.execute(text("SELECT * FROM store_order WHERE id = :o"), {"o": job["order_id"]}))
            .mappings()
            .one()
        )
        customer = (
            (await conn.execute(text("SELECT * FROM customer WHERE id = :c"), {"c": order["customer_id"]}))
            .mappings()
            .one()
        )
        lines = (
            (
                await conn.execute(
                    text("""SELECT l.product_detail_id, l.product_id, l.name, l.quantity, l.unit_price_rial,
                                   l.total_rial, l.tax_percent, l.charge_percent,
                                   (d.mahak_id IS NOT NULL AND d.deleted_at IS NULL) AS detail_live
                            FROM order_line l
                            LEFT JOIN product_detail d ON d.mahak_id = l.product_detail_id
                            WHERE l.order_id = :o ORDER BY l.product_detail_id"""),
                    {"o": job["order_id"]},
                )
            )
            .mappings()
            .all()
        )
        payment = (
            (
                await conn.execute(
                    text("""SELECT amount_rial, ref_id, verified_at FROM payment
                            WHERE order_id = :o AND status = 'paid' LIMIT 1"""),
                    {"o": job["order_id"]},
                )
            )
            .mappings()
            .first()
        )
        keys = [f"customer:{order['customer_id']}"]
        records = (
            (
                await conn.execute(
                    text("""SELECT kind, local_key, client_id, mahak_id, row_version, mahak_code, sent_at,
                                   readback_from
                            FROM mahak_client_id
                            WHERE job_id = :j OR (kind IN ('person', 'visitor_person') AND local_key = ANY(:keys))"""),
                    {"j": job_id, "keys": keys},
                )
            )
            .mappings()
            .all()
        )
        job_row = dict(job)
        if job_row["kind"] == "return":
            job_row["sale_code"] = await conn.scalar(
                text("SELECT mahak_order_code FROM export_job WHERE order_id = :o AND kind = 'sale'"),
                {"o": job_row["order_id"]},
            )
        bundle = ExportBundle(
            job_row, dict(order), dict(customer), [dict(r) for r in lines], dict(payment) if payment else None
        )
        for r in records:
            kind = ClientKind(r["kind"])
            bundle.records[(kind, r["local_key"])] = ClientRecord(
                kind,
                r["local_key"],
                r["client_id"],
                r["mahak_id"],
                r["row_version"],
                r["mahak_code"],
                r["sent_at"],
                r["readback_from"],
            )
        return bundle

    async def reopen(self, job_id: int) -> None:
        await self._conn.execute(
            text("""UPDATE export_job SET status = 'pending', updated_at = now()
                    WHERE id = :i AND status IN ('rejected', 'failed')"""),
            {"i": job_id},
        )

    async def readback_cursors(self) -> dict[str, int]:
        """Per entity, a RowVersion below every row this export can create: the sync's cursor, or the newest row
        Mahak already confirmed to us, whichever is higher (taken before sending, so anything saved later is
        above)."""
        rows = await self._conn.execute(
            text("""SELECT e.entity, GREATEST(
                        COALESCE((SELECT row_version FROM sync_cursor c WHERE c.entity = e.entity), 0),
                        COALESCE((SELECT max(row_version) FROM mahak_client_id m WHERE m.kind = e.kind), 0)) AS rv
                    FROM (VALUES ('Person', 'person'), ('VisitorPerson', 'visitor_person'), ('Order', 'order'),
                                 ('OrderDetail', 'order_detail'), ('Receipt', 'receipt')) AS e(entity, kind)""")
        )
        return {r.entity: int(r.rv) for r in rows}

    async def mark_sending(
        self, job_id: int, request: Mapping[str, Any], sending: Sequence[tuple[ClientKind, int]]
    ) -> None:
        cursors = await self.readback_cursors()
        await self._conn.execute(
            text("""UPDATE mahak_client_id m SET sent_at = COALESCE(m.sent_at, now()),
                        readback_from = COALESCE(m.readback_from, s.rv)
                    FROM unnest(CAST(:ids AS bigint[]), CAST(:rvs AS bigint[])) AS s(client_id, rv)
                    WHERE m.client_id = s.client_id"""),
            {"ids": [cid for _, cid in sending], "rvs": [cursors.get(kind.entity, 0) for kind, cid in sending]},
        )
        await self._conn.execute(
            text("""UPDATE export_job SET attempts = attempts + 1, sent_at = COALESCE(sent_at, now()),
                        readback_from = COALESCE(readback_from, CAST(:c AS jsonb)), request = CAST(:r AS jsonb),
                        updated_at = now() WHERE id = :i"""),
            {"i": job_id, "c": orjson.dumps(cursors).decode(), "r": orjson.dumps(request).decode()},
        )

    async def confirm(self, confirmed: Confirmed) -> None:
        for client_id, (mahak_id, row_version, code) in confirmed.items():
            await self._conn.execute(
                text("""UPDATE mahak_client_id SET mahak_id = :m, row_version = COALESCE(:rv, row_version),
                            mahak_code = COALESCE(:code, mahak_code), confirmed_at = COALESCE(confirmed_at, now())
                        WHERE client_id = :c"""),
                {"c": client_id, "m": mahak_id, "rv": row_version, "code": code},
            )

    async def set_status(
        self, job_id: int, status: JobStatus, *, error: str | None = None, items: list[ItemError] | None = None
    ) -> None:
        await self._conn.execute(
            text("""UPDATE export_job SET status = :s, error = :e, errors = CAST(:items AS jsonb), updated_at = now()
                    WHERE id = :i"""),
            {
                "i": job_id,
                "s": str(status),
                "e": error,
                "items": orjson.dumps([i.as_dict() for i in items]).decode() if items else None,
            },
        )

    async def record_sent(self, job_id: int, order: ClientRecord) -> None:
        await self._conn.execute(
            text("""UPDATE export_job SET status = 'sent', confirmed_at = now(), mahak_order_id = :m,
                        mahak_order_code = :code, mahak_order_row_version = :rv, error = NULL, errors = NULL,
                        updated_at = now() WHERE id = :i"""),
            {"i": job_id, "m": order.mahak_id, "code": order.code, "rv": order.row_version},
        )

    async def lock_pending(self, job_id: int) -> bool:
        await self._conn.execute(text("SELECT 1 FROM export_job WHERE id = :i FOR UPDATE"), {"i": job_id})
        return bool(
            await self._conn.scalar(text("SELECT status = 'pending' FROM export_job WHERE id = :i"), {"i": job_id})
        )

    async def note_retry(self, job_id: int, error: str) -> None:
        await self._conn.execute(
            text("UPDATE export_job SET error = :e, updated_at = now() WHERE id = :i AND status = 'pending'"),
            {"i": job_id, "e": error},
        )
