"""Security headers of the pages (a strict Content-Security-Policy: no inline script or style, no eval) and
the CSRF check of every state-changing page request."""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hamgam.entrypoints.web.session import SESSIONLESS, SessionCodec, WebSession

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def content_security_policy(payment_origin: str | None) -> str:
    """``form-action`` also names the payment gateway: the pay form's redirect goes there."""
    form_action = "'self'" + (f" {payment_origin}" if payment_origin else "")
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        f"connect-src 'self'; form-action {form_action}; frame-ancestors 'none'; base-uri 'none'; "
        "object-src 'none'"
    )


def origin_of(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


class SecurityHeadersMiddleware:
    """Adds the page headers to every response outside the JSON API (whose docs page loads its own assets)."""

    def __init__(self, app: ASGIApp, *, csp: str) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).extend(self.headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CsrfFailed(Exception):
    """A state-changing request without the session's CSRF token (or from another origin)."""


async def check_csrf(request: Request) -> None:
    """Router dependency: every non-GET page request must carry the session's token (form field or header)
    and, when the browser says where it came from, come from this site."""
    if request.method in SAFE_METHODS or request.url.path.startswith(SESSIONLESS):
        return
    origin = request.headers.get("origin")
    if origin and origin != "null":
        if urlsplit(origin).netloc != request.headers.get("host", ""):
            raise CsrfFailed("cross-origin request")
    session: WebSession = request.state.web_session
    codec: SessionCodec = request.app.state.web.codec
    expected = codec.csrf_token(session)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form(max_files=1, max_fields=200)
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, expected):
        raise CsrfFailed("missing or wrong CSRF token")
