"""The ports: what the services need from the outside world, as Protocols.

Each port has adapters under ``hamgam.adapters`` and an in-package fake for unit tests and dev mode. The
outside services' ports are here; persistence ports (a unit of work per bounded context and its repositories)
are in the submodules: ``unit_of_work``, ``store``, ``accounts``, ``admin``, ``export`` and ``sync``; the audit
log in ``audit``, locks in ``locks``, rate limits in ``ratelimit``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, Protocol

from hamgam.domain.payments import (
    InquiryResult,
    PaymentRequestResult,
    ReverseResult,
    UnverifiedPayment,
    VerifyResult,
)
from hamgam.domain.sms import SmsResult
from hamgam.ports.ratelimit import RateLimiter as RateLimiter  # its home; re-exported for the services


class Delivery(Protocol):
    """One message handed to a consumer. Exactly one of ``ack``, ``retry`` or ``release`` settles it.

    The consumer acks only after the message's effect is committed; a crash before that redelivers it.
    """

    message_id: str
    body: bytes
    headers: Mapping[str, Any]
    #: 1 on the first delivery, counting retries scheduled through ``retry``.
    attempt: int

    async def ack(self) -> None:
        """The effect is committed: forget the message."""

    async def retry(self, error: str, delay_s: float) -> None:
        """Deliver a copy again after ``delay_s`` with ``attempt + 1`` and the error kept, then drop this one.

        The copy is durable before the original is dropped: a crash in between yields a duplicate, never a loss.
        """

    async def release(self) -> None:
        """Give the message back untouched (shutdown): it is delivered again without counting an attempt."""


class MessageQueue(Protocol):
    """Durable topics with competing consumers: the broker of the sync batches, exports and events."""

    async def publish(
        self, topic: str, body: bytes, *, headers: Mapping[str, Any] | None = None, message_id: str | None = None
    ) -> None:
        """Return only once the message is durably stored (publisher confirm or committed row)."""

    def consume(self, topic: str, *, prefetch: int) -> AsyncIterator[Delivery]:
        """Yield deliveries of ``topic``, at most ``prefetch`` unsettled at once, until the queue is closed."""

    async def depth(self, topic: str) -> int:
        """Messages waiting in ``topic`` (ready or delayed for retry), for metrics and autoscaling."""

    async def close(self) -> None:
        """Stop consuming; unsettled deliveries go back to the queue."""


class PaymentGateway(Protocol):
    """An online payment gateway (Zarinpal and its fakes). All amounts are integer Rial.

    Flow: ``request_payment``, send the browser to ``redirect_url``; the gateway sends it back to the
    callback with ``Authority`` and ``Status`` (client data, no proof); then ``verify`` server-to-server
    with the amount from our own records. Errors: ``PaymentGatewayRejected`` (permanent) or
    ``PaymentGatewayUnavailable`` (transient; for verify the outcome is unknown, so retry or inquire and
    keep the stock reserved).
    """

    async def request_payment(
        self,
        *,
        amount_rial: int,
        callback_url: str,
        description: str,
        mobile: str | None = None,
        email: str | None = None,
        order_id: str | None = None,
    ) -> PaymentRequestResult:
        """Open a payment session. Not idempotent: each call is a new authority; store it, then redirect."""

    async def verify(self, authority: str, amount_rial: int) -> VerifyResult:
        """Confirm a session. Idempotent: a repeat returns ``ALREADY_VERIFIED`` with the same ``ref_id``.

        Amount mismatch, unpaid and unknown sessions are results (``VerifyResult.status``), not exceptions.
        """

    async def unverified(self) -> list[UnverifiedPayment]:
        """Sessions paid but not verified yet, for the reconciliation job to verify promptly."""


class FullPaymentGateway(PaymentGateway, Protocol):
    """A gateway that can also report on a session and reverse a verified payment (Zarinpal can)."""

    async def inquiry(self, authority: str) -> InquiryResult:
        """The session's state without changing it (for verify results that came back unknown)."""

    async def reverse(self, authority: str) -> ReverseResult:
        """Give a verified payment back to the payer (about 30 minutes' window on Zarinpal).

        Refusals (not in a success state, window expired) are ``reversed=False`` results, not exceptions.
        """


class SmsSender(Protocol):
    """An SMS provider (Kavenegar, SMS.ir and a recording fake).

    Mobiles are accepted in any spelling ``normalize_mobile`` accepts; an invalid one raises ``SmsRejected``
    (reason ``RECIPIENT``) before anything is sent. Failures raise ``SmsRejected`` (permanent) or
    ``SmsUnavailable`` (transient; the message may or may not have gone out).
    """

    async def send(self, mobile: str, text: str) -> SmsResult:
        """Send free text from the configured line. Prefer templates for anything transactional."""

    async def send_otp(self, mobile: str, code: str) -> SmsResult:
        """Deliver a one-time code through the provider's fast template (Kavenegar lookup, SMS.ir verify).

        The provider does not check the code later: the caller stores a hash, expiry and attempt count.
        """

    async def send_template(self, mobile: str, template: str, params: Mapping[str, str]) -> SmsResult:
        """Send an approved template. ``params`` keys are the provider's parameter names (Kavenegar:
        ``token``, ``token2``, ``token3``, ``token10``, ``token20``; SMS.ir: the ``#Name#`` placeholders)."""


class ObjectStore(Protocol):
    """Object storage (S3/MinIO, a local directory, memory) for product images. Keys are ``/``-separated
    relative paths; every method is safe to retry."""

    async def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        """Store ``data`` under ``key``, replacing what was there (atomic for readers)."""

    async def get(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is no such key."""

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None:
        """Forget ``key``; a missing key is not an error."""

    async def list(self, prefix: str) -> list[str]:
        """Every key under ``prefix`` (a folder-like prefix, without a trailing slash), sorted."""
