"""Writing export jobs with their client ids, and marking them published
(``hamgam.ports.export.ExportOutboxRecords``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.domain.export import ClientKind, JobKind, JobStatus


class SqlExportOutboxRecords:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def insert_job(self, order_id: int, kind: JobKind, *, published: bool) -> int | None:
        job_id = (
            await self._conn.execute(
                text("""INSERT INTO export_job (order_id, kind, published_at)
                        VALUES (:o, :k, CASE WHEN :pub THEN now() END)
                        ON CONFLICT (order_id, kind) DO NOTHING RETURNING id"""),
                {"o": order_id, "k": str(kind), "pub": published},
            )
        ).scalar()
        return None if job_id is None else int(job_id)

    async def order_customer_and_details(self, order_id: int) -> tuple[int, list[int]]:
        order = (
            await self._conn.execute(
                text("""SELECT o.customer_id, array_agg(l.product_detail_id) AS details
                        FROM store_order o JOIN order_line l ON l.order_id = o.id
                        WHERE o.id = :o GROUP BY o.customer_id"""),
                {"o": order_id},
            )
        ).one()
        return int(order.customer_id), list(order.details)

    async def allocate_client_ids(self, records: Sequence[tuple[ClientKind, str, int | None]], offset: int) -> None:
        await self._conn.execute(
            text("""INSERT INTO mahak_client_id (kind, local_key, client_id, job_id)
                    SELECT k, l, nextval(pg_get_serial_sequence('mahak_client_id', 'id')) + :offset, j
                    FROM unnest(CAST(:kinds AS text[]), CAST(:keys AS text[]), CAST(:jobs AS bigint[])) AS t(k, l, j)
                    ON CONFLICT (kind, local_key) DO NOTHING"""),
            {
                "kinds": [str(k) for k, _, _ in records],
                "keys": [key for _, key, _ in records],
                "jobs": [j for _, _, j in records],
                "offset": offset,
            },
        )

    async def unpublished(self, limit: int) -> list[int]:
        return list(
            (
                await self._conn.execute(
                    text("""SELECT id FROM export_job WHERE published_at IS NULL AND status = 'pending'
                            ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED"""),
                    {"n": limit},
                )
            )
            .scalars()
            .all()
        )

    async def mark_published(self, job_id: int) -> None:
        await self._conn.execute(text("UPDATE export_job SET published_at = now() WHERE id = :i"), {"i": job_id})

    async def mark_unpublished(self, job_id: int) -> None:
        await self._conn.execute(
            text("UPDATE export_job SET published_at = NULL, updated_at = now() WHERE id = :i"), {"i": job_id}
        )

    async def insert_flagged_return(self, order_id: int, error: str) -> None:
        await self._conn.execute(
            text("""INSERT INTO export_job (order_id, kind, status, error, published_at)
                    VALUES (:o, 'return', :s, :e, now())
                    ON CONFLICT (order_id, kind) DO NOTHING"""),
            {"o": order_id, "s": str(JobStatus.FLAGGED), "e": error},
        )
