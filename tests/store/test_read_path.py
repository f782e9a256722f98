"""The storefront's read path (``hamgam.adapters.db.read_only``): no transaction, no pre-ping, and still an
answer when PostgreSQL has closed the pooled connections."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from hamgam.adapters.db.catalog_read import sellable_details
from hamgam.adapters.db.catalog_uow import SqlCatalogReadUnitOfWork
from tests.store.conftest import StoreWorld, scalar
from tests.store.test_catalog import seed_catalogue

#: Seconds a test waits for PostgreSQL to show a terminated backend gone (it exits in milliseconds).
GONE_WITHIN_S = 30.0


async def terminate_other_backends(engine: AsyncEngine) -> int:
    """End every other connection to this test's database, as a server restart would; wait until they are
    gone (each look in a transaction of its own: ``pg_stat_activity`` is a snapshot per transaction). Returns
    how many were ended."""
    async with engine.begin() as conn:
        pids = list(
            (
                await conn.execute(
                    text("""SELECT pid FROM pg_stat_activity
                            WHERE datname = current_database() AND pid <> pg_backend_pid()""")
                )
            ).scalars()
        )
        for pid in pids:
            await conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    deadline = asyncio.get_running_loop().time() + GONE_WITHIN_S
    while await scalar(engine, "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:p)", p=pids):
        assert asyncio.get_running_loop().time() < deadline, "terminated backends did not exit"
        await asyncio.sleep(0.05)
    return len(pids)


async def test_a_read_answers_after_postgres_closed_the_pooled_connections(world: StoreWorld) -> None:
    # given a catalogue read once, so the read engine's pool holds an open connection
    await seed_catalogue(world)
    before = await world.core.catalog.product(1)
    listing = await world.core.catalog.search(category=1, sort="newest")
    assert world.read_engine.pool.checkedin() >= 1  # type: ignore[attr-defined]
    # when PostgreSQL ends every connection to the database between two requests
    assert await terminate_other_backends(world.engine) >= 1
    # then the next reads still answer, the same
    assert await world.core.catalog.product(1) == before
    assert await world.core.catalog.search(category=1, sort="newest") == listing


async def test_a_read_is_run_again_on_a_fresh_connection_when_its_own_was_closed(world: StoreWorld) -> None:
    # given a read-only unit of work that has read once (its connection is checked out, so no checkout check
    # can replace it)
    await seed_catalogue(world)
    async with SqlCatalogReadUnitOfWork(world.read_engine, world.settings.sync) as uow:
        first = await uow.catalog.product_details(1)
        # when PostgreSQL ends that connection while the unit of work holds it
        assert await terminate_other_backends(world.engine) >= 1
        # then its next read fails on the dropped connection, and is run again on a fresh one
        assert await uow.catalog.product_details(1) == first
        assert (await uow.images.images_of([1])) == {}


async def test_reads_never_leave_a_transaction_open(world: StoreWorld) -> None:
    # given a catalogue
    await seed_catalogue(world)
    idle_in_transaction = """SELECT count(*) FROM pg_stat_activity
                             WHERE datname = current_database() AND state LIKE 'idle in transaction%'"""
    # when a read-only unit of work has read and still holds its connection
    async with SqlCatalogReadUnitOfWork(world.read_engine, world.settings.sync) as uow:
        assert await uow.catalog.product_details(1)
        assert await uow.catalog.category_nodes()
        held = await scalar(world.engine, idle_in_transaction)
    # and after the storefront's reads (product page, listing, search, covers, featured, export)
    await world.core.catalog.product(1)
    await world.core.catalog.search(category=1, sort="newest")
    await world.core.catalog.search(q="چای")
    await world.core.catalog.featured()
    await world.core.catalog.related(await world.core.catalog.product(4))
    async for _ in world.core.catalog.export():
        pass
    after = await scalar(world.engine, idle_in_transaction)
    # then no connection of the database sat in an open transaction, neither during nor after
    assert (held, after) == (0, 0)


async def seed_named_properties(world: StoreWorld) -> None:
    """Product 1's detail with four property codes: 7 named by a description's code (and, less closely, by
    another's Mahak id), 8 by a Mahak id only, 9 by a deleted description only, 5 by an unnamed one only."""
    async with world.engine.begin() as conn:
        await conn.execute(
            text("""INSERT INTO property_description (mahak_id, code, name, row_version, deleted_at) VALUES
                    (50, '7', 'وزن', 1, NULL), (7, '70', 'نه این', 1, NULL), (8, NULL, 'رنگ', 1, NULL),
                    (9, '9', 'پاک‌شده', 1, now()), (5, '5', '', 1, NULL)""")
        )
        await conn.execute(
            text("UPDATE product_detail SET properties = CAST(:p AS jsonb) WHERE product_id = 1"),
            {"p": json.dumps([{"code": c, "value": v} for c, v in [(7, "۱۰۰ گرم"), (8, "سبز"), (9, "x"), (5, "y")]])},
        )


async def test_a_product_page_reads_its_property_names_in_its_details_statement(world: StoreWorld) -> None:
    # given a product whose detail has named properties
    await seed_catalogue(world)
    await seed_named_properties(world)
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    # when its page is read, counting the statements sent on the read engine
    event.listen(world.read_engine.sync_engine, "before_cursor_execute", count)
    try:
        page = await world.core.catalog.product(1)
    finally:
        event.remove(world.read_engine.sync_engine, "before_cursor_execute", count)
    # then the listing row, the details with their property names and the extras: three round trips
    assert len(statements) == 3
    assert not any("FROM property_description" in s and "product_detail" not in s for s in statements)
    # and each code is named by the description whose code it is, else whose Mahak id it is; a deleted or
    # unnamed description names nothing
    (detail,) = page["details"]
    assert [(p["code"], p["name"]) for p in detail["properties"]] == [(7, "وزن"), (8, "رنگ"), (9, None), (5, None)]
    assert page["variant_of"][str(detail["detail_id"])]["label"] == "وزن: 100 گرم، رنگ: سبز، ویژگی ۹: x، ویژگی ۵: y"


async def test_a_cart_line_names_its_variant_from_the_same_statement(world: StoreWorld) -> None:
    # given the same detail
    await seed_catalogue(world)
    await seed_named_properties(world)
    # when checkout's read of sellable details reads it
    async with world.engine.connect() as conn:
        (detail,) = await sellable_details(conn, world.settings.sync, [10])
    # then its variant label names it as the product page does
    assert detail.variant == "وزن: 100 گرم، رنگ: سبز، ویژگی ۹: x، ویژگی ۵: y"
