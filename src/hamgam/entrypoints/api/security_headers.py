"""Security headers every HTTP answer carries, API and pages alike (the pages add their own on top:
``web/security.py``).

- ``X-Content-Type-Options: nosniff`` on everything.
- ``Strict-Transport-Security`` when the request came over https (the scheme after the trusted proxies,
  ``client_address``): browsers then never try plain http for this host again.
- ``Cache-Control: no-store`` on answers that carry tokens or personal data (tokens, a guest cart's token, the
  account, carts, orders and their payments, admin), so neither the browser's cache nor a shared proxy keeps them.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: One year, without ``includeSubDomains``: the merchant's other hosts are not ours to pin.
HSTS = b"max-age=31536000"
#: Paths whose answers must not be stored.
NO_STORE_PREFIXES = (
    "/api/v1/auth/",
    "/api/v1/me",
    "/api/v1/cart",
    "/api/v1/payments",
    "/api/v1/admin",
    "/api/v1/orders",
    "/api/v1/checkout",
    "/account",
    "/cart",
    "/admin",
    "/login",
    "/logout",
    "/checkout",
)


def is_private(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix.rstrip("/") + "/") for prefix in NO_STORE_PREFIXES)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = is_private(scope["path"])
        added: list[tuple[bytes, bytes]] = [(b"x-content-type-options", b"nosniff")]
        if scope.get("scheme") == "https":
            added.append((b"strict-transport-security", HSTS))
        if private:
            added.append((b"cache-control", b"no-store"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if private:  # no-store replaces whatever caching the handler allowed
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                present = {k.lower() for k, _ in headers}
                message["headers"] = headers + [(k, v) for k, v in added if k not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)
