"""Request ids: taken from a sane ``X-Request-ID`` or made up, bound to every log line (structlog
contextvars) and returned in the response header."""

from __future__ import annotations

import re
import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("hamgam.api")
_SANE = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SANE.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "api.request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                ms=round((time.perf_counter() - started) * 1000, 1),
            )
            structlog.contextvars.clear_contextvars()


class SettingsRefreshMiddleware:
    """Before each request, the shop's settings are read again when the process's copy is no longer fresh
    (``ShopSettingsService``: a save was announced, or its TTL passed; a fresh copy costs no database read), so
    a value saved in the admin panel (by this or another process) is in effect without a restart. A failed read
    keeps the values in effect and never fails the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            container = getattr(scope["app"].state, "container", None) if "app" in scope else None
            if container is not None:
                try:
                    await container.refresh_settings()
                except Exception as exc:
                    log.warning("settings.refresh_failed", error=str(exc))
        await self.app(scope, receive, send)
