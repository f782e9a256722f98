"""A row the sync refused, and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Rejection:
    """Why one row was not applied; kept in ``rejected_row`` with the raw row as evidence."""

    entity: str
    mahak_id: int | None
    row_version: int | None
    field: str | None
    reason: str
    raw: dict[str, Any] | None = None
