"""Staff actions on dead letters commit together with their audit entry, or not at all."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from hamgam.adapters.queue.memory import MemoryBroker, MemoryQueue
from hamgam.ports.dead_letters import DeadLetterUnitOfWork
from hamgam.services.dead_letters.actions import edit, purge, replay
from tests.fakes.dead_letters import FakeDeadLetterData, FakeDeadLetterUnitOfWork


@dataclass
class Context:
    data: FakeDeadLetterData = field(default_factory=FakeDeadLetterData)
    queue: MemoryQueue = field(default_factory=lambda: MemoryQueue(MemoryBroker()))
    audit_fails: bool = False

    def dead_letter_uow(self) -> DeadLetterUnitOfWork:
        return FakeDeadLetterUnitOfWork(self.data, audit_fails=self.audit_fails)


async def test_each_action_is_audited_with_who_did_it() -> None:
    context = Context()
    letter_id = context.data.add("sync.batches", b'{"old": 1}')
    assert await edit(context, letter_id, b'{"new": 1}', "staff:09120000000")
    assert await replay(context, letter_id, "staff:09120000000")
    assert await purge(context, letter_id, "staff:09120000000")
    actions = [(actor, action, target) for actor, action, target, _ in context.data.audit]
    assert actions == [
        ("staff:09120000000", "dead_letter.edit", f"dead_letter:{letter_id}"),
        ("staff:09120000000", "dead_letter.replay", f"dead_letter:{letter_id}"),
        ("staff:09120000000", "dead_letter.purge", f"dead_letter:{letter_id}"),
    ]
    assert context.data.audit[0][3] == {"before": '{"old": 1}'}
    assert await context.queue.depth("sync.batches") == 1


async def test_an_action_on_a_missing_letter_changes_nothing_and_is_not_audited() -> None:
    context = Context()
    assert not await purge(context, 99, "staff:1")
    assert not await replay(context, 99, "staff:1")
    assert context.data.audit == []


async def test_when_the_audit_entry_cannot_be_written_the_action_is_not_kept() -> None:
    context = Context(audit_fails=True)
    letter_id = context.data.add("sync.batches", b"{}")
    with pytest.raises(RuntimeError):
        await purge(context, letter_id, "staff:1")
    with pytest.raises(RuntimeError):
        await edit(context, letter_id, b'{"x": 1}', "staff:1")
    letter = context.data.letters[letter_id]
    assert letter.purged_at is None and letter.body == b"{}"
