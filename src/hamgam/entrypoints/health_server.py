"""The health server every long-running role runs on ``health_host:health_port``: ``/healthz`` (alive),
``/readyz`` (its dependencies answer) and ``/metrics`` (Prometheus), served by uvicorn in the role's event loop.

It is a side door for probes and scrapes, apart from the API port, so a worker or scheduler (which serve no HTTP
otherwise) can be probed, and a busy gateway still answers its probes.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable, Iterator

import structlog
import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hamgam.entrypoints.readiness import Readiness
from hamgam.entrypoints.sockets import listen_tcp

log = structlog.get_logger(__name__)

#: What ``/healthz`` reports per role: "running", "stopped" or "failed"; any "failed" answers 503.
Liveness = Callable[[], dict[str, str]]


def health_app(readiness: Readiness, registry: CollectorRegistry, liveness: Liveness | None = None) -> Starlette:
    async def healthz(request: Request) -> JSONResponse:
        roles = liveness() if liveness is not None else {}
        alive = "failed" not in roles.values()
        body = {"status": "ok" if alive else "unavailable", "roles": roles}
        return JSONResponse(body, status_code=200 if alive else 503)

    async def readyz(request: Request) -> JSONResponse:
        ready, body = await readiness.report()
        return JSONResponse(body, status_code=200 if ready else 503)

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics)],
    )


class _ServerWithoutSignals(uvicorn.Server):
    """uvicorn takes over SIGINT/SIGTERM while it serves; the health server leaves them to the role runner."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class HealthServer:
    """Serves a health app on a socket bound in ``start``; ``stop`` closes it."""

    def __init__(self, app: Starlette, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task | None = None

    def start(self) -> bool:
        """Listen and serve from now on; False (logged as an error; the role keeps running without it) when the
        port cannot be bound. A probe that connects before uvicorn runs waits in the socket's queue."""
        try:
            sock: socket.socket = listen_tcp(self.host, self.port)
        except OSError as exc:
            log.error("health.bind_failed", host=self.host, port=self.port, error=str(exc))
            return False
        config = uvicorn.Config(
            self.app, log_config=None, access_log=False, lifespan="off", timeout_graceful_shutdown=1
        )
        self._server = _ServerWithoutSignals(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        log.info("health.started", host=self.host, port=self.port)
        return True

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(Exception):
            await self._task
