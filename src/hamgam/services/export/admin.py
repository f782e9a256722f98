"""Staff operations on export jobs: list them with Mahak's reasons, replay one, reconcile now — each change
recorded in the audit log with who did it."""

from __future__ import annotations

from typing import Any

from hamgam.domain.errors import Conflict, NotFound
from hamgam.ports.export import ExportUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.services.export.outbox import ExportOutbox
from hamgam.services.export.reconcile import reconcile

#: States staff may replay from (a pending job is already on its way).
REPLAYABLE = ("rejected", "failed")

Uow = UnitOfWorkFactory[ExportUnitOfWork]


async def list_jobs(
    uow_factory: Uow, *, status: str | None = None, errors_only: bool = False, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """Newest first; ``errors_only``: jobs with an error to read (refused, failed, or retrying)."""
    async with uow_factory() as uow:
        items, total = await uow.views.search(status=status, errors_only=errors_only, limit=limit, offset=offset)
    return {"items": items, "total": total}


async def get_job(uow_factory: Uow, job_id: int) -> dict[str, Any]:
    async with uow_factory() as uow:
        row = await uow.views.get(job_id)
        if row is None:
            raise NotFound("کار ارسال پیدا نشد — export job not found", job_id=job_id)
        return row | {"client_ids": await uow.views.client_ids(job_id)}


async def replay(uow_factory: Uow, outbox: ExportOutbox, job_id: int, actor: str) -> dict[str, Any]:
    """Put a refused or failed job back to ``pending`` and publish it again (audited). The exporter reads back
    what Mahak already holds and sends only what is missing."""
    async with uow_factory() as uow:
        before = await uow.views.lock_status(job_id)
        if before is None:
            raise NotFound("کار ارسال پیدا نشد — export job not found", job_id=job_id)
        status, error = before
        if status not in REPLAYABLE:
            raise Conflict(
                f"فقط کارهای رد شده یا ناموفق دوباره ارسال می‌شوند — only rejected or failed jobs can be replayed "
                f"(status {status})",
                status=status,
            )
        await uow.jobs.reopen(job_id)
        await uow.audit.record(
            actor, "export_job.replay", f"export_job:{job_id}", {"status_before": status, "error_before": error}
        )
    await outbox.republish(job_id)
    return await get_job(uow_factory, job_id)


async def reconcile_now(uow_factory: Uow, outbox: ExportOutbox, actor: str) -> dict[str, Any]:
    report = await reconcile(uow_factory, outbox)
    async with uow_factory() as uow:
        await uow.audit.record(actor, "export.reconcile", f"export_reconciliation:{report['id']}")
    return report


async def latest_reconciliation(uow_factory: Uow) -> dict[str, Any] | None:
    async with uow_factory() as uow:
        return await uow.reconciliations.latest()
