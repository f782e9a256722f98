"""The upsert engine and logical deletes, through ``SqlSyncRepository.apply_batch`` on the real PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from hamgam.adapters.db.engine import create_engine
from hamgam.adapters.db.sync_repository import SqlSyncRepository
from hamgam.domain.sync.batch import Batch


def product(mahak_id: int, rv: int, name: str = "چای", deleted: bool = False, **extra) -> dict:
    return {
        "mahak_id": mahak_id,
        "row_version": rv,
        "deleted": deleted,
        "name": name,
        "name_search": name,
        "code": str(mahak_id),
        **extra,
    }


@pytest.fixture
async def store(database_url: str):
    engine = create_engine(database_url, pool_size=2)
    yield SqlSyncRepository(engine)
    await engine.dispose()


async def new_batch(
    store: SqlSyncRepository, rows: list[dict], *, reconcile: bool = False, entity: str = "Product"
) -> Batch:
    run_id = await store.start_run(entity, "reconcile" if reconcile else "incremental", 0)
    versions = [r["row_version"] for r in rows]
    batch_id = await store.record_batch(run_id, entity, 1, len(rows), min(versions), max(versions), [])
    return Batch(batch_id, run_id, entity, rows, reconcile, max(versions))


async def products(store: SqlSyncRepository) -> dict[int, dict]:
    async with store.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT * FROM product ORDER BY mahak_id"))).mappings()
        return {r["mahak_id"]: dict(r) for r in rows}


async def test_apply_batch_inserts_then_redelivery_changes_nothing(store: SqlSyncRepository) -> None:
    # given a batch of two products
    batch = await new_batch(store, [product(1, 10), product(2, 10, "قهوه")])
    # when it is applied, then delivered again
    first = await store.apply_batch(batch)
    second = await store.apply_batch(batch)
    # then the first applies both and the redelivery is recognised and changes nothing
    assert (first.inserted, first.updated, first.stale) == (2, 0, 0)
    assert second is None
    assert {k: v["name"] for k, v in (await products(store)).items()} == {1: "چای", 2: "قهوه"}


async def test_apply_batch_older_row_after_newer_is_stale(store: SqlSyncRepository) -> None:
    # given a product at RowVersion 20
    await store.apply_batch(await new_batch(store, [product(1, 20, "جدید")]))
    # when an older batch (RowVersion 10) arrives late
    counts = await store.apply_batch(await new_batch(store, [product(1, 10, "قدیمی")]))
    # then it is counted stale and the newer data stays
    assert (counts.updated, counts.stale) == (0, 1)
    assert (await products(store))[1]["name"] == "جدید"


async def test_apply_batch_keeps_highest_row_version_of_duplicate_ids(store: SqlSyncRepository) -> None:
    counts = await store.apply_batch(await new_batch(store, [product(1, 12, "دوم"), product(1, 11, "اول")]))
    assert counts.inserted == 1
    assert (await products(store))[1]["name"] == "دوم"


async def test_logical_delete_then_recreate(store: SqlSyncRepository) -> None:
    # given a live product
    await store.apply_batch(await new_batch(store, [product(1, 10)]))
    # when Mahak deletes it, then re-creates it
    deleted = await store.apply_batch(await new_batch(store, [product(1, 11, deleted=True)]))
    after_delete = (await products(store))[1]
    recreated = await store.apply_batch(await new_batch(store, [product(1, 12)]))
    # then the delete keeps the row with deleted_at set, and the re-creation clears it
    assert deleted.deleted == 1 and after_delete["deleted_at"] is not None
    assert after_delete["row_version"] == 11
    assert recreated.updated == 1 and (await products(store))[1]["deleted_at"] is None


async def test_reconcile_batch_fixes_silent_edit_at_same_row_version(store: SqlSyncRepository) -> None:
    # given a product stored at RowVersion 10
    await store.apply_batch(await new_batch(store, [product(1, 10, "قبل")]))
    # when Mahak changed its name without a RowVersion bump
    incremental = await store.apply_batch(await new_batch(store, [product(1, 10, "بعد")]))
    reconciled = await store.apply_batch(await new_batch(store, [product(1, 10, "بعد")], reconcile=True))
    # then an incremental batch cannot see it, a reconciliation fixes it
    assert incremental.stale == 1
    assert reconciled.updated == 1
    assert (await products(store))[1]["name"] == "بعد"


async def test_local_override_is_kept_and_conflict_logged(store: SqlSyncRepository) -> None:
    # given a product whose name staff overrode in the store
    await store.apply_batch(await new_batch(store, [product(1, 10, "نام محک")]))
    async with store.engine.begin() as conn:
        await conn.execute(
            text(
                """INSERT INTO product_override (product_id, field, value, set_by)
                   VALUES (1, 'name', '"نام فروشگاه"', 'staff')"""
            )
        )
    # when Mahak renames the product
    await store.apply_batch(await new_batch(store, [product(1, 11, "نام تازه محک")]))
    # then the Mahak value is stored, the override stays, and a conflict records both sides
    async with store.engine.connect() as conn:
        conflict = (await conn.execute(text("SELECT * FROM sync_conflict"))).mappings().one()
        override = await conn.scalar(text("SELECT value FROM product_override WHERE product_id = 1"))
    assert (await products(store))[1]["name"] == "نام تازه محک"
    assert override == "نام فروشگاه"
    assert (conflict["field"], conflict["mahak_old_value"], conflict["mahak_new_value"]) == (
        "name",
        "نام محک",
        "نام تازه محک",
    )


async def test_product_detail_prices_and_properties_round_trip(store: SqlSyncRepository) -> None:
    row = {
        "mahak_id": 5,
        "row_version": 3,
        "deleted": False,
        "product_id": 1,
        "properties": [{"code": 1, "value": "قرمز"}],
        "barcode": "626",
        "prices_rial": [1_250_000] + [0] * 9,
        "default_price_level": 1,
        "discount": 0.0,
        "discount_type": 0,
        "count1": -2.0,
        "count2": 0.0,
    }
    await store.apply_batch(await new_batch(store, [row], entity="ProductDetail"))
    async with store.engine.connect() as conn:
        stored = (await conn.execute(text("SELECT * FROM product_detail"))).mappings().one()
    assert stored["prices_rial"][0] == 1_250_000
    assert stored["properties"] == [{"code": 1, "value": "قرمز"}]
    assert stored["count1"] == -2.0  # stored as Mahak sent it
