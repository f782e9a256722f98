"""Liveness and readiness probes on the API port (the health server of every role has the same two)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from hamgam.entrypoints.api.deps import ContainerDep
from hamgam.entrypoints.readiness import Readiness, core_checks

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    responses={503: {"description": "A dependency does not answer; `checks` and `errors` name it"}},
)
async def readyz(container: ContainerDep) -> JSONResponse:
    """Ready when the database (and RabbitMQ, when it carries the queue) answer, each within 2 s:
    ``{"status": "ok"|"unavailable", "checks": {"database": "ok", ...}, "errors": {...}}``."""
    ready, body = await Readiness(core_checks(container)).report()
    return JSONResponse(body, status_code=200 if ready else 503)
