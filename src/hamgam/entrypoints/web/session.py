"""Cookie sessions for the pages: one signed, HttpOnly, ``SameSite=Lax`` cookie carrying the gateway's tokens
(access and rotating refresh token), the guest cart id, a random session id (the CSRF key) and flash messages.

The cookie is signed (HMAC-SHA256) so it cannot be forged or altered; it holds nothing the browser's owner
may not see (their own tokens). It is ``Secure`` when the request came over https, or always when configured.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "hamgam_session"
#: Seconds the cookie lives (the refresh token's lifetime bounds the login inside it).
MAX_AGE_S = 30 * 86_400
#: Paths that never use the session (JSON API, Torob's included; static files, images, probes, and what crawlers
#: fetch: no cookie, so shared caches may keep those answers).
SESSIONLESS = (
    "/api/",
    "/static/",
    "/media/",
    "/healthz",
    "/readyz",
    "/robots.txt",
    "/sitemap.xml",
    "/sitemaps/",
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def same_secret(sent: str, expected: str) -> bool:
    """Constant-time comparison of a secret the client sent with ours. Compared as bytes: what a client sends
    may hold any character (headers arrive as Latin-1, forms as UTF-8), which ``compare_digest`` refuses to
    compare as text."""
    return hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


class WebSession:
    """The decoded cookie. Mutations mark it dirty; the middleware writes it back once per response."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.data: dict[str, Any] = data or {}
        self.dirty = False
        if not isinstance(self.data.get("sid"), str):
            self.data = {"sid": secrets.token_urlsafe(18)}
            self.dirty = True

    @property
    def sid(self) -> str:
        return self.data["sid"]

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def set(self, key: str, value: Any) -> None:
        if self.data.get(key) != value:
            self.data[key] = value
            self.dirty = True

    def pop(self, key: str) -> Any:
        if key in self.data:
            self.dirty = True
            return self.data.pop(key)
        return None

    def login(self, access_token: str, refresh_token: str) -> None:
        """A new login gets a new session id (no fixation), keeping the guest cart id for the merge."""
        self.data = {
            "sid": secrets.token_urlsafe(18),
            "at": access_token,
            "rt": refresh_token,
            "flash": self.data.get("flash", []),
        }
        self.dirty = True

    def logout(self) -> None:
        self.data = {"sid": secrets.token_urlsafe(18)}
        self.dirty = True

    def flash(self, kind: str, message: str) -> None:
        self.set("flash", [*(self.data.get("flash") or []), [kind, message]][-5:])

    def take_flashes(self) -> list[tuple[str, str]]:
        return [(str(kind), str(message)) for kind, message in (self.pop("flash") or [])]


class SessionCodec:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def dumps(self, data: dict[str, Any]) -> str:
        payload = _b64(orjson.dumps(data | {"t": int(time.time())}))
        return f"{payload}.{self._sign(payload)}"

    def loads(self, cookie: str | None) -> dict[str, Any] | None:
        if not cookie or "." not in cookie or len(cookie) > 4000:
            return None
        payload, signature = cookie.rsplit(".", 1)
        if not same_secret(signature, self._sign(payload)):
            return None
        try:
            data = orjson.loads(_unb64(payload))
        except (ValueError, orjson.JSONDecodeError):
            return None
        if not isinstance(data, dict) or time.time() - int(data.get("t", 0)) > MAX_AGE_S:
            return None
        return data

    def csrf_token(self, session: WebSession) -> str:
        """Bound to the session id: a token from another session (or none) is refused."""
        return hmac.new(self._key, b"csrf:" + session.sid.encode(), hashlib.sha256).hexdigest()[:40]


def _cookie(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or []:
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == COOKIE:
                    return v
    return None


class SessionMiddleware:
    """Loads the session into ``request.state.web_session`` for page requests and writes it back when it
    changed."""

    def __init__(self, app: ASGIApp, codec: SessionCodec, *, secure: bool | None) -> None:
        self.app = app
        self.codec = codec
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(SESSIONLESS):
            await self.app(scope, receive, send)
            return
        session = WebSession(self.codec.loads(_cookie(scope)))
        scope.setdefault("state", {})["web_session"] = session
        secure = self.secure if self.secure is not None else scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and session.dirty:
                value = (
                    f"{COOKIE}={self.codec.dumps(session.data)}; Path=/; Max-Age={MAX_AGE_S}; HttpOnly; SameSite=Lax"
                )
                if secure:
                    value += "; Secure"
                message.setdefault("headers", []).append((b"set-cookie", value.encode("latin-1")))
                session.dirty = False
            await send(message)

        await self.app(scope, receive, send_with_cookie)
