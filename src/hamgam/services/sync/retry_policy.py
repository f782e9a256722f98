"""The one table that decides what a failure becomes: a retry after a delay, or a dead letter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: Failures that no retry can mend: the message itself is wrong.
PERMANENT_ERRORS: tuple[type[BaseException], ...] = (ValueError, KeyError, TypeError)


@dataclass(frozen=True)
class Decision:
    #: Seconds to wait before the next attempt; ``None`` means dead-letter now.
    retry_after_s: float | None
    reason: str

    @property
    def dead(self) -> bool:
        return self.retry_after_s is None


def decide(error: BaseException, attempt: int, delays_s: Sequence[float]) -> Decision:
    """Retry transient failures with the delay of this attempt's tier; dead-letter the rest.

    ``attempt`` is 1 on the first delivery. After ``len(delays_s)`` retries the message is dead-lettered.
    """
    reason = f"{type(error).__name__}: {error}"
    if isinstance(error, PERMANENT_ERRORS):
        return Decision(None, f"permanent: {reason}")
    if attempt > len(delays_s):
        return Decision(None, f"gave up after {attempt} attempts: {reason}")
    return Decision(delays_s[attempt - 1], reason)
