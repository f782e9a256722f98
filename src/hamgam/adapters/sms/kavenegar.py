"""Kavenegar adapter (iran.md §2.1).

``POST {base_url}/v1/{API_KEY}/{scope}/{method}.json`` with form-encoded parameters. The API key is in
the path, so URLs are never logged or put in errors. Success is ``return.status == 200`` in the body,
whatever the HTTP status; the first ``entries`` item describes the message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import httpx2

from hamgam.adapters.sms.common import call_json, recipient
from hamgam.domain.sms import SmsFailure, SmsRejected, SmsResult, SmsStatus, SmsUnavailable

PROVIDER: Final = "kavenegar"
LIVE_BASE_URL: Final = "https://api.kavenegar.com"
#: Lookup parameters a template may use; token10 and token20 may contain spaces, the others may not.
TOKEN_NAMES: Final = ("token", "token2", "token3", "token10", "token20")
_PLAIN_TOKEN: Final = re.compile(r"[^\s_,;\u200c]+")

#: Return codes after which a later retry may succeed (server busy).
TRANSIENT_CODES: Final = frozenset({409})
_REASONS: Final = {
    401: SmsFailure.AUTH, 403: SmsFailure.AUTH, 407: SmsFailure.AUTH, 416: SmsFailure.AUTH,
    430: SmsFailure.AUTH, 418: SmsFailure.CREDIT, 411: SmsFailure.RECIPIENT, 412: SmsFailure.SENDER,
    413: SmsFailure.MESSAGE, 422: SmsFailure.MESSAGE, 424: SmsFailure.TEMPLATE, 426: SmsFailure.TEMPLATE,
    432: SmsFailure.TEMPLATE, 428: SmsFailure.TOKEN, 431: SmsFailure.TOKEN, 409: SmsFailure.PROVIDER,
}  # fmt: skip
#: Entry ``status`` (Kavenegar.Core MessageStatus) → our coarse status.
_ENTRY_STATUS: Final = {
    1: SmsStatus.QUEUED, 2: SmsStatus.QUEUED, 4: SmsStatus.SENT, 5: SmsStatus.SENT, 10: SmsStatus.DELIVERED,
    11: SmsStatus.FAILED, 13: SmsStatus.FAILED, 14: SmsStatus.FAILED, 100: SmsStatus.FAILED,
}  # fmt: skip


class KavenegarSms:
    """``SmsSender`` over Kavenegar.

    Parameters:
        api_key: goes into the URL path; never logged.
        sender: the line number for free text (``None``: the account's default line).
        otp_template: the approved lookup template whose ``%token`` receives the code.
        base_url: ``LIVE_BASE_URL`` or a simulator's URL.
        client: an ``httpx2.AsyncClient`` to use instead of the adapter's own (then the caller closes it).
    """

    def __init__(
        self,
        *,
        api_key: str,
        otp_template: str,
        sender: str | None = None,
        base_url: str = LIVE_BASE_URL,
        timeout_s: float = 10.0,
        connect_timeout_s: float = 5.0,
        client: httpx2.AsyncClient | None = None,
    ) -> None:
        self._api_key = api_key
        self._otp_template = otp_template
        self._sender = sender
        self._base_url = base_url.rstrip("/")
        self._owns_client = client is None
        self._client = client or httpx2.AsyncClient(
            timeout=httpx2.Timeout(timeout_s, connect=connect_timeout_s),
            headers={"Accept": "application/json", "User-Agent": "hamgam/0.1"},
        )

    def __repr__(self) -> str:
        return f"KavenegarSms(base_url={self._base_url!r}, api_key=***)"

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> KavenegarSms:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def send(self, mobile: str, text: str) -> SmsResult:
        """``sms/send.json`` to one receptor."""
        params = {"receptor": recipient(PROVIDER, mobile), "message": text}
        if self._sender:
            params["sender"] = self._sender
        return await self._call("sms", "send", params)

    async def send_otp(self, mobile: str, code: str) -> SmsResult:
        """``verify/lookup.json`` with ``otp_template`` and ``token=code``."""
        return await self.send_template(mobile, self._otp_template, {"token": code})

    async def send_template(self, mobile: str, template: str, params: Mapping[str, str]) -> SmsResult:
        """``verify/lookup.json``. ``params`` keys are ``token``, ``token2``, ``token3``, ``token10``,
        ``token20`` (``token`` required). Spaces and ZWNJ in plain tokens become ``-``, as Kavenegar requires;
        other separators raise ``SmsRejected(TOKEN)`` before sending."""
        unknown = set(params) - set(TOKEN_NAMES)
        if unknown or not params.get("token"):
            raise SmsRejected(
                f"lookup needs 'token' and only {TOKEN_NAMES}, got {sorted(params)}",
                provider=PROVIDER,
                reason=SmsFailure.TOKEN,
            )
        form = {"receptor": recipient(PROVIDER, mobile), "template": template}
        for name, value in params.items():
            if name in ("token10", "token20"):
                form[name] = value
                continue
            value = re.sub(r"[ \u200c]+", "-", value.strip())
            if not _PLAIN_TOKEN.fullmatch(value):
                raise SmsRejected(f"{name} has a separator", provider=PROVIDER, reason=SmsFailure.TOKEN)
            form[name] = value
        return await self._call("verify", "lookup", form)

    async def _call(self, scope: str, method: str, form: dict[str, str]) -> SmsResult:
        url = f"{self._base_url}/v1/{self._api_key}/{scope}/{method}.json"
        http_status, body = await call_json(self._client, PROVIDER, "POST", url, data=form)
        returned = body.get("return")
        ret: dict[str, Any] = returned if isinstance(returned, dict) else {}
        code = ret.get("status")
        if code != 200:
            raise _error(ret, code, http_status)
        entries = body.get("entries")
        entry: dict[str, Any] = entries[0] if isinstance(entries, list) and entries else {}
        if not isinstance(entry, dict) or entry.get("messageid") is None:
            raise SmsUnavailable(
                "accepted without a message id", provider=PROVIDER, reason=SmsFailure.PROVIDER, code=code
            )
        raw_status = entry.get("status")
        return SmsResult(
            message_id=str(entry["messageid"]),
            status=_ENTRY_STATUS.get(raw_status, SmsStatus.QUEUED) if isinstance(raw_status, int) else SmsStatus.QUEUED,
            provider_status=raw_status if isinstance(raw_status, int) else None,
            cost=float(entry["cost"]) if isinstance(entry.get("cost"), int | float) else None,
        )


def _error(ret: dict[str, Any], code: object, http_status: int) -> SmsUnavailable | SmsRejected:
    message = str(ret.get("message") or "refused")
    if not isinstance(code, int):
        cls = SmsUnavailable if http_status >= 500 else SmsRejected
        return cls(message, provider=PROVIDER, reason=SmsFailure.PROVIDER, http_status=http_status)
    reason = _REASONS.get(code, SmsFailure.OTHER)
    cls = SmsUnavailable if code in TRANSIENT_CODES or code >= 500 else SmsRejected
    return cls(message, provider=PROVIDER, reason=reason, code=code, http_status=http_status)
