"""Zarinpal REST v4 adapter (iran.md §1): request, StartPay redirect, verify, unVerified, inquiry, reverse.

Wire rules this module relies on:
- every call is ``POST {base_url}/pg/v4/payment/<name>.json`` with a JSON body that carries ``merchant_id``;
- success is ``{"data": {"code": 100 | 101, ...}, "errors": []}``; failures are
  ``{"data": [], "errors": {"code": -NN, "message": ..., "validations": [...]}}``, usually with a 4xx status,
  so the body is parsed whatever the HTTP status;
- the buyer is redirected to ``{startpay_base_url}/pg/StartPay/{authority}``.
"""

from __future__ import annotations

from typing import Any, Final

import httpx2

from hamgam.domain.payments import (
    InquiryResult,
    PaymentGatewayError,
    PaymentGatewayRejected,
    PaymentGatewayUnavailable,
    PaymentRequestResult,
    ReverseResult,
    SessionStatus,
    UnverifiedPayment,
    VerifyResult,
    VerifyStatus,
)
from hamgam.domain.persian import InvalidIdentifier, normalize_mobile

LIVE_BASE_URL: Final = "https://payment.zarinpal.com"
SANDBOX_BASE_URL: Final = "https://sandbox.zarinpal.com"
API_PREFIX: Final = "/pg/v4/payment"

#: Codes after which trying again later can succeed: too many attempts, "unexpected error, contact support".
TRANSIENT_CODES: Final = frozenset({-12, -52})
_VERIFY_OUTCOMES: Final = {
    100: VerifyStatus.PAID,
    101: VerifyStatus.ALREADY_VERIFIED,
    -50: VerifyStatus.AMOUNT_MISMATCH,
    -51: VerifyStatus.NOT_PAID,
    -53: VerifyStatus.INVALID,
    -54: VerifyStatus.INVALID,
    -55: VerifyStatus.INVALID,
}
#: Reverse refusals that are answers about the session, not failures of the call.
_REVERSE_REFUSALS: Final = frozenset({-60, -61, -62, -63})
_SESSION_STATUSES: Final = {
    "IN_BANK": SessionStatus.IN_BANK,
    "PAID": SessionStatus.PAID,
    "VERIFIED": SessionStatus.VERIFIED,
    "FAILED": SessionStatus.FAILED,
    "REVERSED": SessionStatus.REVERSED,
}


class ZarinpalGateway:
    """``FullPaymentGateway`` over Zarinpal REST v4 (live, sandbox or the local simulator).

    Parameters:
        base_url: ``LIVE_BASE_URL``, ``SANDBOX_BASE_URL`` or a simulator's URL.
        merchant_id: the 36-character terminal UUID. Never logged or put in an exception.
        startpay_base_url: where buyers are sent; defaults to ``base_url``.
        timeout_s / connect_timeout_s: per call. A timeout raises ``PaymentGatewayUnavailable``.
        client: an ``httpx2.AsyncClient`` to use instead of the adapter's own (then the caller closes it).
    """

    def __init__(
        self,
        *,
        base_url: str,
        merchant_id: str,
        startpay_base_url: str | None = None,
        timeout_s: float = 15.0,
        connect_timeout_s: float = 5.0,
        client: httpx2.AsyncClient | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._startpay_base_url = (startpay_base_url or base_url).rstrip("/")
        self._merchant_id = merchant_id
        self._owns_client = client is None
        self._client = client or httpx2.AsyncClient(
            timeout=httpx2.Timeout(timeout_s, connect=connect_timeout_s),
            headers={"Accept": "application/json", "User-Agent": "hamgam/0.1 zarinpal-v4"},
        )

    def __repr__(self) -> str:
        return f"ZarinpalGateway(base_url={self._base_url!r})"

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> ZarinpalGateway:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def redirect_url(self, authority: str) -> str:
        return f"{self._startpay_base_url}/pg/StartPay/{authority}"

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
        """Open a session (``request.json``, currency IRR). ``mobile`` goes to the gateway only when valid:
        it is a convenience for the buyer (saved cards), not a reason to refuse the payment."""
        _check_amount(amount_rial)
        metadata: dict[str, str] = {}
        if mobile:
            try:
                metadata["mobile"] = normalize_mobile(mobile)
            except InvalidIdentifier:
                pass
        if email:
            metadata["email"] = email
        if order_id is not None:
            metadata["order_id"] = str(order_id)
        body: dict[str, Any] = {
            "amount": amount_rial,
            "currency": "IRR",
            "callback_url": callback_url,
            "description": description,
        }
        if metadata:
            body["metadata"] = metadata
        status, data, code = await self._call("request", body)
        if code != 100 or not isinstance(data.get("authority"), str):
            raise _error_for(status, data, code, "payment request refused")
        authority = data["authority"]
        return PaymentRequestResult(
            authority=authority,
            redirect_url=self.redirect_url(authority),
            fee_rial=_int_or_none(data.get("fee")),
            code=code,
            message=str(data.get("message", "")),
        )

    async def verify(self, authority: str, amount_rial: int) -> VerifyResult:
        """``verify.json`` with the amount from our own records. 100/101 succeed; -50/-51/-53/-54/-55 are
        results; anything else raises (timeouts and 5xx as ``PaymentGatewayUnavailable``: outcome unknown)."""
        _check_amount(amount_rial)
        status, data, code = await self._call("verify", {"amount": amount_rial, "authority": authority})
        outcome = _VERIFY_OUTCOMES.get(code) if code is not None else None
        if outcome is None or code is None:
            raise _error_for(status, data, code, "verify failed")
        if outcome in (VerifyStatus.PAID, VerifyStatus.ALREADY_VERIFIED):
            return VerifyResult(
                status=outcome,
                code=code,
                message=str(data.get("message", "")),
                ref_id=_int_or_none(data.get("ref_id")),
                card_pan=data.get("card_pan") or None,
                card_hash=data.get("card_hash") or None,
                fee_rial=_int_or_none(data.get("fee")),
            )
        return VerifyResult(status=outcome, code=code, message=str(data.get("message", "")))

    async def unverified(self) -> list[UnverifiedPayment]:
        """``unVerified.json``: paid sessions of this merchant that nobody verified yet."""
        status, data, code = await self._call("unVerified", {})
        if code != 100:
            raise _error_for(status, data, code, "unverified list failed")
        return [
            UnverifiedPayment(
                authority=str(item["authority"]),
                amount_rial=int(item.get("amount", 0)),
                callback_url=str(item.get("callback_url") or ""),
                referer=str(item.get("referer") or ""),
                date=str(item.get("date") or ""),
            )
            for item in data.get("authorities") or []
            if isinstance(item, dict) and item.get("authority")
        ]

    async def inquiry(self, authority: str) -> InquiryResult:
        """``inquiry.json``: the session's state. An unknown authority raises ``PaymentGatewayRejected``."""
        status, data, code = await self._call("inquiry", {"authority": authority})
        if code != 100:
            raise _error_for(status, data, code, "inquiry failed")
        raw = str(data.get("status", "")).upper()
        return InquiryResult(
            authority=authority,
            status=_SESSION_STATUSES.get(raw, SessionStatus.UNKNOWN),
            code=code,
            message=str(data.get("message", "")),
        )

    async def reverse(self, authority: str) -> ReverseResult:
        """``reverse.json``. -60…-63 (not reversible now) come back as ``reversed=False``."""
        status, data, code = await self._call("reverse", {"authority": authority})
        if code == 100:
            return ReverseResult(authority, True, code, str(data.get("message", "")))
        if code in _REVERSE_REFUSALS:
            return ReverseResult(authority, False, code, str(data.get("message", "")))
        raise _error_for(status, data, code, "reverse failed")

    async def _call(self, name: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], int | None]:
        """POST one API call; return (HTTP status, merged data/errors object, result code or None).

        Transport failures and unreadable 5xx replies raise ``PaymentGatewayUnavailable`` here; every
        readable body goes back to the caller, which decides by code.
        """
        url = f"{self._base_url}{API_PREFIX}/{name}.json"
        try:
            response = await self._client.post(url, json={"merchant_id": self._merchant_id, **body})
        except httpx2.TimeoutException as exc:
            raise PaymentGatewayUnavailable(f"zarinpal {name}: timed out ({type(exc).__name__})") from exc
        except httpx2.TransportError as exc:
            raise PaymentGatewayUnavailable(f"zarinpal {name}: {type(exc).__name__}") from exc
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            cls = PaymentGatewayUnavailable if _is_transient_http(response.status_code) else PaymentGatewayRejected
            raise cls(f"zarinpal {name}: unreadable reply", http_status=response.status_code)
        data = payload.get("data")
        errors = payload.get("errors")
        # Success puts the code in ``data``; failure leaves ``data: []`` and puts it in ``errors``.
        merged: dict[str, Any] = {}
        if isinstance(errors, dict):
            merged.update(errors)
        if isinstance(data, dict):
            merged.update(data)
        return response.status_code, merged, _int_or_none(merged.get("code"))


def _check_amount(amount_rial: int) -> None:
    if isinstance(amount_rial, bool) or not isinstance(amount_rial, int) or amount_rial <= 0:
        raise ValueError(f"amount_rial must be a positive int, not {amount_rial!r}")


def _is_transient_http(status: int) -> bool:
    return status >= 500 or status in (408, 429)


def _error_for(status: int, data: dict[str, Any], code: int | None, what: str) -> PaymentGatewayError:
    message = str(data.get("message") or what)
    validations = data.get("validations")
    if validations:
        message = f"{message} {validations}"
    transient = code in TRANSIENT_CODES if code is not None else _is_transient_http(status)
    cls = PaymentGatewayUnavailable if transient else PaymentGatewayRejected
    return cls(f"zarinpal: {message}", code=code, http_status=status)


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None
