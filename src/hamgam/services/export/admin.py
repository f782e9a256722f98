"""Staff operations on export jobs: list them with Mahak's reasons, replay one, reconcile now — each change
recorded in the audit log with who did it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hamgam.adapters.db.audit import record
from hamgam.domain.errors import Conflict, NotFound
from hamgam.services.export.outbox import ExportOutbox
from hamgam.services.export.reconcile import reconcile

_COLUMNS = """j.id, j.order_id, j.kind, j.status, j.attempts, j.created_at, j.updated_at, j.published_at, j.sent_at,
    j.confirmed_at, j.invoiced_at, j.mahak_order_id, j.mahak_order_code, j.error, j.errors, o.status AS order_status,
    o.total_rial, j.mahak_total_rial, j.total_difference_rial"""
#: States staff may replay from (a pending job is already on its way).
REPLAYABLE = ("rejected", "failed")


async def list_jobs(
    engine: AsyncEngine, *, status: str | None = None, errors_only: bool = False, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """Newest first; ``errors_only``: jobs with an error to read (refused, failed, or retrying)."""
    where = ["(CAST(:s AS text) IS NULL OR j.status = :s)"]
    if errors_only:
        where.append("j.error IS NOT NULL")
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(f"""SELECT {_COLUMNS}, count(*) OVER () AS total FROM export_job j
                         JOIN store_order o ON o.id = j.order_id WHERE {" AND ".join(where)}
                         ORDER BY j.id DESC LIMIT :l OFFSET :o"""),
                {"s": status, "l": limit, "o": offset},
            )
        ).mappings().all()
    total = int(rows[0]["total"]) if rows else 0
    return {"items": [{k: v for k, v in r.items() if k != "total"} for r in rows], "total": total}


async def get_job(engine: AsyncEngine, job_id: int) -> dict[str, Any]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(f"""SELECT {_COLUMNS}, j.request, j.readback_from FROM export_job j
                         JOIN store_order o ON o.id = j.order_id WHERE j.id = :i"""),
                {"i": job_id},
            )
        ).mappings().first()
        if row is None:
            raise NotFound("کار ارسال پیدا نشد — export job not found", job_id=job_id)
        ids = await conn.execute(
            text("""SELECT kind, local_key, client_id, mahak_id, mahak_code, confirmed_at FROM mahak_client_id
                    WHERE job_id = :i ORDER BY id"""),
            {"i": job_id},
        )
        return dict(row) | {"client_ids": [dict(r) for r in ids.mappings()]}


async def replay(engine: AsyncEngine, outbox: ExportOutbox, job_id: int, actor: str) -> dict[str, Any]:
    """Put a refused or failed job back to ``pending`` and publish it again (audited). The exporter reads back
    what Mahak already holds and sends only what is missing."""
    async with engine.begin() as conn:
        before = (
            await conn.execute(
                text("SELECT status, error FROM export_job WHERE id = :i FOR UPDATE"), {"i": job_id}
            )
        ).first()
        if before is None:
            raise NotFound("کار ارسال پیدا نشد — export job not found", job_id=job_id)
        if before.status not in REPLAYABLE:
            raise Conflict(
                f"فقط کارهای رد شده یا ناموفق دوباره ارسال می‌شوند — only rejected or failed jobs can be replayed "
                f"(status {before.status})",
                status=before.status,
            )
        await conn.execute(
            text("UPDATE export_job SET status = 'pending', updated_at = now() WHERE id = :i"), {"i": job_id}
        )
    await outbox.republish(engine, job_id)
    await record(engine, actor, "export_job.replay", f"export_job:{job_id}",
                 {"status_before": before.status, "error_before": before.error})
    return await get_job(engine, job_id)


async def reconcile_now(engine: AsyncEngine, outbox: ExportOutbox, actor: str) -> dict[str, Any]:
    report = await reconcile(engine, outbox)
    await record(engine, actor, "export.reconcile", f"export_reconciliation:{report['id']}")
    return report


async def latest_reconciliation(engine: AsyncEngine) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        row = (
            await conn.execute(text("SELECT * FROM export_reconciliation ORDER BY id DESC LIMIT 1"))
        ).mappings().first()
    return dict(row) if row else None
