"""The dead-letter store and the unit of work of the staff's actions on it (shared by the sync and the export).

Implemented for PostgreSQL by ``hamgam.adapters.db.dead_letters``; in memory by ``tests/fakes``.
"""

from __future__ import annotations

from typing import Protocol

from hamgam.domain.dead_letters import DeadLetter
from hamgam.ports import MessageQueue
from hamgam.ports.audit import AuditLog
from hamgam.ports.unit_of_work import UnitOfWork


class DeadLetterStore(Protocol):
    """The dead letters as staff read them: newest first; purged ones only when asked (purging is soft, so the
    audit trail stays). Consumers store theirs in the transaction that settles the failure (``SyncRepository``)."""

    async def list(
        self, topic: str | None = None, *, limit: int = 50, offset: int = 0, include_purged: bool = False
    ) -> list[DeadLetter]: ...

    async def count(self, topic: str | None = None, *, include_purged: bool = False) -> int: ...

    async def get(self, id: int) -> DeadLetter | None: ...


class DeadLetterRepository(Protocol):
    """The dead letters inside one unit of work (every change commits with the audit entry that describes it)."""

    async def get(self, id: int) -> DeadLetter | None: ...

    async def update_body(self, id: int, body: bytes) -> bool:
        """Replace the body (staff fix a bad payload); False when missing or purged."""

    async def replay(self, id: int, queue: MessageQueue) -> bool:
        """Publish the letter again as a fresh first attempt and mark it replayed; False when missing or purged."""

    async def purge(self, id: int) -> bool:
        """Hide the letter from the default listing; False when missing or already purged."""


class DeadLetterUnitOfWork(UnitOfWork, Protocol):
    """One transaction over the dead letters and the audit log."""

    @property
    def letters(self) -> DeadLetterRepository: ...

    @property
    def audit(self) -> AuditLog: ...
