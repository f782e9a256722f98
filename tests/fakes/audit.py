"""The in-memory audit log the accounts, admin and site fakes share: entries as dicts on their data's ``audit``."""

from __future__ import annotations

from typing import Any, Protocol


class HoldsAudit(Protocol):
    audit: list[dict[str, Any]]


class FakeAuditLog:
    """``hamgam.ports.audit.AuditLog`` appending to ``data.audit`` (read at each call, so a rollback that puts the
    data's lists back is seen)."""

    def __init__(self, data: HoldsAudit) -> None:
        self._data = data

    async def record(self, actor: str, action: str, target: str, details: dict[str, Any] | None = None) -> None:
        self._data.audit.append({"actor": actor, "action": action, "target": target, "details": details or None})
