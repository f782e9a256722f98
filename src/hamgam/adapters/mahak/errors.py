"""The Mahak adapter's errors, classified once at the edge (STYLE §3 rule 7).

The retry policy keys on the domain's declared kinds (``hamgam.domain.errors``), which these types take:

- ``MahakTransient`` (``MahakUnavailable``, ``MahakRateLimited``, ``MahakCircuitOpen``): a ``TransientError``,
  try again later;
- ``MahakPermanent`` (``MahakRejected``): a ``PermanentError``, retrying the same request cannot help;
- ``MahakAuthError``: a ``CredentialsRefused``, the site credentials are wrong or revoked; an operator must
  act, and the retries give them the time to (neither kind: the tiers apply);
- ``ContractViolation``: a ``ContractBreach`` (permanent), Mahak sent something the contract does not allow;
  isolate the row (or the call).
"""

from __future__ import annotations

from typing import Any

from hamgam.domain.errors import ContractBreach, CredentialsRefused, PermanentError, TransientError

#: What to tell the merchant when the first full pull of the catalogue comes back empty (contract §3).
EmptyCatalogueHint = (
    "Mahak returned no products. In the Mahak desktop app, add the products to the Bazara "
    '"sent products" list and run send/receive, then sync again.'
)


class MahakError(Exception):
    """Any failure talking to Mahak."""


class MahakTransient(MahakError, TransientError):
    """The call may succeed if tried again later."""


class MahakUnavailable(MahakTransient):
    """Timeout, 5xx, dropped connection or unreadable body: the service is slow or down.

    For a write (SaveAllData) it also means the request may have reached the server: read back before
    resending.
    """


class MahakRateLimited(MahakTransient):
    """HTTP 429: Mahak asked us to slow down for ``retry_after_s`` seconds (None when it did not say)."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    def __reduce__(self):  # keep the attributes when pickled (subprocesses, queues)
        return (type(self), (str(self), self.retry_after_s))


class MahakCircuitOpen(MahakTransient):
    """Too many consecutive failures: calls are refused locally for ``retry_after_s`` seconds."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    def __reduce__(self):
        return (type(self), (str(self), self.retry_after_s))


class MahakPermanent(MahakError, PermanentError):
    """Retrying the same request cannot succeed."""


class MahakRejected(MahakPermanent):
    """Mahak answered with a business failure (``Result=false``, or an unexpected 4xx) and its message."""

    def __init__(self, message: str, code: int | None = None, status_code: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status_code = status_code

    def __reduce__(self):
        return (type(self), (str(self), self.code, self.status_code))


class MahakAuthError(MahakError, CredentialsRefused):
    """Login failed, or a renewed token was refused again: check the Bazara site user name and password."""


class ContractViolation(MahakError, ContractBreach):
    """Mahak sent data the contract does not allow.

    ``entity``/``row_id``/``field`` locate the defect as precisely as known (``None`` when unknown, e.g. a
    broken envelope); ``raw`` keeps the offending row (or body) as evidence for the dead-letter record.
    """

    def __init__(
        self,
        entity: str | None,
        row_id: int | None,
        field: str | None,
        reason: str,
        raw: Any = None,
    ) -> None:
        self.entity = entity
        self.row_id = row_id
        self.field = field
        self.reason = reason
        self.raw = raw
        super().__init__(
            f"{entity or 'response'} row {row_id if row_id is not None else '?'} field {field or '?'}: {reason}"
        )

    def __reduce__(self):
        return (type(self), (self.entity, self.row_id, self.field, self.reason, self.raw))
