"""The audit log: who did what to which target.

Every staff action and every sync repair is recorded through ``AuditLog.record``. A unit of work carries one
(``uow.audit``) bound to its transaction, so the entry commits or rolls back with the change it describes.
"""

from __future__ import annotations

from typing import Any, Protocol


class AuditLog(Protocol):
    async def record(self, actor: str, action: str, target: str, details: dict[str, Any] | None = None) -> None:
        """Append one entry; ``details`` (JSON; values that are not JSON are written as text) may be empty."""
