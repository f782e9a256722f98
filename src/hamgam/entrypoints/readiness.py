"""Readiness checks of a process: the database, the broker and, for the roles that call it, Mahak.

A check is an async callable that returns when the dependency answers and raises when it does not. ``Readiness``
runs its checks concurrently, each bounded by ``CHECK_TIMEOUT_S``, and never raises: a probe gets an answer
within about that time whatever the dependencies do.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from hamgam.adapters.db.health import ping
from hamgam.adapters.mahak.client import MahakClient
from hamgam.adapters.queue.rabbitmq import RabbitQueue
from hamgam.bootstrap import Container, mahak_base_url
from hamgam.settings import Settings

Check = Callable[[], Awaitable[None]]

#: Seconds one check may take before it counts as failed.
CHECK_TIMEOUT_S = 2.0
#: Seconds a Mahak probe's outcome is reused, so frequent probes from many replicas do not load Mahak.
MAHAK_PROBE_TTL_S = 10.0
#: Seconds the Mahak probe's login may take; below ``CHECK_TIMEOUT_S`` so a slow answer is cached too.
MAHAK_PROBE_TIMEOUT_S = 1.8
#: Longest failure reason put in a readiness body.
REASON_CHARS = 200


def database_check(engine: Any) -> Check:
    async def database() -> None:
        await ping(engine)

    return database


def broker_check(queue: Any) -> Check | None:
    """RabbitMQ: the connection is open (not closed, not between reconnects). The PostgreSQL queue has no
    check of its own: it is the database, which ``database_check`` covers."""
    if not isinstance(queue, RabbitQueue):
        return None

    async def broker() -> None:
        connection = await queue.connection()
        if connection.is_closed or not connection.connected.is_set():
            raise ConnectionError("the RabbitMQ connection is down (reconnecting)")

    return broker


class MahakProbe:
    """Logs in to Mahak with a client of its own (one attempt, short timeouts, no shared rate limiter or circuit
    breaker, so probes never open the sync's circuit) and remembers the outcome for ``ttl_s`` seconds.
    Concurrent callers share one login."""

    def __init__(self, settings: Settings, *, ttl_s: float = MAHAK_PROBE_TTL_S) -> None:
        probe_settings = settings.mahak.model_copy(
            update={
                "base_url": mahak_base_url(settings),
                "read_attempts": 1,
                "timeout_s": MAHAK_PROBE_TIMEOUT_S,
                "connect_timeout_s": MAHAK_PROBE_TIMEOUT_S,
                "circuit_failures": 2**31,
            }
        )
        self._client = MahakClient(probe_settings, site_name="hamgam readiness probe")
        self._ttl_s = ttl_s
        self._checked_at: float | None = None
        self._error: Exception | None = None
        self._lock = asyncio.Lock()

    async def __call__(self) -> None:
        async with self._lock:
            if self._checked_at is None or time.monotonic() - self._checked_at >= self._ttl_s:
                self._error = await self._login()
                self._checked_at = time.monotonic()
        if self._error is not None:
            raise self._error

    async def _login(self) -> Exception | None:
        try:
            await asyncio.wait_for(self._client.login(), MAHAK_PROBE_TIMEOUT_S)
        except TimeoutError:
            return TimeoutError(f"Mahak did not answer a login in {MAHAK_PROBE_TIMEOUT_S} s")
        except Exception as exc:  # any failure means "not reachable"; the probe reports it, never raises it
            return exc
        return None

    async def aclose(self) -> None:
        await self._client.aclose()


def core_checks(container: Container) -> dict[str, Check]:
    """What every role needs: the database and the broker."""
    checks = {"database": database_check(container.engine)}
    broker = broker_check(container.queue)
    if broker is not None:
        checks["broker"] = broker
    return checks


class Readiness:
    """Runs named checks; ``report()`` gives ``(ready, body)`` with body
    ``{"status": "ok"|"unavailable", "checks": {name: "ok"|"unavailable"}, "errors": {name: reason}}``."""

    def __init__(self, checks: Mapping[str, Check], *, timeout_s: float = CHECK_TIMEOUT_S) -> None:
        self.checks = dict(checks)
        self.timeout_s = timeout_s
        #: Set once the process is shutting down: it then reports itself unavailable whatever the checks say.
        self.stopping = False

    async def report(self) -> tuple[bool, dict[str, Any]]:
        names = list(self.checks)
        outcomes = await asyncio.gather(*(self._run(self.checks[name]) for name in names))
        errors = {name: reason for name, reason in zip(names, outcomes, strict=True) if reason is not None}
        if self.stopping:
            errors["process"] = "shutting down"
        checks = {name: "unavailable" if name in errors else "ok" for name in [*names, *errors]}
        ready = not errors
        body: dict[str, Any] = {"status": "ok" if ready else "unavailable", "checks": checks}
        if errors:
            body["errors"] = errors
        return ready, body

    async def _run(self, check: Check) -> str | None:
        """None when the check passed, else why it failed."""
        try:
            await asyncio.wait_for(check(), self.timeout_s)
        except TimeoutError:
            return f"no answer within {self.timeout_s:g} s"
        except Exception as exc:
            return (f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)[:REASON_CHARS]
        return None
