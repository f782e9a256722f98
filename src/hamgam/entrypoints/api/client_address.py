"""The client's address and scheme behind a known number of reverse proxies (``settings.trusted_proxy_hops``).

This is the one place that reads ``X-Forwarded-For``/``-Proto``: uvicorn runs with ``proxy_headers`` off, and
this middleware rewrites ``scope["client"]`` and ``scope["scheme"]``, so everything downstream (rate-limit keys,
``Secure`` cookies, HSTS, the core proxy's own ``X-Forwarded-*``) reads the resolved values.

Each trusted proxy appends the address it saw to ``X-Forwarded-For``, so with ``hops`` proxies the client is the
entry ``hops`` places from the right. Entries further left are the client's own claims and are never used. A
header with fewer entries than ``hops`` (a request that did not come through every proxy) leaves the socket peer.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

SCHEMES = frozenset({"http", "https"})


def from_the_right(values: list[bytes], hops: int) -> str | None:
    """The entry ``hops`` places from the right of the comma-separated header ``values``, or None."""
    if hops <= 0 or not values:
        return None
    entries = [item.strip() for value in values for item in value.decode("latin-1").split(",")]
    if len(entries) < hops:
        return None
    return entries[-hops] or None


class TrustedProxyMiddleware:
    """Sets the client address and scheme from the forwarding headers, believing exactly ``hops`` proxies."""

    def __init__(self, app: ASGIApp, *, hops: int) -> None:
        self.app = app
        self.hops = hops

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.hops > 0:
            headers = scope.get("headers") or []
            address = from_the_right([v for k, v in headers if k == b"x-forwarded-for"], self.hops)
            if address:
                port = scope["client"][1] if scope.get("client") else 0
                scope["client"] = (address, port)
            scheme = from_the_right([v for k, v in headers if k == b"x-forwarded-proto"], self.hops)
            if scheme and scheme.lower() in SCHEMES:
                secure = scheme.lower() == "https"
                if scope["type"] == "websocket":
                    scope["scheme"] = "wss" if secure else "ws"
                else:
                    scope["scheme"] = "https" if secure else "http"
        await self.app(scope, receive, send)
