"""Process plumbing shared by ``hamgam up`` and the single-role commands: resolve the embedded services,
migrate, run roles until SIGINT/SIGTERM, and shut them down gracefully."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator
from typing import Any

import structlog
from prometheus_client import start_http_server

from hamgam.adapters.db.embedded import embedded_postgres
from hamgam.adapters.db.migrate import upgrade_to_head
from hamgam.bootstrap import build
from hamgam.services.sync.metrics import SyncMetrics
from hamgam.settings import Settings

log = structlog.get_logger(__name__)

ROLES = ("api", "scheduler", "worker", "exporter")
#: Seconds the roles get to finish in-flight work after SIGTERM (below Kubernetes' default 30 s grace period).
GRACE_PERIOD_S = 25.0
#: Seconds between moves of the broker's own dead letters (delivery-limit backstop) into the table.
DEAD_LETTER_DRAIN_S = 30.0


@contextlib.contextmanager
def database(settings: Settings) -> Iterator[Settings]:
    """Yield settings with a database URL: the configured server, or the embedded PostgreSQL (started here, or
    attached to when ``hamgam up`` already runs it), with the schema migrated."""
    if settings.database_url:
        upgrade_to_head(settings.database_url)
        yield settings
        return
    with embedded_postgres(settings.data_dir) as url:
        upgrade_to_head(url)
        yield settings.model_copy(update={"database_url": url})


async def run_roles(settings: Settings, roles: tuple[str, ...] = ROLES, *, metrics: bool = True) -> None:
    """Run the given roles in this process until a signal; in-flight batches finish or go back to the queue."""
    container = await build(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    services: list[Any] = []
    if "worker" in roles:
        services.append(container.worker())
    if "scheduler" in roles:
        services.append(container.scheduler())
    if "exporter" in roles:
        services.append(container.export_role())
    #: Roles that finish their in-flight work and return once asked to stop.
    finishing = [asyncio.create_task(s.run()) for s in services]
    if "api" in roles:
        # uvicorn takes SIGINT/SIGTERM while it serves and raises them again once it has stopped, so the other
        # roles stop right after the gateway.
        from hamgam.entrypoints.api.server import serve_api

        finishing.append(asyncio.create_task(serve_api(settings)))
    #: Helpers that run until cancelled.
    background: list[asyncio.Task] = []
    if "worker" in roles:
        background.append(asyncio.create_task(_drain_broker_dead_letters_forever(container)))
    if metrics:
        sync_metrics = SyncMetrics()
        start_http_server(settings.sync.metrics_port, addr=settings.api_host, registry=sync_metrics.registry)
        background.append(
            asyncio.create_task(sync_metrics.refresh_forever(container.engine, container.queue))
        )
    log.info("hamgam.roles.started", roles=roles)
    try:
        await stop.wait()
    finally:
        log.info("hamgam.roles.stopping")
        for service in services:
            service.stop()
        _, unfinished = await asyncio.wait(finishing, timeout=GRACE_PERIOD_S)
        for task in [*unfinished, *background]:
            task.cancel()
        await asyncio.gather(*finishing, *background, return_exceptions=True)
        await container.aclose()
        log.info("hamgam.roles.stopped")


async def _drain_broker_dead_letters_forever(container: Any) -> None:
    """RabbitMQ's delivery-limit backstop dead-letters on its own; move those letters where staff see them."""
    from hamgam.adapters.queue.drain import drain_broker_dead_letters
    from hamgam.adapters.queue.rabbitmq import RabbitQueue
    from hamgam.services.sync.fetcher import BATCH_TOPIC

    if not isinstance(container.queue, RabbitQueue):
        return  # the PostgreSQL queue writes its backstop dead letters straight into the table
    while True:
        try:
            await drain_broker_dead_letters(container.queue, BATCH_TOPIC, container.dead_letters)
        except Exception as exc:
            log.warning("dead_letters.drain_failed", error=str(exc))
        await asyncio.sleep(DEAD_LETTER_DRAIN_S)
