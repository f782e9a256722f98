"""Export jobs as staff read them (``hamgam.ports.export.ExportJobViews``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_COLUMNS = """j.id, j.order_id, j.kind, j.status, j.attempts, j.created_at, j.updated_at, j.published_at, j.sent_at,
    j.confirmed_at, j.invoiced_at, j.mahak_order_id, j.mahak_order_code, j.error, j.errors, o.status AS order_status,
    o.total_rial, j.mahak_total_rial, j.total_difference_rial"""


class SqlExportJobViews:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def search(
        self, *, status: str | None, errors_only: bool, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        """Newest first, with the number of matching jobs."""
        where = ["(CAST(:s AS text) IS NULL OR j.status = :s)"]
        if errors_only:
            where.append("j.error IS NOT NULL")
        rows = (
            (
                await self._conn.execute(
                    text(f"""SELECT {_COLUMNS}, count(*) OVER () AS total FROM export_job j
                         JOIN store_order o ON o.id = j.order_id WHERE {" AND ".join(where)}
                         ORDER BY j.id DESC LIMIT :l OFFSET :o"""),
                    {"s": status, "l": limit, "o": offset},
                )
            )
            .mappings()
            .all()
        )
        total = int(rows[0]["total"]) if rows else 0
        return [{k: v for k, v in r.items() if k != "total"} for r in rows], total

    async def get(self, job_id: int) -> dict[str, Any] | None:
        row = (
            (
                await self._conn.execute(
                    text(f"""SELECT {_COLUMNS}, j.request, j.readback_from FROM export_job j
                         JOIN store_order o ON o.id = j.order_id WHERE j.id = :i"""),
                    {"i": job_id},
                )
            )
            .mappings()
            .first()
        )
        return dict(row) if row else None

    async def client_ids(self, job_id: int) -> list[dict[str, Any]]:
        rows = await self._conn.execute(
            text("""SELECT kind, local_key, client_id, mahak_id, mahak_code, confirmed_at FROM mahak_client_id
                    WHERE job_id = :i ORDER BY id"""),
            {"i": job_id},
        )
        return [dict(r) for r in rows.mappings()]

    async def lock_status(self, job_id: int) -> tuple[str, str | None] | None:
        row = (
            await self._conn.execute(
                text("SELECT status, error FROM export_job WHERE id = :i FOR UPDATE"), {"i": job_id}
            )
        ).first()
        return (row.status, row.error) if row else None
