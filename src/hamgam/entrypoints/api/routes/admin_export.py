"""Admin API for the export to Mahak: export jobs with Mahak's reasons for refusals, replay one (audited),
reconcile now and the latest reconciliation report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from hamgam.domain.accounts import Role
from hamgam.domain.export import JobStatus
from hamgam.entrypoints.api.deps import ContainerDep, Id, Staff, require
from hamgam.entrypoints.api.errors import ERROR_RESPONSES
from hamgam.services.export import admin

router = APIRouter(
    prefix="/admin/export",
    tags=["admin: export to Mahak"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(require(Role.STAFF))],
)
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


@router.get("/jobs")
async def jobs(
    container: ContainerDep,
    _: Staff,
    status: JobStatus | None = None,
    errors_only: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Export jobs, newest first; ``errors_only`` lists those with an error for staff (Mahak's message)."""
    return await admin.list_jobs(
        container.export_uow,
        status=str(status) if status else None,
        errors_only=errors_only,
        limit=limit,
        offset=offset,
    )


@router.get("/jobs/{job_id}")
async def job(container: ContainerDep, _: Staff, job_id: Id) -> dict[str, Any]:
    """One job with the request last sent, Mahak's per-item refusals and every client id it uses."""
    return await admin.get_job(container.export_uow, job_id)


@router.post("/jobs/{job_id}/replay", status_code=202)
async def replay(container: ContainerDep, me: Staff, job_id: Id) -> dict[str, Any]:
    """Send a refused or failed job again, after the cause was fixed (audited)."""
    return await admin.replay(container.export_uow, container.export_outbox, job_id, me.actor)


@router.post("/reconcile")
async def reconcile(container: ContainerDep, me: Staff) -> dict[str, Any]:
    """Compare paid orders with Mahak's orders now; returns the report (audited)."""
    return await admin.reconcile_now(container.export_uow, container.export_outbox, me.actor)


@router.get("/reconciliation")
async def reconciliation(container: ContainerDep, _: Staff) -> dict[str, Any]:
    return await admin.latest_reconciliation(container.export_uow) or {}
