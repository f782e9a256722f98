"""Security headers of the pages (a strict Content-Security-Policy: no inline script or style, no eval; the
headers of every answer are in ``api/security_headers.py``) and the CSRF check of every state-changing page
request."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hamgam.entrypoints.web.session import SESSIONLESS, SessionCodec, WebSession, same_secret

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


#: Where the trust badges' images come from (Enamad, Samandehi): the footer loads them from their issuers.
BADGE_IMAGE_ORIGINS = "https://trustseal.enamad.ir https://logo.samandehi.ir"


def content_security_policy(payment_origin: str | None) -> str:
    """``form-action`` also names the payment gateway: the pay form's redirect goes there; ``img-src`` the
    trust badges' issuers."""
    form_action = "'self'" + (f" {payment_origin}" if payment_origin else "")
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data: {BADGE_IMAGE_ORIGINS}; font-src 'self'; "
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


#: What ``Sec-Fetch-Site`` says of a request the site itself made (or the user typed).
OWN_FETCH_SITES = frozenset({"same-origin", "none"})
#: Form parsing limits of the pages (the body's size is capped before, by ``BodyLimitMiddleware``): no page form
#: has more fields, and only the image upload sends a file.
MAX_FORM_FIELDS = 200
MAX_FORM_FILES = 1


def refuse_cross_site(request: Request) -> None:
    """What the browser tells before the body: a request another site made is refused without reading it.

    Browsers send ``Sec-Fetch-Site`` (and ``Origin``) on every form post; a client that sends neither is no
    browser, so no victim's cookie rides on it, and the token check below still applies."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in OWN_FETCH_SITES:
        raise CsrfFailed(f"sec-fetch-site {fetch_site[:20]}")
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise CsrfFailed("cross-origin request")


async def check_csrf(request: Request) -> None:
    """Every non-GET page request comes from this site and carries the session's token.

    Runs before the route parses its body (``WebRoute``). The origin checks and the ``X-CSRF-Token`` header (sent
    by htmx, ``base.html``) are settled before any of the body is read; a plain form's token is read from the
    form, parsed here within the page limits (the route then reuses the parsed form)."""
    if request.method in SAFE_METHODS or request.url.path.startswith(SESSIONLESS):
        return
    refuse_cross_site(request)
    session: WebSession = request.state.web_session
    codec: SessionCodec = request.app.state.web.codec
    expected = codec.csrf_token(session)
    sent = request.headers.get(CSRF_HEADER)
    if sent is not None and not same_secret(sent, expected):
        raise CsrfFailed("wrong CSRF header")
    form = await request.form(max_files=MAX_FORM_FILES, max_fields=MAX_FORM_FIELDS)
    if sent is None:
        value = form.get(CSRF_FIELD)
        if not isinstance(value, str) or not same_secret(value, expected):
            raise CsrfFailed("missing or wrong CSRF token")
