"""The catalogue: Persian search in any spelling, filters, sorting, paging, the category tree, and what never shows."""

from __future__ import annotations

import json

from sqlalchemy import text

from hamgam.adapters.db.catalog_read import ProductQuery, search_products
from tests.store.conftest import StoreWorld, seed_product


async def seed_catalogue(world: StoreWorld) -> None:
    e = world.engine
    await seed_product(e, 1, "چای کیسه‌ای گلستان ۱۰۰ عددی", stock=5, price_rial=1_200_000, category_id=1, code="A1")
    await seed_product(e, 2, "كيك يزدي", stock=0, price_rial=300_000, category_id=2)  # Arabic yeh/kaf in Mahak
    await seed_product(e, 3, "قهوه ترک", stock=3, price_rial=2_500_000, category_id=1)
    await seed_product(e, 4, "چای سبز", stock=9, price_rial=900_000, category_id=1)
    async with e.begin() as conn:
        nodes = [(1, "نوشیدنی", 0), (101, "چای", 1), (2, "شیرینی", 0)]
        for i, (code, name, parent) in enumerate(nodes):
            await conn.execute(
                text(
                    "INSERT INTO extra_data (mahak_id, item_type, data, row_version)"
                    " VALUES (:i, 130, CAST(:d AS jsonb), 1)"
                ),
                {
                    "i": 900 + i,
                    "d": json.dumps({"CategoryCode": code, "CategoryName": name, "ParentCode": parent}),
                },
            )
        # product 4 is linked to the sub-category 101 through ExtraData 10202 (by product code = id here)
        await conn.execute(
            text("""INSERT INTO extra_data (mahak_id, item_type, data, row_version)
                    VALUES (990, 10202, '{"ProductCode": 4, "CategoryCode": 101}', 1)"""),
        )


async def test_search_finds_any_spelling(world: StoreWorld) -> None:
    # given products named with Persian and with Arabic yeh/kaf, digits and ZWNJ
    await seed_catalogue(world)
    # when customers type other spellings
    arabic_query = await world.core.catalog.search(q="چاي")  # Arabic yeh
    cake = await world.core.catalog.search(q="کیک یزدی")  # Persian letters for an Arabic-spelled name
    digits = await world.core.catalog.search(q="گلستان 100")  # Latin digits for Persian ones
    zwnj = await world.core.catalog.search(q="کیسه ای")  # a space for the ZWNJ
    # then each finds the product
    assert {i["product_id"] for i in arabic_query["items"]} == {1, 4}
    assert [i["product_id"] for i in cake["items"]] == [2]
    assert [i["product_id"] for i in digits["items"]] == [1]
    assert [i["product_id"] for i in zwnj["items"]] == [1]


async def test_search_filters_sorts_and_pages(world: StoreWorld) -> None:
    await seed_catalogue(world)
    # when filtering by price and stock and sorting by price
    page = await world.core.catalog.search(min_price_rial=500_000, in_stock=True, sort="price_desc", per_page=2)
    second = await world.core.catalog.search(
        min_price_rial=500_000, in_stock=True, sort="price_desc", per_page=2, page=2
    )
    # then only priced, in-stock products come, most expensive first, two per page
    assert [i["product_id"] for i in page["items"]] == [3, 1]
    assert [i["product_id"] for i in second["items"]] == [4]
    assert page["total"] == second["total"] == 3


async def test_category_filter_includes_subcategories(world: StoreWorld) -> None:
    await seed_catalogue(world)
    # when asking for the top category and for the sub-category
    top = await world.core.catalog.search(category=1)
    sub = await world.core.catalog.search(category=101)
    tree = await world.core.catalog.categories()
    # then the top includes its sub-category's product; the tree nests them
    assert {i["product_id"] for i in top["items"]} == {1, 3, 4}
    assert [i["product_id"] for i in sub["items"]] == [4]
    assert [(n["code"], [c["code"] for c in n["children"]]) for n in tree] == [(1, [101]), (2, [])]


async def test_hidden_and_deleted_products_never_show(world: StoreWorld) -> None:
    await seed_catalogue(world)
    async with world.engine.begin() as conn:
        await conn.execute(text("INSERT INTO product_listing (product_id, hidden) VALUES (1, true)"))
        await conn.execute(text("UPDATE product SET deleted_at = now() WHERE mahak_id = 3"))
    # when listing and opening them
    listed = await world.core.catalog.search(q="چای")
    everything = await world.core.catalog.search()
    # then neither appears, and their pages are not found
    assert {i["product_id"] for i in everything["items"]} == {2, 4}
    assert [i["product_id"] for i in listed["items"]] == [4]
    from hamgam.domain.errors import NotFound

    for product_id in (1, 3):
        try:
            await world.core.catalog.product(product_id)
        except NotFound:
            continue
        raise AssertionError(f"product {product_id} was shown")


async def test_product_page_shows_details_price_and_available_stock(world: StoreWorld) -> None:
    await seed_catalogue(world)
    page = await world.core.catalog.product(1)
    assert page["details"] == [
        {
            "detail_id": 10,
            "properties": [],
            "barcode": None,
            "price_rial": 1_200_000,
            "list_price_rial": 1_200_000,
            "available": 5,
        }
    ]
    assert page["min_price_rial"] == 1_200_000


async def test_total_is_a_lower_bound_past_the_count_limit(world: StoreWorld) -> None:
    await seed_catalogue(world)
    rules = world.settings.sync
    async with world.engine.connect() as conn:
        # when counting at most two of the four products on sale
        first = await search_products(conn, rules, ProductQuery(sort="newest", limit=1, count_limit=2))
        # and asking for a page past the count
        last = await search_products(conn, rules, ProductQuery(sort="newest", offset=3, limit=1, count_limit=2))
        beyond = await search_products(conn, rules, ProductQuery(sort="newest", offset=8, limit=1, count_limit=2))
    # then the first says "more than 2"; a page counts to its own end, so the last one knows the exact total
    assert ([i["product_id"] for i in first.items], first.total, first.total_exact) == ([4], 2, False)
    assert ([i["product_id"] for i in last.items], last.total, last.total_exact) == ([1], 4, True)
    assert (beyond.items, beyond.total, beyond.total_exact) == ([], 4, True)


async def test_parent_category_pages_in_order_across_its_categories(world: StoreWorld) -> None:
    # given the top category 1 holding products 1 and 3 directly and 4 through its sub-category 101
    await seed_catalogue(world)
    await seed_product(world.engine, 5, "آب معدنی", stock=0, price_rial=100_000, category_id=1)
    # when paging it two at a time, newest first and by name
    newest = [await world.core.catalog.search(category=1, sort="newest", per_page=2, page=n) for n in (1, 2)]
    by_name = [await world.core.catalog.search(category=1, sort="name", per_page=2, page=n) for n in (1, 2)]
    in_stock = await world.core.catalog.search(category=1, sort="newest", in_stock=True)
    # then the pages follow the order over all its categories, and count them all
    assert [[i["product_id"] for i in p["items"]] for p in newest] == [[5, 4], [3, 1]]
    assert [[i["name"] for i in p["items"]] for p in by_name] == [
        ["آب معدنی", "قهوه ترک"],
        ["چای سبز", "چای کیسه‌ای گلستان ۱۰۰ عددی"],
    ]
    assert {p["total"] for p in newest + by_name} == {4}
    assert [i["product_id"] for i in in_stock["items"]] == [4, 3, 1]


async def test_search_with_filters_orders_every_way(world: StoreWorld) -> None:
    await seed_catalogue(world)
    # when searching one word with a price floor, in stock, in each order
    found = {
        sort: await world.core.catalog.search(q="چای", min_price_rial=950_000, in_stock=True, sort=sort)
        for sort in ("name", "newest", "price_asc", "price_desc")
    }
    cheap_word = await world.core.catalog.search(q="چای", max_price_rial=950_000)
    # then only the product above the floor comes, whatever the order; the ceiling keeps only the cheaper one
    assert {sort: [i["product_id"] for i in page["items"]] for sort, page in found.items()} == {
        "name": [1],
        "newest": [1],
        "price_asc": [1],
        "price_desc": [1],
    }
    assert [i["product_id"] for i in cheap_word["items"]] == [4]
    assert found["name"]["total"] == 1 and found["name"]["total_exact"]
