"""The selling rules over synced data: visibility on the VisitorProduct link, stock source, clamping, price level."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from hamgam.adapters.db.catalog_read import sellable_details
from hamgam.adapters.db.engine import create_engine
from hamgam.settings import StockSource, SyncSettings

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


async def test_price_level_setting_or_detail_default(conn) -> None:
    (default_level,) = await sellable_details(conn, SyncSettings())
    (level_three,) = await sellable_details(conn, SyncSettings(price_level=3))
    assert (default_level.price_rial, level_three.price_rial) == (200, 300)


async def test_hidden_by_staff(conn) -> None:
    await conn.execute(text("INSERT INTO product_listing (product_id, hidden) VALUES (1, true)"))
    assert await sellable_details(conn, SyncSettings()) == []
