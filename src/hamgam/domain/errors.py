"""Errors as types: what a failure means is declared where it is raised, never guessed from Python's built-ins.

``PermanentError`` and ``TransientError`` say whether trying again can help; the retry policy of every consumer
(``hamgam.services.messaging.retry_policy``) classifies by them. The store core's errors follow: the gateway maps
each to one HTTP status (``entrypoints/api/errors``); their messages are meant for the user: clear, in Persian
with the English gist, never a stack trace.
"""

from __future__ import annotations


class PermanentError(Exception):
    """Trying again cannot help: the message or the request itself is wrong. Consumers dead-letter it at once."""


class TransientError(Exception):
    """The same attempt may succeed later (a service slow or down, something not arrived yet): retried."""


class MalformedMessage(PermanentError, ValueError):
    """A message body that is not what its topic carries (a ``ValueError`` for callers that parse)."""


class ContractBreach(PermanentError):
    """An outside service (Mahak) sent what its contract does not allow: ``field`` (when known) and ``reason``
    say what."""

    field: str | None
    reason: str


class CredentialsRefused(Exception):
    """An outside service refused our credentials: an operator must fix them. Neither kind: trying again later
    (after the fix) succeeds, so the retry tiers apply."""


class StoreError(Exception):
    """Base of the store's expected failures. ``code`` is a stable machine-readable name."""

    code = "store_error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(StoreError):
    """The input breaks a rule (bad mobile, unknown shipping method, empty cart...)."""

    code = "invalid_input"

    def __init__(self, message: str, *, field: str | None = None, **details: object) -> None:
        super().__init__(message, field=field, **details)
        self.field = field


class NotFound(StoreError):
    code = "not_found"


class Conflict(StoreError):
    """The request is valid but the current state forbids it (order already paid, wrong status...)."""

    code = "conflict"


class ConfirmationRequired(Conflict):
    """A destructive action was asked for without its explicit confirmation; the message says what would follow."""

    code = "confirmation_required"


class OutOfStock(Conflict):
    code = "out_of_stock"

    def __init__(self, product_detail_id: int, available: int) -> None:
        super().__init__(
            f"موجودی کافی نیست (کالای {product_detail_id}، موجود: {available}) — not enough stock",
            product_detail_id=product_detail_id,
            available=available,
        )


class Unauthorized(StoreError):
    """Bad credentials or token: the caller is not who they claim to be."""

    code = "unauthorized"


class Forbidden(StoreError):
    """The caller is known but their role does not allow this."""

    code = "forbidden"


class RateLimited(StoreError):
    code = "rate_limited"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message, retry_after_s=retry_after_s)
        self.retry_after_s = retry_after_s


class PaymentUnavailable(StoreError):
    """The gateway did not answer; try again shortly (the order and its stock are kept)."""

    code = "payment_unavailable"
