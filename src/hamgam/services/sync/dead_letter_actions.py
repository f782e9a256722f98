"""Staff actions on dead letters, each recorded in the audit log with who did it."""

from __future__ import annotations

from typing import Any

from hamgam.adapters.db.audit import record


async def replay(container: Any, letter_id: int, actor: str) -> bool:
    """Publish the letter again to its topic; the consumer applies it once (its effect is idempotent)."""
    ok = await container.dead_letters.replay(letter_id, container.queue)
    if ok:
        await record(container.engine, actor, "dead_letter.replay", f"dead_letter:{letter_id}")
    return ok


async def edit(container: Any, letter_id: int, body: bytes, actor: str) -> bool:
    """Replace the body (staff fix a bad payload) before a replay."""
    before = await container.dead_letters.get(letter_id)
    ok = await container.dead_letters.update_body(letter_id, body)
    if ok and before is not None:
        await record(
            container.engine,
            actor,
            "dead_letter.edit",
            f"dead_letter:{letter_id}",
            {"before": before.body.decode("utf-8", "replace")[:10_000]},
        )
    return ok


async def purge(container: Any, letter_id: int, actor: str) -> bool:
    ok = await container.dead_letters.purge(letter_id)
    if ok:
        await record(container.engine, actor, "dead_letter.purge", f"dead_letter:{letter_id}")
    return ok
