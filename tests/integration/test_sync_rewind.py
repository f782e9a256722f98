"""A Mahak restored from a backup: RowVersions go back below the store's cursors. The sync finds it, raises it
(metric, audit log), heals with a re-fetch where Mahak's rows win, and later changes arrive again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from hamgam.services.sync.metrics import SyncMetrics
from tests.integration.store_equals_mahak import assert_store_matches_mahak
from tests.integration.test_sync_end_to_end import running_worker, sync_all


async def _rewind_open(container: Any, entity: str) -> float | None:
    metrics = SyncMetrics()
    await metrics.refresh(container.sync_reads, container.queue)
    return metrics.registry.get_sample_value("hamgam_sync_rewind_open", {"entity": entity})


async def _audit(container: Any) -> list[tuple[str, str]]:
    async with container.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT action, target FROM audit_log WHERE action LIKE 'sync.rewind.%' ORDER BY id")
        )
        return [tuple(r) for r in rows]


async def _price(container: Any, detail_id: int) -> int:
    async with container.engine.connect() as conn:
        return int(
            await conn.scalar(text("SELECT prices_rial[1] FROM product_detail WHERE mahak_id = :i"), {"i": detail_id})
        )


async def test_restored_mahak_is_found_raised_healed_to_equality_and_cleared(fresh_mahak, make_container) -> None:
    control = fresh_mahak.control
    async with make_container(fresh_mahak.base_url) as container, running_worker(container):
        # given a store in step with Mahak, and a backup of Mahak taken then
        await sync_all(container)
        control.snapshot("nightly")
        # and changes after the backup that the store received (three change batches, a new product too)
        control.upsert_rows("ProductDetail", [{"ProductDetailId": 1, "Price1": 1_111_000}])
        control.upsert_rows("ProductDetail", [{"ProductDetailId": 2, "Price1": 2_222_000}])
        control.upsert_rows("ProductDetail", [{"ProductDetailId": 3, "Price1": 3_333_000}])
        await sync_all(container)
        assert await _price(container, 1) == 1_111_000
        # when Mahak is restored from the backup and the merchant then changes a price
        control.restore("nightly")
        control.upsert_rows("ProductDetail", [{"ProductDetailId": 4, "Price1": 4_444_000}])
        # then the next cycle's probe finds the rewind and raises it
        assert await container.fetcher.check_rewind("ProductDetail")
        assert await _rewind_open(container, "ProductDetail") == 1
        assert ("sync.rewind.detected", "sync:ProductDetail") in await _audit(container)
        # and the cycle heals every entity: the store ends equal to the restored Mahak, new price included
        results = await sync_all(container)
        assert {r.status for r in results} == {"succeeded"}
        await assert_store_matches_mahak(container, control)
        assert await _price(container, 4) == 4_444_000
        assert await _price(container, 1) != 1_111_000
        # and the alert clears, with the heal audited
        assert await _rewind_open(container, "ProductDetail") == 0
        assert ("sync.rewind.healed", "sync:ProductDetail") in await _audit(container)
        # and a change after the heal arrives by the ordinary incremental run
        control.upsert_rows("ProductDetail", [{"ProductDetailId": 5, "Price1": 5_555_000}])
        again = await container.fetcher.run("ProductDetail")
        assert again.kind == "incremental" and again.stats["rows_updated"] == 1
        assert await _price(container, 5) == 5_555_000


async def test_a_reconciliation_finds_a_rewind_the_probe_cannot_see(fresh_mahak, make_container) -> None:
    control = fresh_mahak.control
    async with make_container(fresh_mahak.base_url) as container, running_worker(container):
        await sync_all(container)
        control.snapshot("backup")
        control.upsert_rows("ProductDetail", [{"ProductDetailId": 1, "Price1": 1_111_000}])
        await sync_all(container)
        # given a restore after which the merchant made as many changes as the store had seen: Mahak serves
        # rows at the cursor again, so the probe sees nothing wrong
        control.restore("backup")
        control.upsert_rows("ProductDetail", [{"ProductDetailId": 2, "Price1": 2_222_000}])
        assert not await container.fetcher.check_rewind("ProductDetail")
        # when the reconciliation runs
        result = await container.fetcher.run("ProductDetail", "reconcile")
        # then it finds detail 1 served below the RowVersion the store holds, and heals
        assert (result.kind, result.status) == ("rewind", "succeeded")
        await assert_store_matches_mahak(container, control)
        assert await _price(container, 1) != 1_111_000
        assert await _rewind_open(container, "ProductDetail") == 0
        assert [a for a, _ in await _audit(container)] == ["sync.rewind.detected", "sync.rewind.healed"]
