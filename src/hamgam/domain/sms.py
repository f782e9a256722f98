"""SMS value types and errors shared by the store core and every SMS adapter.

Mobiles are normalised to ``09XXXXXXXXX`` before any adapter sends (see ``hamgam.domain.persian``).
Providers do not check OTPs for us: we keep our own hashed code; ``send_otp`` only delivers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

#: The event topic of what a customer is told by SMS (written to the event outbox, read by the SMS notifier).
SMS_TOPIC = "events.sms"


class SmsStatus(StrEnum):
    """Our coarse view of a provider's message status at the time of sending."""

    QUEUED = "queued"  # accepted, waiting in the provider (or scheduled)
    SENT = "sent"  # handed to the operator
    DELIVERED = "delivered"
    FAILED = "failed"  # undelivered, cancelled or blocked


@dataclass(frozen=True, slots=True)
class SmsResult:
    """One accepted message. ``message_id`` is the provider's id, as a string whatever its wire type."""

    message_id: str
    status: SmsStatus
    #: The provider's raw status number when it sends one (Kavenegar entry status).
    provider_status: int | None = None
    #: As the provider reports it: Rial for Kavenegar, the plan's unit for SMS.ir.
    cost: float | None = None


class SmsFailure(StrEnum):
    """Why a provider refused, so operators can tell "top up credit" from "fix the template"."""

    AUTH = "auth"  # bad, disabled or IP-restricted API key; account disabled
    CREDIT = "credit"
    RECIPIENT = "recipient"  # invalid or blacklisted mobile
    SENDER = "sender"  # invalid or inactive line
    MESSAGE = "message"  # empty, too long or bad characters
    TEMPLATE = "template"  # unknown or unapproved template
    TOKEN = "token"  # template parameter malformed or too long
    RATE_LIMIT = "rate_limit"
    PROVIDER = "provider"  # provider-side failure: busy, 5xx, timeout
    OTHER = "other"


class SmsError(Exception):
    """A send did not go through. ``code`` is the provider's return code when it sent one."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        reason: SmsFailure,
        code: int | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.reason = reason
        self.code = code
        self.http_status = http_status

    def __str__(self) -> str:
        extra = f" code={self.code}" if self.code is not None else ""
        return f"{self.provider}: {self.message} ({self.reason}{extra})"


class SmsUnavailable(SmsError):
    """Transient (timeout, 5xx, busy, rate limited): retrying later may succeed.

    The message may nevertheless have gone out."""


class SmsRejected(SmsError):
    """Permanent: the provider refused this message; resending the same one will fail again."""
