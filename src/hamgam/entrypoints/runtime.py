"""Process plumbing shared by ``hamgam up`` and the single-role commands: resolve the embedded services,
migrate, run roles with their health server until SIGINT/SIGTERM, and shut them down gracefully."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

import structlog

from hamgam.bootstrap import Container, build
from hamgam.entrypoints.health_server import HealthServer, health_app
from hamgam.entrypoints.readiness import Check, MahakProbe, Readiness, core_checks
from hamgam.entrypoints.roles import MAHAK_ROLES, ROLES, check_roles, require_mahak
from hamgam.services.messaging.consumer_pool import ConsumerPools
from hamgam.services.sync.metrics import SyncMetrics
from hamgam.settings import Settings

log = structlog.get_logger(__name__)

#: Seconds the roles get to finish in-flight work after SIGTERM (below Kubernetes' default 30 s grace period).
GRACE_PERIOD_S = 25.0
#: Seconds between moves of the broker's own dead letters (delivery-limit backstop) into the table.
DEAD_LETTER_DRAIN_S = 30.0


class RoleFailed(RuntimeError):
    """A role stopped with an error: the process stopped the others and exits non-zero."""


async def run_roles(
    settings: Settings, roles: tuple[str, ...] = ROLES, *, health: bool = True, stop: asyncio.Event | None = None
) -> None:
    """Run the given roles in this process until a signal (or ``stop`` is set); in-flight batches finish or go
    back to the queue within ``GRACE_PERIOD_S``.

    With ``health`` (and ``settings.health_port`` not 0) the health server answers on
    ``health_host:health_port`` from start to finish; ``/readyz`` turns 503 as soon as the stop begins. A role that
    fails stops the others, and ``RoleFailed`` is raised once they are down.
    """
    check_roles(roles)
    require_mahak(settings)
    container = await build(settings)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:
        loop.add_signal_handler(signum, stop.set)
    services: dict[str, Any] = {}
    if "worker" in roles:
        pictures = container.picture_worker()
        # the sync's batches and the pictures they bring, as one role
        services["worker"] = container.worker() if pictures is None else ConsumerPools(container.worker(), pictures)
    if "scheduler" in roles:
        services["scheduler"] = container.scheduler()
    if "exporter" in roles:
        services["exporter"] = container.export_role()
    #: Roles that finish their in-flight work and return once asked to stop.
    finishing = {role: asyncio.create_task(service.run(), name=role) for role, service in services.items()}
    for role in ("api", "core"):
        if role in roles:
            # uvicorn takes SIGINT/SIGTERM while it serves and raises them again once it has stopped, so the
            # other roles stop right after the HTTP server.
            from hamgam.entrypoints.api.server import serve_api

            finishing[role] = asyncio.create_task(serve_api(settings, role), name=role)
    for task in finishing.values():
        task.add_done_callback(lambda done: _stop_when_a_role_ends(done, stop))
    #: Helpers that run until cancelled.
    background: list[asyncio.Task] = []
    if "worker" in roles:
        background.append(asyncio.create_task(_drain_broker_dead_letters_forever(container)))
    probe = MahakProbe(settings) if MAHAK_ROLES & set(roles) else None
    readiness = Readiness(_checks(container, probe))
    server = None
    if health and settings.health_port:
        sync_metrics = SyncMetrics()
        server = HealthServer(
            health_app(readiness, sync_metrics.registry, lambda: _liveness(finishing, stop)),
            settings.health_host,
            settings.health_port,
        )
        server.start()
        background.append(asyncio.create_task(sync_metrics.refresh_forever(container.sync_reads, container.queue)))
    log.info("hamgam.roles.started", roles=roles)
    try:
        await stop.wait()
    finally:
        log.info("hamgam.roles.stopping")
        readiness.stopping = True
        for service in services.values():
            service.stop()
        _, unfinished = await asyncio.wait(finishing.values(), timeout=GRACE_PERIOD_S)
        for task in [*unfinished, *background]:
            task.cancel()
        await asyncio.gather(*finishing.values(), *background, return_exceptions=True)
        if server is not None:
            await server.stop()
        if probe is not None:
            await probe.aclose()
        await container.aclose()
        for signum in signals:
            loop.remove_signal_handler(signum)
        log.info("hamgam.roles.stopped")
    failed = {role: task.exception() for role, task in finishing.items() if _failed(task)}
    if failed:
        role, error = next(iter(failed.items()))
        raise RoleFailed(f"role {role} failed: {error!r}") from error


def _checks(container: Container, probe: MahakProbe | None) -> dict[str, Check]:
    checks = core_checks(container)
    if probe is not None:
        checks["mahak"] = probe
    return checks


def _failed(task: asyncio.Task) -> bool:
    return task.done() and not task.cancelled() and task.exception() is not None


def _stop_when_a_role_ends(task: asyncio.Task, stop: asyncio.Event) -> None:
    """A role that ends before the process was asked to stop takes the process down (Kubernetes restarts it)."""
    if stop.is_set():
        return
    if _failed(task):
        error = task.exception()
        log.error("hamgam.role.failed", role=task.get_name(), error=repr(error), exc_info=error)
    else:
        log.warning("hamgam.role.ended", role=task.get_name())
    stop.set()


def _liveness(finishing: dict[str, asyncio.Task], stop: asyncio.Event) -> dict[str, str]:
    def state(task: asyncio.Task) -> str:
        if _failed(task):
            return "failed"
        return "stopped" if task.done() else "stopping" if stop.is_set() else "running"

    return {role: state(task) for role, task in finishing.items()}


async def _drain_broker_dead_letters_forever(container: Any) -> None:
    """RabbitMQ's delivery-limit backstop dead-letters on its own; move those letters where staff see them."""
    from hamgam.adapters.queue.drain import drain_broker_dead_letters
    from hamgam.adapters.queue.rabbitmq import RabbitQueue
    from hamgam.services.store.pictures import PICTURES_TOPIC
    from hamgam.services.sync.fetcher import BATCH_TOPICS

    if not isinstance(container.queue, RabbitQueue):
        return  # the PostgreSQL queue writes its backstop dead letters straight into the table
    while True:
        for topic in (*BATCH_TOPICS, PICTURES_TOPIC):
            try:
                await drain_broker_dead_letters(container.queue, topic, container.dead_letters)
            except Exception as exc:
                log.warning("dead_letters.drain_failed", topic=topic, error=str(exc))
        await asyncio.sleep(DEAD_LETTER_DRAIN_S)
