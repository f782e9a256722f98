"""The whole sync path: simulator over HTTP → adapter → fetcher → queue (PostgreSQL or RabbitMQ) → worker pool →
PostgreSQL. Each scenario ends with the store equal to Mahak (every synced row compared)."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import text

from hamgam.domain.sync.entities import SYNC_ORDER
from tests.integration.store_equals_mahak import assert_store_matches_mahak


@asynccontextmanager
async def running_worker(container: Any):
    worker = container.worker()
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        worker.stop()
        await asyncio.wait_for(task, 120)


async def sync_all(container: Any, kind: str = "incremental") -> list[Any]:
    return [await container.fetcher.run(entity.name, kind) for entity in SYNC_ORDER]


async def test_initial_sync_then_follow_changes(fresh_mahak, make_container) -> None:
    async with make_container(fresh_mahak.base_url) as container, running_worker(container):
        # given an empty store, when every entity syncs
        results = await sync_all(container)
        # then the store equals Mahak and every cursor sits at its entity's newest RowVersion
        assert {r.status for r in results} == {"succeeded"}
        await assert_store_matches_mahak(container, fresh_mahak.control)
        product = fresh_mahak.control.rows("Product", live=True)[0]
        # when Mahak renames a product, deletes another, and the sync follows
        fresh_mahak.control.upsert_rows("Product", [{"ProductId": product["ProductId"], "Name": "چای سبز ۱۰۰ گرمی"}])
        victim = fresh_mahak.control.rows("Product", live=True)[1]["ProductId"]
        fresh_mahak.control.delete_rows("Product", [victim])
        result = await container.fetcher.run("Product")
        # then exactly those rows changed and the store still equals Mahak
        assert (result.stats["rows_updated"], result.stats["rows_deleted"]) == (2, 1)
        await assert_store_matches_mahak(container, fresh_mahak.control)


async def test_no_change_run_makes_a_probe_and_one_request_and_no_writes(fresh_mahak, make_container) -> None:
    async with make_container(fresh_mahak.base_url) as container, running_worker(container):
        await sync_all(container)
        # when nothing changed in Mahak and the products sync again
        pulls_before = fresh_mahak.control.stats()["pulls"]
        again = await container.fetcher.run("Product")
        pulls = fresh_mahak.control.stats()["pulls"] - pulls_before
        # then two one-page GetAllData reached Mahak (the rewind probe, then the changes), and nothing was written
        assert pulls == 2
        assert (again.stats["rows_fetched"], again.stats["rows_inserted"], again.stats["rows_updated"]) == (0, 0, 0)


async def test_reconcile_fixes_silent_edits_and_vanished_rows(fresh_mahak, make_container) -> None:
    async with make_container(fresh_mahak.base_url) as container, running_worker(container):
        await sync_all(container)
        # given a silent edit in Mahak (no RowVersion bump) and a row the store has that Mahak never listed
        product = fresh_mahak.control.rows("Product", live=True)[0]
        fresh_mahak.control.upsert_rows(
            "Product", [{"ProductId": product["ProductId"], "Name": "ویرایش بی‌صدا"}], silent=True
        )
        async with container.engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO product (mahak_id, name, name_search, row_version) VALUES (999999, 'x', 'x', 1)")
            )
        incremental = await container.fetcher.run("Product")
        assert incremental.stats["rows_fetched"] == 0  # an incremental run cannot see a silent edit
        # when a reconciliation runs
        result = await container.fetcher.run("Product", "reconcile")
        # then it fixes both and reports them
        assert result.stats["report"] == {"updated": 1, "inserted": 0, "vanished": 1}
        await assert_store_matches_mahak(container, fresh_mahak.control)
