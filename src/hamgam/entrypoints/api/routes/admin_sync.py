"""Admin API for the Mahak sync: status, runs, batches, rejected rows, "sync now", and dead letters (list,
inspect, edit, replay, purge — each audited with who did it)."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from hamgam.domain.accounts import Role
from hamgam.domain.errors import InvalidInput, NotFound
from hamgam.domain.sync.entities import SYNC_ORDER
from hamgam.entrypoints.api.deps import ContainerDep, Id, Staff, require
from hamgam.entrypoints.api.errors import ERROR_RESPONSES
from hamgam.entrypoints.api.schemas import DeadLetterBodyIn, SyncRunIn
from hamgam.services.dead_letters import actions as dead_letter_actions
from hamgam.services.sync.status import dead_letters_waiting, sync_status

router = APIRouter(
    prefix="/admin",
    tags=["admin: sync"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(require(Role.STAFF))],
)
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


@router.get("/sync/status")
async def status(container: ContainerDep, _: Staff) -> dict[str, Any]:
    return {
        "entities": await sync_status(container.sync_reads),
        "dead_letters_waiting": await dead_letters_waiting(container.sync_reads),
    }


@router.get("/sync/runs")
async def runs(
    container: ContainerDep,
    _: Staff,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    return await container.sync_reads.runs_page(entity=entity, limit=limit, offset=offset)


@router.get("/sync/runs/{run_id}/batches")
async def batches(container: ContainerDep, _: Staff, run_id: Id) -> list[dict[str, Any]]:
    return await container.sync_reads.batches_of_run(run_id)


@router.get("/sync/rejected")
async def rejected(
    container: ContainerDep,
    _: Staff,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    return await container.sync_reads.rejected_page(entity=entity, limit=limit, offset=offset)


@router.post("/sync/run", status_code=202)
async def sync_now(container: ContainerDep, me: Staff, body: SyncRunIn) -> dict[str, Any]:
    """Ask the scheduler for a run now (all entities, or one)."""
    names = {e.name for e in SYNC_ORDER}
    if body.entity is not None and body.entity not in names:
        raise InvalidInput(f"unknown entity; one of {', '.join(sorted(names))}", field="entity")
    request_id = await container.sync_repository.request_run(body.entity, body.kind, me.actor)
    return {"request_id": request_id, "entity": body.entity, "kind": body.kind}


def _letter(letter: Any) -> dict[str, Any]:
    try:
        body: dict[str, Any] = {"body_text": letter.body.decode("utf-8")}
    except UnicodeDecodeError:
        body = {"body_base64": base64.b64encode(letter.body).decode()}
    fields = (
        "id",
        "topic",
        "message_id",
        "headers",
        "error",
        "attempts",
        "first_failed_at",
        "dead_at",
        "replayed_at",
        "purged_at",
    )
    return {k: getattr(letter, k) for k in fields} | body


@router.get("/dead-letters")
async def dead_letters(
    container: ContainerDep,
    _: Staff,
    topic: Annotated[str | None, Query(max_length=200)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    letters = await container.dead_letters.list(topic, limit=limit, offset=offset)
    return {"items": [_letter(x) for x in letters], "total": await container.dead_letters.count(topic)}


@router.get("/dead-letters/{letter_id}")
async def dead_letter(container: ContainerDep, _: Staff, letter_id: Id) -> dict[str, Any]:
    letter = await container.dead_letters.get(letter_id)
    if letter is None:
        raise NotFound("پیام پیدا نشد — dead letter not found")
    return _letter(letter)


@router.put("/dead-letters/{letter_id}/body", status_code=204)
async def edit(container: ContainerDep, me: Staff, letter_id: Id, body: DeadLetterBodyIn) -> None:
    if not await dead_letter_actions.edit(container, letter_id, body.body.encode(), me.actor):
        raise NotFound("پیام پیدا نشد — dead letter not found")


@router.post("/dead-letters/{letter_id}/replay", status_code=202)
async def replay(container: ContainerDep, me: Staff, letter_id: Id) -> dict[str, Any]:
    if not await dead_letter_actions.replay(container, letter_id, me.actor):
        raise NotFound("پیام پیدا نشد یا قبلاً بازپخش شده — dead letter not found or already replayed")
    return {"replayed": letter_id}


@router.delete("/dead-letters/{letter_id}", status_code=204)
async def purge(container: ContainerDep, me: Staff, letter_id: Id) -> None:
    if not await dead_letter_actions.purge(container, letter_id, me.actor):
        raise NotFound("پیام پیدا نشد — dead letter not found")
