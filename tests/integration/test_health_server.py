"""The health server of the long-running roles: /healthz, /readyz naming each check, /metrics; and SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator

import httpx2
import pytest

from hamgam.adapters.queue.rabbitmq import RabbitQueue
from hamgam.bootstrap import build
from hamgam.entrypoints.readiness import MahakProbe, Readiness
from hamgam.entrypoints.runtime import GRACE_PERIOD_S, run_roles
from hamgam.services.store.pictures import PICTURES_TOPIC
from hamgam.services.sync.fetcher import BATCH_TOPICS
from hamgam.settings import Settings
from tests.integration.conftest import sync_settings
from tests.integration.role_process import free_port, role_env, role_log, running_role, wait_for_http
from tests.queue_helpers import eventually


@contextlib.asynccontextmanager
async def roles_in_process(settings: Settings, roles: tuple[str, ...]) -> AsyncIterator[str]:
    """``run_roles`` in this event loop with its health server on a free port; yields the server's base URL."""
    port = free_port()
    stop = asyncio.Event()
    task = asyncio.create_task(run_roles(settings.model_copy(update={"health_port": port}), roles, stop=stop))
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_for_http(base + "/healthz")
        yield base
    finally:
        stop.set()
        await task
        if settings.rabbitmq_url:
            queue = RabbitQueue(settings.rabbitmq_url, prefix=settings.queue_prefix)
            for topic in (*BATCH_TOPICS, PICTURES_TOPIC):
                await queue.delete_topic(topic)
            await queue.close()


async def test_worker_is_alive_ready_and_exports_sync_metrics(
    request: pytest.FixtureRequest, fresh_mahak, database_url: str, queue_prefix: str, queue_kind: str
) -> None:
    rabbitmq_url = request.getfixturevalue("rabbitmq_url") if queue_kind == "rabbitmq" else None
    settings = sync_settings(database_url, fresh_mahak.base_url, rabbitmq_url, queue_prefix)
    async with roles_in_process(settings, ("worker",)) as base, httpx2.AsyncClient(base_url=base) as http:
        # when the worker runs and applies one sync of the stores
        container = await build(settings)
        try:
            result = await container.fetcher.run("Store")
        finally:
            await container.aclose()
        alive = await http.get("/healthz")
        ready = await http.get("/readyz")

        async def lag_exported() -> bool:
            return 'hamgam_sync_lag_seconds{entity="Store"}' in (await http.get("/metrics")).text

        # then it is alive, ready on every dependency it has, and its metrics show the entity's lag
        await eventually(lag_exported, timeout_s=120)
    assert result.status == "succeeded"
    assert (alive.status_code, alive.json()) == (200, {"status": "ok", "roles": {"worker": "running"}})
    expected = {"database": "ok", "broker": "ok"} if rabbitmq_url else {"database": "ok"}
    assert (ready.status_code, ready.json()) == (200, {"status": "ok", "checks": expected})


async def test_scheduler_is_not_ready_while_mahak_is_unreachable(database_url: str, queue_prefix: str) -> None:
    # given a scheduler whose Mahak address has nothing listening
    settings = sync_settings(database_url, f"http://127.0.0.1:{free_port()}/API/v3", None, queue_prefix)
    async with roles_in_process(settings, ("scheduler",)) as base, httpx2.AsyncClient(base_url=base) as http:
        # when a probe asks whether it is ready
        ready = await http.get("/readyz")
        alive = await http.get("/healthz")
    # then it is alive but not ready, and the body names Mahak as the failing check
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "unavailable"
    assert body["checks"] == {"database": "ok", "mahak": "unavailable"}
    assert "connect" in body["errors"]["mahak"].lower()
    assert alive.status_code == 200


async def test_mahak_probe_logs_in_once_per_ttl(fresh_mahak, database_url: str) -> None:
    settings = Settings(database_url=database_url, mahak={"base_url": fresh_mahak.base_url})
    before = fresh_mahak.control.stats()["logins_ok"]
    probe = MahakProbe(settings, ttl_s=3600)
    try:
        await asyncio.gather(probe(), probe())
        await probe()
    finally:
        await probe.aclose()
    assert fresh_mahak.control.stats()["logins_ok"] - before == 1


async def test_mahak_probe_reports_refused_credentials(fresh_mahak, database_url: str) -> None:
    settings = Settings(database_url=database_url, mahak={"base_url": fresh_mahak.base_url, "password": "wrong"})
    probe = MahakProbe(settings)
    try:
        ready, body = await Readiness({"mahak": probe}).report()
    finally:
        await probe.aclose()
    assert not ready
    assert body["checks"] == {"mahak": "unavailable"} and "MahakAuthError" in body["errors"]["mahak"]


async def test_a_check_that_hangs_is_reported_not_waited_for() -> None:
    never = asyncio.Event()

    async def hangs() -> None:
        await never.wait()

    async def fine() -> None:
        return None

    ready, body = await Readiness({"database": fine, "broker": hangs}, timeout_s=0.2).report()
    assert not ready
    assert body == {
        "status": "unavailable",
        "checks": {"database": "ok", "broker": "unavailable"},
        "errors": {"broker": "no answer within 0.2 s"},
    }


@pytest.mark.parametrize(
    ("role", "checks"),
    [
        ("scheduler", {"database": "ok", "mahak": "ok"}),
        ("exporter", {"database": "ok", "mahak": "ok"}),
        ("core", {"database": "ok"}),
    ],
)
async def test_sigterm_stops_the_role_cleanly_within_the_grace_period(
    role: str, checks: dict[str, str], fresh_mahak, database_url: str, queue_prefix: str, tmp_path
) -> None:
    # given the role running as its own process, ready with every dependency up (Mahak included)
    port = free_port()
    env = role_env(
        database_url,
        tmp_path,
        HAMGAM_HEALTH_PORT=str(port),
        HAMGAM_API_PORT=str(free_port()),
        HAMGAM_MAHAK__BASE_URL=fresh_mahak.base_url,
        HAMGAM_QUEUE_PREFIX=queue_prefix,
    )
    with running_role(role, env) as process:
        ready = await wait_for_http(f"http://127.0.0.1:{port}/readyz", process)
        assert (ready.status_code, ready.json()["checks"]) == (200, checks), ready.text
        # when Kubernetes sends SIGTERM
        process.send_signal(signal.SIGTERM)
        returncode = await asyncio.to_thread(process.wait, GRACE_PERIOD_S + 5)
        # then it exits 0, within the grace period
        assert returncode == 0, role_log(process)
