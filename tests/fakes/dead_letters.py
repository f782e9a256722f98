"""In-memory dead letters and audit log behind a unit of work that keeps changes only when the block succeeds."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from types import TracebackType
from typing import Any, Self

from hamgam.domain.dead_letters import DeadLetter
from hamgam.ports import MessageQueue


class FakeDeadLetterData:
    """What is committed: the letters and the audit entries."""

    def __init__(self) -> None:
        self.letters: dict[int, DeadLetter] = {}
        self.audit: list[tuple[str, str, str, dict[str, Any] | None]] = []

    def add(self, topic: str, body: bytes) -> int:
        letter_id = len(self.letters) + 1
        now = dt.datetime.now(dt.UTC)
        self.letters[letter_id] = DeadLetter(
            letter_id, topic, f"m-{letter_id}", body, {}, "permanent: test", 1, now, now, None, None
        )
        return letter_id


class FakeLetters:
    def __init__(self, letters: dict[int, DeadLetter]) -> None:
        self.letters = letters

    async def get(self, id: int) -> DeadLetter | None:
        return self.letters.get(id)

    async def update_body(self, id: int, body: bytes) -> bool:
        return self._update(id, body=body)

    async def replay(self, id: int, queue: MessageQueue) -> bool:
        letter = self.letters.get(id)
        if letter is None or letter.purged_at is not None:
            return False
        await queue.publish(letter.topic, letter.body, message_id=letter.message_id)
        return self._update(id, replayed_at=dt.datetime.now(dt.UTC))

    async def purge(self, id: int) -> bool:
        return self._update(id, purged_at=dt.datetime.now(dt.UTC))

    def _update(self, id: int, **values: Any) -> bool:
        letter = self.letters.get(id)
        if letter is None or letter.purged_at is not None:
            return False
        self.letters[id] = dataclasses.replace(letter, **values)
        return True


class FakeAudit:
    def __init__(self, entries: list[tuple[str, str, str, dict[str, Any] | None]], fail: bool) -> None:
        self.entries, self.fail = entries, fail

    async def record(self, actor: str, action: str, target: str, details: dict[str, Any] | None = None) -> None:
        if self.fail:
            raise RuntimeError("the audit log is unavailable")
        self.entries.append((actor, action, target, details))


class FakeDeadLetterUnitOfWork:
    """Works on copies; leaving the block without an exception commits them into ``data``."""

    def __init__(self, data: FakeDeadLetterData, *, audit_fails: bool = False) -> None:
        self.data = data
        self.audit_fails = audit_fails

    async def __aenter__(self) -> Self:
        self._letters = copy.copy(self.data.letters)
        self._entries = list(self.data.audit)
        self.letters = FakeLetters(self._letters)
        self.audit = FakeAudit(self._entries, self.audit_fails)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.data.letters, self.data.audit = self._letters, self._entries
