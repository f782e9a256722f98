"""In-memory ``FullPaymentGateway`` for unit tests and dev mode: Zarinpal's rules without a network.

Tests drive the buyer's side with ``pay``/``cancel`` and can make the next calls fail with ``fail_next``.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from enum import StrEnum

from hamgam.domain.payments import (
    InquiryResult,
    PaymentGatewayError,
    PaymentGatewayRejected,
    PaymentRequestResult,
    ReverseResult,
    SessionStatus,
    UnverifiedPayment,
    VerifyResult,
    VerifyStatus,
)

#: Zarinpal's floor for a request (the official SDK refuses less).
MIN_AMOUNT_RIAL = 1_000


class FakeSessionState(StrEnum):
    CREATED = "created"
    PAID = "paid"
    FAILED = "failed"
    VERIFIED = "verified"
    REVERSED = "reversed"


@dataclass
class FakeSession:
    authority: str
    amount_rial: int
    callback_url: str
    description: str
    order_id: str | None
    mobile: str | None
    state: FakeSessionState = FakeSessionState.CREATED
    ref_id: int | None = None


@dataclass
class InMemoryPaymentGateway:
    """Sessions live in ``sessions``. ``redirect_url`` points at ``startpay_base_url``, which serves
    nothing: tests call ``pay``/``cancel`` instead of a browser."""

    startpay_base_url: str = "memory://zarinpal"
    sessions: dict[str, FakeSession] = field(default_factory=dict)
    _errors: list[PaymentGatewayError] = field(default_factory=list)
    _ref_ids: itertools.count = field(default_factory=lambda: itertools.count(100_000_001))

    # --- the buyer's side and test hooks ---

    def pay(self, authority: str) -> str:
        """The buyer pays; returns the callback URL the browser would be sent to (``Status=OK``)."""
        session = self.sessions[authority]
        if session.state is FakeSessionState.CREATED:
            session.state = FakeSessionState.PAID
        return _callback(session, "OK")

    def cancel(self, authority: str) -> str:
        """The buyer cancels; returns the ``Status=NOK`` callback URL."""
        session = self.sessions[authority]
        if session.state is FakeSessionState.CREATED:
            session.state = FakeSessionState.FAILED
        return _callback(session, "NOK")

    def fail_next(self, error: PaymentGatewayError, times: int = 1) -> None:
        """The next ``times`` calls raise ``error`` (e.g. ``PaymentGatewayUnavailable`` for a timeout)."""
        self._errors.extend([error] * times)

    def _maybe_fail(self) -> None:
        if self._errors:
            raise self._errors.pop(0)

    # --- the port ---

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
        self._maybe_fail()
        if amount_rial < MIN_AMOUNT_RIAL or not description or len(description) > 500 or not callback_url:
            raise PaymentGatewayRejected("validation error", code=-9)
        authority = "A" + secrets.token_hex(18)[:35]
        self.sessions[authority] = FakeSession(authority, amount_rial, callback_url, description, order_id, mobile)
        return PaymentRequestResult(
            authority=authority,
            redirect_url=f"{self.startpay_base_url}/pg/StartPay/{authority}",
            fee_rial=amount_rial // 100,
            message="Success",
        )

    async def verify(self, authority: str, amount_rial: int) -> VerifyResult:
        self._maybe_fail()
        session = self.sessions.get(authority)
        if session is None:
            return VerifyResult(VerifyStatus.INVALID, -54, "Authority is invalid.")
        if session.state is FakeSessionState.VERIFIED:
            if amount_rial != session.amount_rial:
                return VerifyResult(VerifyStatus.AMOUNT_MISMATCH, -50, "Session is not valid, amounts mismatch.")
            return self._paid(session, VerifyStatus.ALREADY_VERIFIED, 101, "Verified")
        if session.state is not FakeSessionState.PAID:
            return VerifyResult(VerifyStatus.NOT_PAID, -51, "Session is not valid, session is not active paid try.")
        if amount_rial != session.amount_rial:
            return VerifyResult(VerifyStatus.AMOUNT_MISMATCH, -50, "Session is not valid, amounts mismatch.")
        session.state = FakeSessionState.VERIFIED
        session.ref_id = next(self._ref_ids)
        return self._paid(session, VerifyStatus.PAID, 100, "Paid")

    def _paid(self, session: FakeSession, status: VerifyStatus, code: int, message: str) -> VerifyResult:
        return VerifyResult(
            status=status,
            code=code,
            message=message,
            ref_id=session.ref_id,
            card_pan="502229******5995",
            card_hash="0" * 64,
            fee_rial=session.amount_rial // 100,
        )

    async def unverified(self) -> list[UnverifiedPayment]:
        self._maybe_fail()
        return [
            UnverifiedPayment(s.authority, s.amount_rial, s.callback_url)
            for s in self.sessions.values()
            if s.state is FakeSessionState.PAID
        ]

    async def inquiry(self, authority: str) -> InquiryResult:
        self._maybe_fail()
        session = self.sessions.get(authority)
        if session is None:
            raise PaymentGatewayRejected("Authority is invalid.", code=-54)
        status = {
            FakeSessionState.CREATED: SessionStatus.IN_BANK,
            FakeSessionState.PAID: SessionStatus.PAID,
            FakeSessionState.FAILED: SessionStatus.FAILED,
            FakeSessionState.VERIFIED: SessionStatus.VERIFIED,
            FakeSessionState.REVERSED: SessionStatus.REVERSED,
        }[session.state]
        return InquiryResult(authority, status, 100, "Success")

    async def reverse(self, authority: str) -> ReverseResult:
        self._maybe_fail()
        session = self.sessions.get(authority)
        if session is None:
            raise PaymentGatewayRejected("Authority is invalid.", code=-54)
        if session.state is not FakeSessionState.VERIFIED:
            return ReverseResult(authority, False, -61, "Session is not in success status.")
        session.state = FakeSessionState.REVERSED
        return ReverseResult(authority, True, 100, "Reversed")


def _callback(session: FakeSession, status: str) -> str:
    separator = "&" if "?" in session.callback_url else "?"
    return f"{session.callback_url}{separator}Authority={session.authority}&Status={status}"
