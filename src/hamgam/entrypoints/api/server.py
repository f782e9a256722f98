"""Serve the gateway or the core with uvicorn, plus the store's background jobs and the SMS consumer, until
stopped."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Literal

import structlog
import uvicorn
from starlette.types import ASGIApp

from hamgam.bootstrap import build
from hamgam.entrypoints.api.app import Role, create_app
from hamgam.entrypoints.sockets import listen_tcp
from hamgam.services.store.jobs import run_forever
from hamgam.settings import Settings

log = structlog.get_logger(__name__)


def uvicorn_config(
    app: ASGIApp, *, lifespan: Literal["on", "off"] = "on", limit_concurrency: int = 0
) -> uvicorn.Config:
    """How the HTTP roles run uvicorn. The forwarding headers are read by the app alone (``client_address``,
    ``trusted_proxy_hops``): uvicorn's own ``proxy_headers`` would believe whatever a trusted peer passes on.
    ``limit_concurrency`` (``Settings.api_limit_concurrency``; 0: none) sheds load: past it uvicorn answers 503
    before the app sees the request. That 503 is uvicorn's own, with fixed headers: it cannot carry
    ``Retry-After`` (uvicorn offers no hook for it, and its ``headers`` option would add one to every answer)."""
    return uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        lifespan=lifespan,
        proxy_headers=False,
        limit_concurrency=limit_concurrency or None,
    )


async def serve_api(settings: Settings, role: Role = "api") -> None:
    """Run ``role`` on ``settings.api_host:api_port`` (the database must be migrated and its URL set).

    ``api`` is the gateway: pages and the JSON API, or, with ``core_url`` set, pages plus the API forwarded to
    that core. ``core`` is the JSON API alone. The socket is opened here (with SO_REUSEPORT when
    ``api_reuse_port``), so a port in use raises ``OSError``.

    With ``shop.run_jobs`` the process that serves the API in-process (the core, or a gateway without
    ``core_url``) also runs the jobs (payment reconciliation, order expiry, event relay, clean-up) every
    ``shop.jobs_interval_s``, the SMS consumer and the Mahak pictures job; a gateway in remote mode leaves them
    to its core. Returns when uvicorn stops (SIGINT/SIGTERM) or the task is cancelled; everything is closed on
    the way out.
    """
    sock = listen_tcp(settings.api_host, settings.api_port, reuse_port=settings.api_reuse_port)
    try:
        container = await build(settings)
    except BaseException:
        sock.close()
        raise
    app = create_app(container, role=role)
    server = uvicorn.Server(uvicorn_config(app, limit_concurrency=settings.api_limit_concurrency))
    stop = asyncio.Event()
    background: list[asyncio.Task] = []
    notifier = None
    serves_core = role == "core" or not settings.core_url
    if settings.shop.run_jobs and serves_core:
        core = container.store
        background.append(asyncio.create_task(run_forever([core.run_jobs_once], settings.shop.jobs_interval_s, stop)))
        notifier = core.notifier()
        background.append(asyncio.create_task(notifier.run()))
        if container.images is not None and settings.web.enabled:
            images, mahak = container.images, container.mahak
            background.append(
                asyncio.create_task(
                    run_forever([lambda: images.attach_mahak_pictures(mahak)], settings.web.pictures_interval_s, stop)
                )
            )
    log.info("api.started", role=role, host=settings.api_host, port=settings.api_port, core_url=settings.core_url)
    try:
        await server.serve(sockets=[sock])
    finally:
        sock.close()
        stop.set()
        if notifier is not None:
            notifier.stop()
        for task in background:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*background, return_exceptions=True)
        await container.aclose()
        log.info("api.stopped", role=role)
