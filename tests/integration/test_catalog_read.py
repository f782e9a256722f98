"""The selling rules over synced data: visibility on the VisitorProduct link, stock source, clamping, price level."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hamgam.adapters.db.catalog_read import sellable_details
from hamgam.adapters.db.engine import create_engine
from hamgam.settings import StockSource, SyncSettings
from tests.queue_helpers import eventually

SEED = """
INSERT INTO product (mahak_id, name, name_search, row_version) VALUES (1, 'چای', 'چای', 1), (2, 'قهوه', 'قهوه', 1),
    (3, 'حذف شده', 'حذف شده', 1);
UPDATE product SET deleted_at = now() WHERE mahak_id = 3;
INSERT INTO product_detail (mahak_id, product_id, prices_rial, default_price_level, row_version, deleted_at) VALUES
    (11, 1, '{100,200,300,0,0,0,0,0,0,0}', 2, 1, NULL),
    (21, 2, '{500,600,0,0,0,0,0,0,0,0}', 1, 1, NULL),      -- no VisitorProduct link: not the site's
    (31, 3, '{700,0,0,0,0,0,0,0,0,0}', 1, 1, NULL);
INSERT INTO visitor_product (mahak_id, product_detail_id, visitor_id, count1, row_version) VALUES
    (111, 11, 1, -4, 1), (311, 31, 1, 9, 1);
INSERT INTO product_detail_stock (mahak_id, product_detail_id, store_id, count1, row_version) VALUES
    (1001, 11, 1, 5, 1), (1002, 11, 2, 7, 1), (1003, 11, 3, 100, 1);
"""


@pytest.fixture
async def conn(database_url: str):
    engine = create_engine(database_url, pool_size=1)
    async with engine.begin() as connection:
        for statement in SEED.split(";"):
            if statement.strip():
                await connection.execute(text(statement))
    async with engine.connect() as connection:
        yield connection
    await engine.dispose()


async def test_visibility_follows_the_visitor_product_link(conn) -> None:
    details = await sellable_details(conn, SyncSettings())
    # the live product with a link shows; no link, or a deleted product: hidden
    assert [d.detail_id for d in details] == [11]


async def test_deleted_link_hides_the_detail(conn) -> None:
    await conn.execute(text("UPDATE visitor_product SET deleted_at = now() WHERE product_detail_id = 11"))
    assert await sellable_details(conn, SyncSettings()) == []


async def test_stock_from_visitor_product_clamps_negative(conn) -> None:
    (detail,) = await sellable_details(conn, SyncSettings())
    assert detail.stock_mahak == -4
    assert detail.stock_for_sale == 0


async def test_stock_from_configured_stores_is_their_sum(conn) -> None:
    rules = SyncSettings(stock_source=StockSource.STORES, stock_store_ids=[2, 1])
    (detail,) = await sellable_details(conn, rules)
    assert detail.stock_for_sale == 12


async def test_stock_for_sale_is_the_net_of_the_stores_a_negative_store_is_owed_from_the_others(conn) -> None:
    # given stores [-1, 166]: one store sold a unit before it received it (contract §4)
    await conn.execute(text("UPDATE product_detail_stock SET count1 = -1 WHERE mahak_id = 1001"))
    await conn.execute(text("UPDATE product_detail_stock SET count1 = 166 WHERE mahak_id = 1002"))
    rules = SyncSettings(stock_source=StockSource.STORES, stock_store_ids=[1, 2])
    # then the deficit is owed from the other store: 165 for sale, not 166
    (detail,) = await sellable_details(conn, rules)
    assert (detail.stock_mahak, detail.stock_for_sale, detail.available) == (165, 165, 165)
    # and only the net is clamped: stores [-170, 166] have nothing for sale
    await conn.execute(text("UPDATE product_detail_stock SET count1 = -170 WHERE mahak_id = 1001"))
    (detail,) = await sellable_details(conn, rules)
    assert (detail.stock_mahak, detail.stock_for_sale) == (-4, 0)


async def test_price_level_setting_or_detail_default(conn) -> None:
    (default_level,) = await sellable_details(conn, SyncSettings())
    (level_three,) = await sellable_details(conn, SyncSettings(price_level=3))
    assert (default_level.price_rial, level_three.price_rial) == (200, 300)


async def test_hidden_by_staff(conn) -> None:
    await conn.execute(text("INSERT INTO product_listing (product_id, hidden) VALUES (1, true)"))
    assert await sellable_details(conn, SyncSettings()) == []


async def _listed(conn) -> dict[int, tuple[str, int | None]]:
    rows = await conn.execute(text("SELECT product_id, name, category_id FROM catalog_entry"))
    return {r.product_id: (r.name, r.category_id) for r in rows}


async def _on_sale(conn) -> dict[int, tuple[str, int | None]]:
    """What the selling rules say now, read live (every detail on sale, its product's name and category)."""
    return {d.product_id: (d.name, d.category_id) for d in await sellable_details(conn, SyncSettings())}


async def test_catalog_entries_follow_every_table_they_depend_on(conn) -> None:
    link = "INSERT INTO extra_data (mahak_id, item_type, data, row_version) VALUES (:i, 10202, CAST(:d AS jsonb), :v)"
    steps = [
        (
            "a link puts product 2 on sale",
            """INSERT INTO visitor_product (mahak_id, product_detail_id, visitor_id, count1, row_version)
               VALUES (211, 21, 1, 3, 1)""",
            {},
        ),
        ("staff hide product 1", "INSERT INTO product_listing (product_id, hidden) VALUES (1, true)", {}),
        ("and show it again", "UPDATE product_listing SET hidden = false WHERE product_id = 1", {}),
        (
            "a name override",
            """INSERT INTO product_override (product_id, field, value, set_by)
               VALUES (2, 'name', '"قهوه اسپرسو"', 'staff')""",
            {},
        ),
        ("Mahak renames it underneath", "UPDATE product SET name = 'قهوه ترک', row_version = 2 WHERE mahak_id = 2", {}),
        ("the override goes", "DELETE FROM product_override WHERE product_id = 2", {}),
        ("Mahak's category", "UPDATE product SET category_id = 5, row_version = 3 WHERE mahak_id = 2", {}),
        ("a category link by id", link, {"i": 900, "d": '{"ProductCode": 2, "CategoryCode": 7}', "v": 5}),
        ("a newer link elsewhere", link, {"i": 901, "d": '{"ProductCode": 2, "CategoryCode": 8}', "v": 6}),
        ("the newer link deleted", "UPDATE extra_data SET deleted_at = now() WHERE mahak_id = 901", {}),
        ("a code the links do not use", "UPDATE product SET code = 'C2', row_version = 4 WHERE mahak_id = 2", {}),
        ("a stock figure alone", "UPDATE visitor_product SET count1 = 8, row_version = 2 WHERE mahak_id = 211", {}),
        ("the detail deleted", "UPDATE product_detail SET deleted_at = now() WHERE mahak_id = 21", {}),
        ("product 3 restored", "UPDATE product SET deleted_at = NULL WHERE mahak_id = 3", {}),
        ("its link removed", "DELETE FROM visitor_product WHERE mahak_id = 311", {}),
        (
            "an upsert that inserts one row and revives another",
            """INSERT INTO visitor_product (mahak_id, product_detail_id, visitor_id, count1, row_version)
               VALUES (311, 31, 1, 2, 9), (212, 21, 1, 1, 9)
               ON CONFLICT (mahak_id) DO UPDATE SET count1 = excluded.count1, row_version = excluded.row_version""",
            {},
        ),
        ("and the detail back", "UPDATE product_detail SET deleted_at = NULL WHERE mahak_id = 21", {}),
    ]
    seen = []
    for step, sql, params in steps:
        # when a source row changes
        await conn.execute(text(sql), params)
        # then the listed entries are exactly what the rules say, read live
        entries = await _listed(conn)
        assert entries == await _on_sale(conn), step
        seen.append(entries)
    assert seen[0] == {1: ("چای", None), 2: ("قهوه", None)}
    assert seen[1] == {2: ("قهوه", None)}
    assert [s[2] for s in seen[3:11]] == [
        ("قهوه اسپرسو", None),
        ("قهوه اسپرسو", None),
        ("قهوه ترک", None),
        ("قهوه ترک", 5),
        ("قهوه ترک", 7),
        ("قهوه ترک", 8),
        ("قهوه ترک", 7),
        ("قهوه ترک", 5),
    ]
    assert set(seen[-1]) == {1, 2, 3}


async def _waits_for_a_lock(engine: AsyncEngine, pid: int) -> bool:
    async with engine.connect() as conn:
        query = text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid")
        return bool((await conn.execute(query, {"pid": pid})).scalar())


async def test_concurrent_detail_and_link_both_count(database_url: str) -> None:
    # given a live product without details
    engine = create_engine(database_url, pool_size=2)
    async with engine.begin() as setup:
        await setup.execute(
            text("INSERT INTO product (mahak_id, name, name_search, row_version) VALUES (7, 'نان', 'نان', 1)")
        )
    async with engine.connect() as first, engine.connect() as second:
        # when one transaction adds its detail and, before it commits, another adds the detail's link
        await first.execute(
            text("INSERT INTO product_detail (mahak_id, product_id, prices_rial, row_version) VALUES (71, 7, '{1}', 1)")
        )
        second_pid = (await second.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        link = asyncio.create_task(
            second.execute(
                text(
                    "INSERT INTO visitor_product (mahak_id, product_detail_id, visitor_id, row_version) "
                    "VALUES (71, 71, 1, 1)"
                )
            )
        )
        await eventually(lambda: _waits_for_a_lock(engine, second_pid))  # the link's statement waits for the first
        await first.commit()
        await link
        await second.commit()
    # then the product is listed: the later transaction saw the earlier one's row
    async with engine.connect() as check:
        assert await _listed(check) == {7: ("نان", None)}
    await engine.dispose()
