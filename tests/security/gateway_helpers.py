"""The gateway under a real uvicorn server over a socket (an in-process ASGI transport buffers the whole body,
which would hide when the gateway reads it), and a raw HTTP/1.1 client that controls exactly what is sent."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import uvicorn
from starlette.types import ASGIApp

from hamgam.bootstrap import Container, build
from hamgam.entrypoints.api.app import create_app
from hamgam.entrypoints.api.server import uvicorn_config
from hamgam.entrypoints.sockets import listen_tcp
from tests.api.conftest import api_settings

#: Seconds a raw exchange may take before the test gives up: generous, only a hung server reaches it.
ANSWER_TIMEOUT_S = 30.0
HOST = "shop.test"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    #: Bytes of the request body written before the answer came (or the connection closed).
    body_bytes_sent: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Served:
    port: int
    container: Container
    server: uvicorn.Server

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.asynccontextmanager
async def serving(app: ASGIApp) -> AsyncIterator[int]:
    """``app`` under uvicorn, configured as ``serve_api`` configures it, in this event loop; yields the port."""
    async with serving_with(app) as (port, _):
        yield port


@contextlib.asynccontextmanager
async def serving_with(app: ASGIApp, limit_concurrency: int = 0) -> AsyncIterator[tuple[int, uvicorn.Server]]:
    """``serving``, with ``Settings.api_limit_concurrency``; yields the port and the server."""
    sock = listen_tcp("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn_config(app, lifespan="off", limit_concurrency=limit_concurrency))
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield port, server  # the socket listens already: a client that connects early waits in its queue
    finally:
        server.should_exit = True
        await task
        sock.close()


@contextlib.asynccontextmanager
async def served_gateway(database_url: str, **overrides: object) -> AsyncIterator[Served]:
    """The gateway (pages and JSON API, in-memory payments, SMS and images) on a fresh database."""
    overrides.setdefault("storage", {"backend": "memory"})
    auth = overrides.pop("auth", {})
    settings = api_settings(database_url, **overrides)
    settings = settings.model_copy(update={"auth": settings.auth.model_copy(update=auth)})
    container = await build(settings)
    app = create_app(container)
    try:
        async with serving_with(app, settings.api_limit_concurrency) as (port, server):
            yield Served(port, container, server)
    finally:
        if app.state.core_proxy is not None:
            await app.state.core_proxy.aclose()
        await container.aclose()


def request_head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def exchange(
    port: int,
    method: str,
    path: str,
    headers: dict[str, str],
    body_chunks: list[bytes] | None = None,
    *,
    chunked: bool = False,
    end_body: bool = True,
) -> Answer:
    """Send the head, then the body chunks one by one while watching for an early answer; stop sending as soon
    as the server answers. ``chunked`` frames the chunks with Transfer-Encoding: chunked, and ends the body
    unless ``end_body`` is false (the client then waits as one still sending would)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent = 0
    try:
        if chunked:
            headers = headers | {"Transfer-Encoding": "chunked"}
        writer.write(request_head(method, path, headers))
        await writer.drain()
        answer_started = asyncio.ensure_future(reader.readuntil(b"\r\n\r\n"))
        for chunk in body_chunks or []:
            if answer_started.done():
                break
            try:
                writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk)
                await writer.drain()
            except ConnectionError:  # the server answered and closed while the body was still coming
                break
            sent += len(chunk)
            await asyncio.sleep(0)
        else:
            if chunked and end_body and not answer_started.done():
                with contextlib.suppress(ConnectionError):
                    writer.write(b"0\r\n\r\n")
                    await writer.drain()
        head = await asyncio.wait_for(answer_started, ANSWER_TIMEOUT_S)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        answer_headers: dict[str, str] = {}
        for line in header_lines:
            if ":" in line:
                name, _, value = line.partition(":")
                answer_headers[name.strip().lower()] = value.strip()
        length = int(answer_headers.get("content-length", "0"))
        body = await asyncio.wait_for(reader.readexactly(length), ANSWER_TIMEOUT_S) if length else b""
        return Answer(int(status_line.split()[1]), answer_headers, body, sent)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()


async def page_csrf(port: int) -> tuple[str, str]:
    """A fresh session cookie and its CSRF token, from the login page."""
    answer = await exchange(port, "GET", "/login", {})
    cookie = answer.headers["set-cookie"].split(";", 1)[0]
    found = _CSRF.search(answer.text)
    assert found, answer.text[:500]
    return cookie, found.group(1)


@dataclass
class Echo:
    """A stand-in core that records what reached it."""

    url: str
    seen: list[dict] = field(default_factory=list)


@contextlib.asynccontextmanager
async def echo_core() -> AsyncIterator[Echo]:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    echo = Echo(url="")

    async def record(request: Request) -> JSONResponse:
        body = await request.body()
        echo.seen.append({"headers": dict(request.headers), "body_bytes": len(body)})
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/{path:path}", record, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])])
    async with serving(app) as port:
        echo.url = f"http://127.0.0.1:{port}"
        yield echo
