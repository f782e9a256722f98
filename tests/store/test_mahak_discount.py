"""Mahak's ProductDetail Discount on PostgreSQL: the shop price is the price after it, shown with the list price
struck through, charged at checkout, and the order line (which the Mahak invoice line is built from) carries it."""

from __future__ import annotations

import itertools

from sqlalchemy import text

from hamgam.adapters.db.catalog_read import _PRICE, discount_codes, rule_params
from hamgam.domain.invoice import NO_VAT, export_line, line_total
from hamgam.domain.pricing import shop_price
from hamgam.settings import MoneyUnit, SyncSettings
from tests.store.conftest import StoreWorld, add_customer, buy, seed_product


async def set_discount(world: StoreWorld, detail_id: int, discount: float, kind: int) -> None:
    async with world.engine.begin() as conn:
        await conn.execute(
            text("UPDATE product_detail SET discount = :d, discount_type = :t WHERE mahak_id = :i"),
            {"d": discount, "t": kind, "i": detail_id},
        )


async def test_a_percent_discount_is_shown_struck_through_and_charged(world: StoreWorld) -> None:
    # given a product at 1,250,000 Rial (Price1) with Mahak's 20 percent discount
    detail = await seed_product(world.engine, 1, "قابلمه", stock=5, price_rial=1_250_000)
    await set_discount(world, detail, 20.0, 0)
    # when the catalogue and the product page read it
    (listed,) = (await world.core.catalog.search(q="قابلمه"))["items"]
    product = await world.core.catalog.product(1)
    # then the shop price is the discounted one, with Price1 as the list price shown struck through
    assert (listed["min_price_rial"], listed["list_price_rial"]) == (1_000_000, 1_250_000)
    assert product["details"][0]["price_rial"] == 1_000_000
    assert product["details"][0]["list_price_rial"] == 1_250_000
    # and the price filter sees the discounted price
    assert (await world.core.catalog.search(q="قابلمه", max_price_rial=1_000_000))["items"]
    # when a buyer checks out two
    customer = await add_customer(world.engine, "09351112233")
    order = await buy(world, customer, detail, 2)
    # then the line is charged at the discounted price, and its Mahak line amount is exactly what was charged
    full = await world.core.customer_order(customer, order["id"])
    (line,) = full["lines"]
    assert (line["unit_price_rial"], line["total_rial"]) == (1_000_000, 2_000_000)
    sent = export_line(line["unit_price_rial"], line["quantity"], NO_VAT, prices_include_vat=True)
    assert line_total(sent.line) + sent.remainder == 2_000_000 and sent.line.discount == 0


async def test_an_amount_discount_in_a_toman_database_is_taken_off_in_rial(world: StoreWorld) -> None:
    detail = await seed_product(world.engine, 2, "کتری", stock=5, price_rial=1_000_000)
    await set_discount(world, detail, 5_000.0, 1)  # 5,000 Toman off
    rules = SyncSettings(money_unit=MoneyUnit.TOMAN)
    async with world.engine.connect() as conn:
        price = await conn.scalar(
            text(f"SELECT {_PRICE} FROM product_detail d WHERE d.mahak_id = :i"), rule_params(rules) | {"i": detail}
        )
    assert price == 950_000


async def test_the_sql_computes_the_domain_rule(world: StoreWorld) -> None:
    # given details with every kind of discount, under the default codes and swapped ones
    prices = [0, 1, 999, 1_250_000, 999_999_999]
    discounts = [None, -1.0, 0.0, 0.5, 12.5, 33.333, 100.0, 150.0, 2_500.0, 10**10]
    kinds = [None, 0, 1, 2]
    cases = list(itertools.product(prices, discounts, kinds))
    async with world.engine.begin() as conn:
        await conn.execute(
            text("""INSERT INTO product_detail (mahak_id, product_id, prices_rial, default_price_level, discount,
                        discount_type, row_version)
                    SELECT 1000 + i, 1, ARRAY[p] || array_fill(0::bigint, ARRAY[9]), 1, dsc, k, 1
                    FROM unnest(CAST(:i AS int[]), CAST(:p AS bigint[]), CAST(:d AS float8[]), CAST(:k AS int[]))
                         AS c(i, p, dsc, k)"""),
            {"i": list(range(len(cases))), "p": [c[0] for c in cases], "d": [c[1] for c in cases],
             "k": [c[2] for c in cases]},
        )  # fmt: skip
        for rules in (SyncSettings(), SyncSettings(discount_percent_type=1, discount_amount_type=0)):
            rows = await conn.execute(
                text(f"SELECT d.mahak_id - 1000, {_PRICE} FROM product_detail d WHERE d.mahak_id >= 1000"),
                rule_params(rules),
            )
            codes = discount_codes(rules)
            # then each price is the domain's
            for i, price in rows:
                p, dsc, k = cases[i]
                assert price == shop_price(p, dsc, k, codes), cases[i]
