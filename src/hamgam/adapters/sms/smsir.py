"""SMS.ir REST v1 adapter (iran.md §2.2).

JSON in and out at ``{base_url}/v1/...`` with the ``x-api-key`` header. Success is ``status == 1`` in
the body; errors usually come with a 4xx and the same envelope, so the body is read whatever the status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import httpx2

from hamgam.adapters.sms.common import call_json, recipient
from hamgam.domain.sms import SmsFailure, SmsRejected, SmsResult, SmsStatus, SmsUnavailable

PROVIDER: Final = "smsir"
LIVE_BASE_URL: Final = "https://api.sms.ir"
#: SMS.ir caps each template parameter value (code 114).
MAX_PARAMETER_CHARS: Final = 25

#: 0 general error and 20 rate limit: trying later may work.
TRANSIENT_CODES: Final = frozenset({0, 20})
_REASONS: Final = {
    0: SmsFailure.PROVIDER, 10: SmsFailure.AUTH, 11: SmsFailure.AUTH, 12: SmsFailure.AUTH,
    13: SmsFailure.AUTH, 14: SmsFailure.AUTH, 20: SmsFailure.RATE_LIMIT, 101: SmsFailure.SENDER,
    123: SmsFailure.SENDER, 102: SmsFailure.CREDIT, 103: SmsFailure.MESSAGE, 104: SmsFailure.RECIPIENT,
    115: SmsFailure.RECIPIENT, 113: SmsFailure.TEMPLATE, 124: SmsFailure.TEMPLATE, 114: SmsFailure.TOKEN,
    116: SmsFailure.TOKEN,
}  # fmt: skip


class SmsIrSms:
    """``SmsSender`` over SMS.ir.

    Parameters:
        api_key: sent as ``x-api-key``; never logged.
        otp_template_id: the verify template whose ``#{otp_parameter}#`` receives the code.
        line_number: the line for free text (``/send/bulk``); OTPs need none.
        base_url: ``LIVE_BASE_URL`` or a simulator's URL.
        client: an ``httpx2.AsyncClient`` to use instead of the adapter's own (then the caller closes it).
    """

    def __init__(
        self,
        *,
        api_key: str,
        otp_template_id: int,
        otp_parameter: str = "Code",
        line_number: str | None = None,
        base_url: str = LIVE_BASE_URL,
        timeout_s: float = 10.0,
        connect_timeout_s: float = 5.0,
        client: httpx2.AsyncClient | None = None,
    ) -> None:
        self._otp_template_id = otp_template_id
        self._otp_parameter = otp_parameter
        self._line_number = line_number
        self._base_url = base_url.rstrip("/")
        self._owns_client = client is None
        self._client = client or httpx2.AsyncClient(
            timeout=httpx2.Timeout(timeout_s, connect=connect_timeout_s),
            headers={"Accept": "application/json", "User-Agent": "hamgam/0.1"},
        )
        self._headers = {"x-api-key": api_key}

    def __repr__(self) -> str:
        return f"SmsIrSms(base_url={self._base_url!r}, api_key=***)"

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> SmsIrSms:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def send(self, mobile: str, text: str) -> SmsResult:
        """``POST /v1/send/bulk`` to one mobile from ``line_number`` (required for free text)."""
        mobile = recipient(PROVIDER, mobile)
        if not self._line_number or not self._line_number.isdigit():
            raise SmsRejected("free text needs a numeric line_number", provider=PROVIDER, reason=SmsFailure.SENDER)
        body = {
            "lineNumber": int(self._line_number),
            "messageText": text,
            "mobiles": [mobile],
            "sendDateTime": None,
        }
        data = await self._call("/v1/send/bulk", body)
        ids = data.get("messageIds")
        if not isinstance(ids, list) or not ids:
            raise SmsUnavailable("accepted without a message id", provider=PROVIDER, reason=SmsFailure.PROVIDER)
        return SmsResult(message_id=str(ids[0]), status=SmsStatus.QUEUED, cost=_float(data.get("cost")))

    async def send_otp(self, mobile: str, code: str) -> SmsResult:
        """``POST /v1/send/verify`` with ``otp_template_id`` and ``{otp_parameter: code}``."""
        return await self.send_template(mobile, str(self._otp_template_id), {self._otp_parameter: code})

    async def send_template(self, mobile: str, template: str, params: Mapping[str, str]) -> SmsResult:
        """``POST /v1/send/verify``. ``template`` is the numeric template id; ``params`` keys are its
        placeholder names. Values over 25 characters raise ``SmsRejected(TOKEN)`` before sending."""
        mobile = recipient(PROVIDER, mobile)
        if not template.isdigit():
            raise SmsRejected(f"template id must be numeric: {template!r}", provider=PROVIDER,
                              reason=SmsFailure.TEMPLATE)  # fmt: skip
        for name, value in params.items():
            if len(value) > MAX_PARAMETER_CHARS:
                raise SmsRejected(
                    f"{name} is over {MAX_PARAMETER_CHARS} characters",
                    provider=PROVIDER,
                    reason=SmsFailure.TOKEN,
                )
        body = {
            "mobile": mobile,
            "templateId": int(template),
            "parameters": [{"name": name, "value": value} for name, value in params.items()],
        }
        data = await self._call("/v1/send/verify", body)
        if data.get("messageId") is None:
            raise SmsUnavailable("accepted without a message id", provider=PROVIDER, reason=SmsFailure.PROVIDER)
        return SmsResult(message_id=str(data["messageId"]), status=SmsStatus.QUEUED, cost=_float(data.get("cost")))

    async def credit(self) -> float:
        """``GET /v1/credit``: the remaining credit, in the account's unit."""
        data = await self._call("/v1/credit", None)
        # Documented as a bare number; some clients see ``{"credit": n}``, so accept both.
        value = data.get("credit") if isinstance(data, dict) else data
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise SmsUnavailable("credit without a number", provider=PROVIDER, reason=SmsFailure.PROVIDER)
        return float(value)

    async def _call(self, path: str, body: dict[str, Any] | None) -> Any:
        method = "GET" if body is None else "POST"
        http_status, envelope = await call_json(
            self._client, PROVIDER, method, f"{self._base_url}{path}", json=body, headers=self._headers
        )
        code = envelope.get("status")
        if code != 1:
            message = str(envelope.get("message") or "refused")
            if not isinstance(code, int):
                cls = SmsUnavailable if http_status >= 500 else SmsRejected
                raise cls(message, provider=PROVIDER, reason=SmsFailure.PROVIDER, http_status=http_status)
            cls = SmsUnavailable if code in TRANSIENT_CODES else SmsRejected
            raise cls(
                message,
                provider=PROVIDER,
                reason=_REASONS.get(code, SmsFailure.OTHER),
                code=code,
                http_status=http_status,
            )
        data = envelope.get("data")
        return data if data is not None else {}


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
