"""Dead letters: messages that ran out of attempts or failed for good, kept for staff to fix, replay or purge."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    topic: str
    message_id: str
    body: bytes
    headers: dict[str, Any]
    error: str
    attempts: int
    first_failed_at: dt.datetime | None
    dead_at: dt.datetime
    replayed_at: dt.datetime | None
    purged_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class FailedMessage:
    """A delivery a consumer gives up on, as it goes into the dead-letter store (``first_failed_at`` defaults to
    what its headers say)."""

    topic: str
    message_id: str
    body: bytes
    error: str
    attempts: int
    headers: Mapping[str, Any] = field(default_factory=dict)
    first_failed_at: dt.datetime | None = None
