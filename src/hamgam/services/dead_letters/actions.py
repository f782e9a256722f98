"""Staff actions on dead letters: each one and its audit entry (who did it) commit in one transaction."""

from __future__ import annotations

from typing import Protocol

from hamgam.ports import MessageQueue
from hamgam.ports.dead_letters import DeadLetterUnitOfWork

#: How much of a replaced body the audit entry keeps.
BODY_KEPT_CHARS = 10_000


class DeadLetterContext(Protocol):
    """What the actions need (the composition root's container has both)."""

    @property
    def queue(self) -> MessageQueue: ...

    def dead_letter_uow(self) -> DeadLetterUnitOfWork: ...


def _target(letter_id: int) -> str:
    return f"dead_letter:{letter_id}"


async def replay(context: DeadLetterContext, letter_id: int, actor: str) -> bool:
    """Publish the letter again to its topic; the consumer applies it once (its effect is idempotent)."""
    async with context.dead_letter_uow() as uow:
        ok = await uow.letters.replay(letter_id, context.queue)
        if ok:
            await uow.audit.record(actor, "dead_letter.replay", _target(letter_id))
    return ok


async def edit(context: DeadLetterContext, letter_id: int, body: bytes, actor: str) -> bool:
    """Replace the body (staff fix a bad payload) before a replay."""
    async with context.dead_letter_uow() as uow:
        before = await uow.letters.get(letter_id)
        ok = await uow.letters.update_body(letter_id, body)
        if ok and before is not None:
            await uow.audit.record(
                actor,
                "dead_letter.edit",
                _target(letter_id),
                {"before": before.body.decode("utf-8", "replace")[:BODY_KEPT_CHARS]},
            )
    return ok


async def purge(context: DeadLetterContext, letter_id: int, actor: str) -> bool:
    async with context.dead_letter_uow() as uow:
        ok = await uow.letters.purge(letter_id)
        if ok:
            await uow.audit.record(actor, "dead_letter.purge", _target(letter_id))
    return ok
