"""A run cut short (its leader killed mid-fetch) keeps what settled: the cursor follows the watermark while
pages are still being fetched, so the next run starts past the applied prefix instead of from the old cursor."""

from __future__ import annotations

import asyncio
import contextlib

from hamgam.domain.sync.entities import entity_named
from tests.integration.store_equals_mahak import assert_store_matches_mahak
from tests.integration.test_worker_crash import applied_batches
from tests.queue_helpers import eventually


async def test_cursor_moves_during_a_run_and_a_cut_run_resumes_past_it(mahak, make_container) -> None:
    # given a catalogue fetched slowly in many small pages, with a worker pool applying them
    mahak.control.reset(products=600, seed=5)
    mahak.control.add_fault("latency", "getalldata", times=None, param=0.1)
    async with make_container(mahak.base_url) as container:
        container.fetcher.page_size = 20
        container.fetcher.advance_every_s = 0.2
        worker = container.worker()
        working = asyncio.create_task(worker.run())
        try:
            # when the run is cut short after several batches were applied (as a killed leader's would be)
            run = asyncio.create_task(container.fetcher.run("Product"))
            await eventually(lambda: _applied_more_than(container, 6), timeout_s=60)
            await asyncio.sleep(0.5)
            run.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await run
            cut_at = await container.sync_repository.cursor("Product")
            # then the cursor already stands past the applied prefix, below the catalogue's top
            top = max(r["RowVersion"] for r in mahak.control.rows("Product"))
            assert 0 < cut_at < top
            # and the next run starts there and completes the catalogue
            mahak.control.clear_faults()
            result = await asyncio.wait_for(container.fetcher.run("Product"), 120)
        finally:
            worker.stop()
            await working
    assert result.status == "succeeded"
    assert (await container.sync_repository.run(result.run_id))["from_row_version"] == cut_at
    await assert_store_matches_mahak(container, mahak.control, entities=[entity_named("Product")])


async def _applied_more_than(container, n: int) -> bool:
    return await applied_batches(container) > n
