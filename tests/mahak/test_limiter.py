"""The rate limit and the circuit breaker: one behaviour suite over the in-memory and PostgreSQL flavours."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hamgam.adapters.db.engine import create_engine
from hamgam.adapters.mahak import InMemoryCircuitBreaker, MahakCircuitOpen, PostgresCircuitBreaker
from hamgam.adapters.ratelimit.token_bucket import MemoryTokenBucket, PostgresTokenBucket

KEY = "http://127.0.0.1:1/api/v3|demo"


@pytest.fixture(params=["memory", "postgres"])
async def flavour(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """A factory ``(kind, **sizes)`` building limiters/breakers of one flavour; postgres ones share one DB."""
    if request.param == "memory":
        yield lambda kind, **kw: (MemoryTokenBucket if kind == "limiter" else InMemoryCircuitBreaker)(**kw)
        return
    engine = create_engine(request.getfixturevalue("database_url"), pool_size=2)
    yield lambda kind, **kw: (PostgresTokenBucket if kind == "limiter" else PostgresCircuitBreaker)(engine, KEY, **kw)
    await engine.dispose()


async def test_take_waits_once_the_burst_is_spent(flavour: Any) -> None:
    # given a burst of 3 and a token every 1,000 s after it
    limiter = flavour("limiter", rate_per_s=0.001, burst=3)
    # when the burst is taken, then it is not held back
    for _ in range(3):
        await asyncio.wait_for(limiter.take(), 60)
    # and the next take waits for a token
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(limiter.take(), 0.5)


async def test_take_keeps_to_the_rate_after_the_burst(flavour: Any) -> None:
    # given
    limiter = flavour("limiter", rate_per_s=50.0, burst=3)
    # when
    started = time.monotonic()
    for _ in range(13):
        await limiter.take()
    # then: 3 free, 10 more at 50/s, so no sooner than 10 / 50 s (how fast is not this test's business)
    assert time.monotonic() - started >= 10 / 50 - 0.02


async def test_circuit_opens_after_n_failures_and_closes_after_the_open_period(flavour: Any) -> None:
    # given
    breaker = flavour("breaker", failures=3, open_s=0.3)
    for _ in range(2):
        await breaker.before_call()
        await breaker.record_failure()
    await breaker.before_call()  # two failures: still closed
    # when
    await breaker.record_failure()
    # then
    with pytest.raises(MahakCircuitOpen) as caught:
        await breaker.before_call()
    assert 0 < caught.value.retry_after_s <= 0.3
    await asyncio.sleep(0.35)
    await breaker.before_call()  # half-open: this caller is the probe
    with pytest.raises(MahakCircuitOpen):
        await breaker.before_call()  # everyone else waits for the probe
    await breaker.record_success()
    await breaker.before_call()
    await breaker.before_call()


async def test_failed_probe_reopens_the_circuit(flavour: Any) -> None:
    breaker = flavour("breaker", failures=2, open_s=0.2)
    await breaker.record_failure()
    await breaker.record_success()  # a success resets the count of consecutive failures
    await breaker.record_failure()
    await breaker.before_call()
    await breaker.record_failure()
    with pytest.raises(MahakCircuitOpen):
        await breaker.before_call()
    await asyncio.sleep(0.25)
    await breaker.before_call()
    await breaker.record_failure()
    with pytest.raises(MahakCircuitOpen):
        await breaker.before_call()


_WORKER = """
import asyncio, json, sys, time
from hamgam.adapters.db.engine import create_engine
from hamgam.adapters.ratelimit.token_bucket import PostgresTokenBucket

async def main(url, takes, start_at):
    engine = create_engine(url, pool_size=1)
    async with engine.connect():
        pass  # connect before the start line so both processes race only for tokens
    limiter = PostgresTokenBucket(engine, "shared-key", rate_per_s=20.0, burst=2)
    await asyncio.sleep(max(0.0, start_at - time.time()))
    first = time.time()
    for _ in range(takes):
        await limiter.take()
    print(json.dumps({"first": first, "last": time.time()}))
    await engine.dispose()

asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3])))
"""


def test_rate_limit_is_shared_by_two_processes(database_url: str) -> None:
    # given: two processes, 15 takes each, 20 per second with a burst of 2, starting together
    takes, rate_per_s, burst = 15, 20.0, 2
    start_at = time.time() + 3.0
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, database_url, str(takes), str(start_at)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    # when
    reports = [json.loads(worker.communicate(timeout=60)[0]) for worker in workers]
    # then: alone each would finish in (15 - 2) / 20 = 0.65 s; together they must need (30 - 2) / 20 = 1.4 s
    assert all(worker.returncode == 0 for worker in workers)
    elapsed_s = max(r["last"] for r in reports) - min(r["first"] for r in reports)
    assert elapsed_s >= (2 * takes - burst) / rate_per_s - 0.05
