"""Payment value types and errors shared by the store core and every payment gateway adapter.

Money is integer Rial everywhere (``*_rial``). Nothing here talks to a network; the adapters under
``hamgam.adapters.payments`` translate a gateway's wire format into these types.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class VerifyStatus(StrEnum):
    """What a server-to-server verify says about one payment session."""

    #: The money moved and this call confirmed it (Zarinpal 100).
    PAID = "paid"
    #: Confirmed by an earlier verify; same ``ref_id`` as then (Zarinpal 101). A success, not an error.
    ALREADY_VERIFIED = "already_verified"
    #: The amount we verified with differs from what was paid (Zarinpal -50). Never mark the order paid.
    AMOUNT_MISMATCH = "amount_mismatch"
    #: Cancelled, failed or not yet paid (Zarinpal -51): the normal result after ``Status=NOK``.
    NOT_PAID = "not_paid"
    #: The gateway does not know this authority for our merchant (Zarinpal -53, -54, -55).
    INVALID = "invalid"


class PaymentStatus(StrEnum):
    """Where one of our payment rows stands. Only the gateway's answers move it, never the buyer's callback.

    ``pending``, ``failed`` and ``unknown`` are rechecked while the order waits for payment; ``paid``,
    ``reversed`` and ``refund_due`` are settled and never verified again.
    """

    #: The session is open and the gateway has not said it is paid (the buyer may still be at the bank).
    PENDING = "pending"
    #: A verify is at the gateway now (no database transaction is held meanwhile).
    VERIFYING = "verifying"
    #: The verify got no answer (timeout, 5xx): the reconciler asks again; the order keeps its stock.
    UNKNOWN = "unknown"
    #: Verified: this payment paid its order.
    PAID = "paid"
    #: The gateway said not paid, or refused the session; rechecked while the order still waits.
    FAILED = "failed"
    #: Money taken for an order that did not need it (already paid, expired, cancelled), given back by the
    #: gateway's reverse.
    REVERSED = "reversed"
    #: Money taken for an order that did not need it and not given back by the gateway: staff refund it.
    REFUND_DUE = "refund_due"


#: Payment states a verify never touches again.
SETTLED_PAYMENT_STATES = frozenset({PaymentStatus.PAID, PaymentStatus.REVERSED, PaymentStatus.REFUND_DUE})


class SessionStatus(StrEnum):
    """Where a payment session stands, as an inquiry reports it."""

    IN_BANK = "in_bank"  # created, the buyer has not finished
    PAID = "paid"  # paid, waiting for our verify
    VERIFIED = "verified"
    FAILED = "failed"
    REVERSED = "reversed"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class PaymentRequestResult:
    """A session the gateway opened: send the buyer's browser to ``redirect_url``.

    Store ``(authority, amount_rial, order_id)`` before redirecting; verify later uses that stored amount.
    """

    authority: str
    redirect_url: str
    fee_rial: int | None = None
    code: int = 100
    message: str = ""


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The outcome of verify. ``is_success`` covers both first and repeated verification."""

    status: VerifyStatus
    code: int
    message: str = ""
    #: The bank tracking number: show it, store it, and send it to Mahak as the receipt reference.
    ref_id: int | None = None
    #: Masked card number, e.g. ``502229******5995``.
    card_pan: str | None = None
    #: SHA-256 hex of the card number (for fraud checks; not a secret).
    card_hash: str | None = None
    fee_rial: int | None = None

    @property
    def is_success(self) -> bool:
        return self.status in (VerifyStatus.PAID, VerifyStatus.ALREADY_VERIFIED)


@dataclass(frozen=True, slots=True)
class UnverifiedPayment:
    """A session the buyer paid but nobody verified yet (the buyer never came back): verify it promptly."""

    authority: str
    amount_rial: int
    callback_url: str = ""
    referer: str = ""
    #: As the gateway reports it (Zarinpal: ``YYYY-MM-DD HH:MM:SS``, Tehran time).
    date: str = ""


@dataclass(frozen=True, slots=True)
class InquiryResult:
    authority: str
    status: SessionStatus
    code: int
    message: str = ""


@dataclass(frozen=True, slots=True)
class ReverseResult:
    """``reversed`` is False when the gateway refused (not in a success state, window expired, ...)."""

    authority: str
    reversed: bool
    code: int
    message: str = ""


class PaymentGatewayError(Exception):
    """The gateway call did not produce an answer we can act on.

    ``code`` is the gateway's result code when it sent one, else None (network or unreadable reply).
    """

    def __init__(self, message: str, *, code: int | None = None, http_status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status

    def __str__(self) -> str:
        parts = [self.message]
        if self.code is not None:
            parts.append(f"code={self.code}")
        if self.http_status is not None:
            parts.append(f"http={self.http_status}")
        return " ".join(parts)


class PaymentGatewayUnavailable(PaymentGatewayError):
    """Transient: timeout, connection failure, 5xx, rate limit or "unexpected error".

    For verify this means **unknown**, not failed: retry or inquire, and keep the stock reserved.
    """


class PaymentGatewayRejected(PaymentGatewayError):
    """Permanent: the gateway refused the call (bad merchant, validation, amount limits ...).

    Retrying the same call won't help."""
