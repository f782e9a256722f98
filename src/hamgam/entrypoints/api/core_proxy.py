"""Gateway remote mode: forward ``/api/v1/*`` to the core service over HTTP (``settings.core_url``).

``CoreProxyMiddleware`` sits just inside the request-id middleware, so the forwarded request carries the
gateway's request id and the answer gets it back. Method, path, query and headers go through as they came,
bodies stream both ways, hop-by-hop headers are dropped and ``X-Forwarded-For``/``-Proto``/``-Host`` are set
from what the gateway saw (the client's own values are replaced, so they cannot be forged through the gateway;
the core believes them with ``trusted_proxy_hops`` = 1). The Host header is kept, so URLs
the core builds point at the public host. A core that cannot be reached answers 502, one that answers too
slowly 504, both in the API's error shape. Other paths (pages, ``/healthz``, ``/api/docs``) are served in-process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hamgam.entrypoints.api.errors import error_body

log = structlog.get_logger(__name__)

#: Headers about one connection, never forwarded (RFC 9110 §7.6.1), plus those a ``Connection`` header names.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
#: Set by the gateway itself on the way in: what the client sent is dropped.
REPLACED_IN = frozenset({"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded", "x-request-id"})
#: uvicorn writes its own ``date`` and ``server``; the gateway adds the request id.
REPLACED_OUT = frozenset({"x-request-id", "date", "server"})
#: Seconds to open a connection to the core; a core that takes longer is treated as down.
CONNECT_TIMEOUT_S = 5.0
#: Pooled connections to the core (kept alive between requests).
MAX_CONNECTIONS = 200
MAX_KEEPALIVE = 50


class CoreProxy:
    """A pooled HTTP client to the core. The client is made on first use (in the serving event loop) and closed
    by ``aclose``."""

    def __init__(self, core_url: str, *, timeout_s: float) -> None:
        self.core_url = core_url.rstrip("/")
        self.timeout = httpx2.Timeout(timeout_s, connect=min(CONNECT_TIMEOUT_S, timeout_s))
        self._client: httpx2.AsyncClient | None = None

    @property
    def client(self) -> httpx2.AsyncClient:
        if self._client is None:
            self._client = httpx2.AsyncClient(
                timeout=self.timeout,
                limits=httpx2.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_KEEPALIVE),
                follow_redirects=False,
                trust_env=False,
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def forwards(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


class CoreProxyMiddleware:
    """Forwards requests under ``prefix`` to the core; everything else goes to the wrapped app."""

    def __init__(self, app: ASGIApp, *, proxy: CoreProxy, prefix: str) -> None:
        self.app = app
        self.proxy = proxy
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not forwards(scope["path"], self.prefix):
            await self.app(scope, receive, send)
            return
        request = self.proxy.client.build_request(
            scope["method"],
            self._target(scope),
            headers=_request_headers(scope),
            content=_request_body(receive) if _has_body(scope) else None,
        )
        try:
            response = await self.proxy.client.send(request, stream=True)
        except (httpx2.ConnectError, httpx2.ConnectTimeout) as exc:
            await self._fail(
                scope,
                receive,
                send,
                502,
                "core_unavailable",
                "سرویس اصلی در دسترس نیست — the core service is unreachable",
                exc,
            )
            return
        except httpx2.TimeoutException as exc:
            await self._fail(
                scope,
                receive,
                send,
                504,
                "core_timeout",
                "سرویس اصلی به‌موقع پاسخ نداد — the core service did not answer in time",
                exc,
            )
            return
        except httpx2.TransportError as exc:
            await self._fail(
                scope,
                receive,
                send,
                502,
                "core_unavailable",
                "اتصال به سرویس اصلی قطع شد — the connection to the core service failed",
                exc,
            )
            return
        try:
            await send(
                {"type": "http.response.start", "status": response.status_code, "headers": _response_headers(response)}
            )
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except httpx2.HTTPError as exc:
            # The status line is gone already: all that is left is to cut the connection.
            log.warning("core_proxy.body_failed", path=scope["path"], error=repr(exc))
            raise
        finally:
            await response.aclose()

    def _target(self, scope: Scope) -> str:
        path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string") or b""
        return self.proxy.core_url + path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")

    async def _fail(
        self, scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str, exc: Exception
    ) -> None:
        log.warning("core_proxy.failed", path=scope["path"], status=status, error=repr(exc))
        request = Request(scope, receive)
        await JSONResponse(error_body(request, code, message), status_code=status)(scope, receive, send)


def _connection_named(headers: list[tuple[bytes, bytes]]) -> set[str]:
    named: set[str] = set()
    for key, value in headers:
        if key.lower() == b"connection":
            named.update(token.strip().lower() for token in value.decode("latin-1").split(",") if token.strip())
    return named


def _request_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    incoming: list[tuple[bytes, bytes]] = list(scope.get("headers") or [])
    dropped = HOP_BY_HOP | REPLACED_IN | _connection_named(incoming)
    headers = [(k, v) for k, v in incoming if k.decode("latin-1").lower() not in dropped]
    client = scope.get("client")
    if client:
        headers.append((b"x-forwarded-for", str(client[0]).encode("latin-1")))
    headers.append((b"x-forwarded-proto", str(scope.get("scheme", "http")).encode("latin-1")))
    host = next((v for k, v in incoming if k.lower() == b"host"), None)
    if host is not None:
        headers.append((b"x-forwarded-host", host))
    request_id = (scope.get("state") or {}).get("request_id")
    if request_id:
        headers.append((b"x-request-id", str(request_id).encode("latin-1")))
    return headers


def _response_headers(response: httpx2.Response) -> list[tuple[bytes, bytes]]:
    raw = list(response.headers.raw)
    dropped = HOP_BY_HOP | REPLACED_OUT | _connection_named(raw)
    return [(k, v) for k, v in raw if k.decode("latin-1").lower() not in dropped]


def _has_body(scope: Scope) -> bool:
    for key, value in scope.get("headers") or []:
        name = key.lower()
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() not in (b"", b"0")):
            return True
    return False


async def _request_body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionError("the client went away while sending its body")
        body = message.get("body", b"")
        if body:
            yield body
        if not message.get("more_body", False):
            return
