"""The one table that decides what a failure becomes: a retry after a delay, or a dead letter.

Failures are classified by the kinds they declare (``hamgam.domain.errors``): a ``TransientError`` is retried
through the tiers, a ``PermanentError`` (a Mahak rejection, a contract violation, a malformed message, an export
Mahak refused) is dead-lettered at once. An error that declares neither is retried, except the built-in errors
that signal a message the code cannot read (``UNDECLARED_PERMANENT``): no retry makes such a message readable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hamgam.domain.errors import PermanentError, TransientError

#: Errors that declare no kind but that no retry can mend: raised while reading the message itself.
UNDECLARED_PERMANENT: tuple[type[BaseException], ...] = (ValueError, KeyError, TypeError)


@dataclass(frozen=True)
class Decision:
    #: Seconds to wait before the next attempt; ``None`` means dead-letter now.
    retry_after_s: float | None
    reason: str

    @property
    def dead(self) -> bool:
        return self.retry_after_s is None


def is_permanent(error: BaseException) -> bool:
    """Whether no retry can help ``error``: its declared kind first (a transient error that is also a
    ``ValueError`` is retried), then the undeclared built-ins."""
    if isinstance(error, TransientError):
        return False
    return isinstance(error, (PermanentError, *UNDECLARED_PERMANENT))


def decide(error: BaseException, attempt: int, delays_s: Sequence[float]) -> Decision:
    """Retry transient failures with the delay of this attempt's tier; dead-letter the rest.

    ``attempt`` is 1 on the first delivery. After ``len(delays_s)`` retries the message is dead-lettered.
    """
    reason = f"{type(error).__name__}: {error}"
    if is_permanent(error):
        return Decision(None, f"permanent: {reason}")
    if attempt > len(delays_s):
        return Decision(None, f"gave up after {attempt} attempts: {reason}")
    return Decision(delays_s[attempt - 1], reason)
