"""SIGKILL a worker process in the middle of a run: nothing is lost and nothing is applied twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from hamgam.domain.sync.entities import entity_named
from tests.integration.store_equals_mahak import assert_store_matches_mahak
from tests.queue_helpers import eventually

HAMGAM = str(Path(sys.executable).with_name("hamgam"))


def start_worker(container) -> subprocess.Popen:
    settings = container.settings
    env = {
        **os.environ,
        "HAMGAM_DATABASE_URL": settings.database_url,
        "HAMGAM_QUEUE_PREFIX": settings.queue_prefix,
        "HAMGAM_QUEUE_VISIBILITY_TIMEOUT_S": "2",
        "HAMGAM_MAHAK__BASE_URL": settings.mahak.base_url,
        "HAMGAM_SYNC__WORKERS": "2",
        "HAMGAM_HEALTH_PORT": "0",
        "HAMGAM_LOG_LEVEL": "WARNING",
    }
    if settings.rabbitmq_url:
        env["HAMGAM_RABBITMQ_URL"] = settings.rabbitmq_url
    return subprocess.Popen([HAMGAM, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def applied_batches(container) -> int:
    async with container.engine.connect() as conn:
        return await conn.scalar(text("SELECT count(*) FROM sync_batch WHERE status = 'applied'"))


async def test_sigkill_worker_mid_run_loses_nothing_and_applies_nothing_twice(mahak, make_container) -> None:
    # given a catalogue big enough for many small batches, fetched slowly, and a worker process applying them
    mahak.control.reset(products=600, seed=3)
    mahak.control.add_fault("latency", "getalldata", times=None, param=0.1)  # pages keep coming for ~3 s
    async with make_container(mahak.base_url) as container:
        container.fetcher.page_size = 20
        first = start_worker(container)
        run = asyncio.create_task(container.fetcher.run("Product"))
        try:
            # when the worker is killed with SIGKILL after it applied some batches
            await eventually(lambda: _more_than(container, 3), timeout_s=60)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            killed_at = await applied_batches(container)
            # and a new worker takes over
            second = start_worker(container)
            result = await asyncio.wait_for(run, 120)
        finally:
            for process in (first, locals().get("second")):
                if process is not None and process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    process.wait(30)
        mahak.control.clear_faults()
        # then the run completes, the store equals Mahak, and no batch's effect was counted twice
        assert result.status == "succeeded"
        assert 0 < killed_at < result.stats["batches"]
        await assert_store_matches_mahak(container, mahak.control, entities=[entity_named("Product")])
        products = len(mahak.control.rows("Product"))
        assert result.stats["rows_inserted"] == products
        assert result.stats["rows_updated"] == 0
        assert second.returncode == 0  # SIGTERM: graceful shutdown


async def _more_than(container, n: int) -> bool:
    return await applied_batches(container) > n
