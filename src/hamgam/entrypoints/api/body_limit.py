"""Request body caps, enforced while the body streams in and before anything parses it.

Each request gets a cap from its route: small for the JSON API, the upload limit for image uploads, a form cap
for the pages' forms, and a few named routes that take more (``body_limits``). A declared ``Content-Length``
over the cap is refused at once, without reading the body; otherwise the bytes are counted as they arrive and
the request is stopped when they pass the cap. Either way the answer is a 413 rendered by the app's own
``HTTPException`` handler (the API's error JSON, or the pages' error page), and the rest of the body never
reaches the app. When that rest is at most the cap again (a photo a little over the upload limit), uvicorn drops
it while the client finishes sending and the connection stays open, so a browser shows the answer. A larger rest,
or a stream of unknown length, gets ``Connection: close``: taking in megabytes only to drop them would cost the
gateway as much as reading them (the client, still sending, may then see the connection reset).

The gateway applies the caps before forwarding ``/api/v1`` to a remote core as well (this middleware sits
outside ``CoreProxyMiddleware``), and the core applies its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hamgam.settings import Settings

#: Room for a multipart envelope (boundaries, part headers, the other small fields) around an uploaded file.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class RequestBodyTooLarge(HTTPException):
    """The body is (or declares itself) larger than its route accepts. An ``HTTPException``, so FastAPI passes it
    through its body parsing unchanged and the app's handler renders it."""

    def __init__(self, limit_bytes: int, *, close: bool) -> None:
        super().__init__(
            status_code=413,
            detail=f"حجم درخواست بیش از حد مجاز است — the request body is larger than {limit_bytes} bytes",
            headers={"Connection": "close"} if close else None,
        )
        self.limit_bytes = limit_bytes


@dataclass(frozen=True)
class RouteCap:
    method: str
    path: re.Pattern[str]
    max_bytes: int


@dataclass(frozen=True)
class BodyLimits:
    #: Any ``/api`` body (JSON).
    api_bytes: int
    #: Any page body (urlencoded or multipart forms).
    page_bytes: int
    #: Routes that take more (or less) than their kind, checked first.
    routes: tuple[RouteCap, ...] = ()

    def cap_for(self, method: str, path: str) -> int:
        for route in self.routes:
            if route.method == method and route.path.fullmatch(path):
                return route.max_bytes
        return self.api_bytes if path.startswith("/api/") else self.page_bytes


def body_limits(settings: Settings) -> BodyLimits:
    """The caps of every route, from the settings."""
    limits = settings.limits

    def route(method: str, pattern: str, max_bytes: int) -> RouteCap:
        return RouteCap(method, re.compile(pattern), max_bytes)

    return BodyLimits(
        api_bytes=limits.json_body_bytes,
        page_bytes=limits.form_body_bytes,
        routes=(
            route("POST", r"/admin/products/[0-9]+/images", settings.web.max_upload_bytes + MULTIPART_OVERHEAD_BYTES),
            route("PATCH", r"/api/v1/admin/products/[0-9]+/listing", limits.form_body_bytes),
            route("PUT", r"/api/v1/admin/dead-letters/[0-9]+/body", limits.message_body_bytes),
            route("POST", r"/admin/dead-letters/[0-9]+/edit", limits.message_body_bytes),
        ),
    )


def declared_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers") or []:
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.limits.cap_for(scope["method"], scope["path"])
        declared = declared_length(scope)
        if declared is not None and declared > cap:
            # Drop a rest no larger than the cap with the connection kept (the client sees the answer); cut a
            # larger one off rather than take it in.
            await reject(scope, receive, send, RequestBodyTooLarge(cap, close=declared > 2 * cap))
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise RequestBodyTooLarge(cap, close=True)  # a stream of unknown length: cut it off
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except RequestBodyTooLarge as exc:
            # Raised where nothing renders it (the core proxy streaming the body on): answer here.
            if started:
                raise
            await reject(scope, receive, send, exc)


async def reject(scope: Scope, receive: Receive, send: Send, exc: RequestBodyTooLarge) -> None:
    """Answer with the app's own ``HTTPException`` handler (JSON for the API, the error page for pages)."""
    handlers = getattr(scope.get("app"), "exception_handlers", {})
    handler = next((handlers[cls] for cls in type(exc).__mro__ if cls in handlers), None)
    request = Request(scope, receive)
    if handler is None:
        response = PlainTextResponse(str(exc.detail), status_code=exc.status_code, headers=exc.headers)
    else:
        response = await handler(request, exc)
    await response(scope, receive, send)
