"""What the SMS adapters share: mobile normalisation and one HTTP call with errors classified once."""

from __future__ import annotations

from typing import Any

import httpx2

from hamgam.domain.persian import InvalidIdentifier, normalize_mobile
from hamgam.domain.sms import SmsFailure, SmsRejected, SmsUnavailable


def recipient(provider: str, mobile: str) -> str:
    """``09XXXXXXXXX`` or ``SmsRejected(RECIPIENT)`` before anything is sent."""
    try:
        return normalize_mobile(mobile)
    except InvalidIdentifier as exc:
        raise SmsRejected(str(exc), provider=provider, reason=SmsFailure.RECIPIENT) from exc


async def call_json(
    client: httpx2.AsyncClient, provider: str, method: str, url: str, **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    """Send one request and return (HTTP status, JSON object body).

    Timeouts, connection errors and unreadable 5xx/429 replies raise ``SmsUnavailable``; any other unreadable
    reply raises ``SmsRejected``. A readable body is returned whatever the status: the provider's own code in
    it decides. ``url`` never appears in an error, since Kavenegar's carries the API key.
    """
    try:
        response = await client.request(method, url, **kwargs)
    except httpx2.TimeoutException as exc:
        raise SmsUnavailable(
            f"timed out ({type(exc).__name__})", provider=provider, reason=SmsFailure.PROVIDER
        ) from exc
    except httpx2.TransportError as exc:
        raise SmsUnavailable(type(exc).__name__, provider=provider, reason=SmsFailure.PROVIDER) from exc
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        return response.status_code, body
    status = response.status_code
    if status >= 500 or status in (408, 429):
        reason = SmsFailure.RATE_LIMIT if status == 429 else SmsFailure.PROVIDER
        raise SmsUnavailable("unreadable reply", provider=provider, reason=reason, http_status=status)
    raise SmsRejected("unreadable reply", provider=provider, reason=SmsFailure.OTHER, http_status=status)
