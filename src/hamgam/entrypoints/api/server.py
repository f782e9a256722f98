"""Serve the API with uvicorn, plus the store's background jobs and the SMS consumer, until cancelled."""

from __future__ import annotations

import asyncio
import contextlib

import structlog
import uvicorn

from hamgam.bootstrap import build
from hamgam.entrypoints.api.app import create_app
from hamgam.services.store.jobs import run_forever
from hamgam.settings import Settings

log = structlog.get_logger(__name__)


async def serve_api(settings: Settings) -> None:
    """Run the gateway on ``settings.api_host:api_port`` (the database must be migrated and its URL set).

    With ``store.run_jobs`` it also runs, in this process, the jobs (payment reconciliation, order expiry,
    event relay, clean-up) every ``store.jobs_interval_s`` and the SMS consumer. Returns when uvicorn stops
    (SIGINT/SIGTERM) or the task is cancelled; everything is closed on the way out.
    """
    container = await build(settings)
    app = create_app(container)
    config = uvicorn.Config(
        app,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        access_log=False,
        lifespan="on",
        proxy_headers=True,
    )
    server = uvicorn.Server(config)
    stop = asyncio.Event()
    background: list[asyncio.Task] = []
    notifier = None
    if settings.store.run_jobs:
        core = container.store
        background.append(
            asyncio.create_task(run_forever([core.run_jobs_once], settings.store.jobs_interval_s, stop))
        )
        notifier = core.notifier()
        background.append(asyncio.create_task(notifier.run()))
        if container.images is not None and settings.web.enabled:
            images, mahak = container.images, container.mahak
            background.append(
                asyncio.create_task(
                    run_forever([lambda: images.attach_mahak_pictures(mahak)], settings.web.pictures_interval_s, stop)
                )
            )
    log.info("api.started", host=settings.api_host, port=settings.api_port)
    try:
        await server.serve()
    finally:
        stop.set()
        if notifier is not None:
            notifier.stop()
        for task in background:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*background, return_exceptions=True)
        await container.aclose()
        log.info("api.stopped")
