"""Sales reports on real PostgreSQL with known orders (``tests.web.seed.SALES``): sums by Tehran day of payment,
Jalali months that turn at 1 Farvardin, products and categories, sold statuses only."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hamgam.adapters.db.catalog_uow import SqlCatalogUnitOfWork
from hamgam.adapters.db.engine import create_engine
from hamgam.bootstrap import store_uow
from hamgam.domain.reports import Period, choose_period
from hamgam.services.store.refunds import record_refund
from hamgam.services.store.reports import SalesReports
from hamgam.settings import Settings
from tests.web.seed import seed_catalogue, seed_sales

#: 1404/12/25 to 1405/01/05
PERIOD = Period(dt.date(2026, 3, 16), dt.date(2026, 3, 25))


@pytest.fixture
async def reports(database_url: str) -> AsyncIterator[SalesReports]:
    engine = create_engine(database_url, pool_size=2)
    await seed_catalogue(engine)
    await seed_sales(engine)
    yield SalesReports(lambda: SqlCatalogUnitOfWork(engine))
    await engine.dispose()


async def test_sales_by_day_are_sold_orders_by_tehran_day_of_payment(reports: SalesReports) -> None:
    days = {d["day"]: d for d in await reports.by_day(PERIOD)}
    # every day of the period, a day with no sale as zeros
    assert len(days) == 10 and days[dt.date(2026, 3, 16)]["total_rial"] == 0
    # 23:00 in Tehran on 20 March: the last day of 1404
    assert days[dt.date(2026, 3, 20)] == {
        "day": dt.date(2026, 3, 20),
        "orders": 1,
        "items_rial": 2_500_000,
        "shipping_rial": 300_000,
        "vat_rial": 0,
        "total_rial": 2_800_000,
        "refunded_rial": 0,
        "net_rial": 2_800_000,
    }
    # 20:40 UTC on 20 March is 00:10 on 1 Farvardin in Tehran
    assert days[dt.date(2026, 3, 21)]["orders"] == 1
    assert days[dt.date(2026, 3, 21)]["total_rial"] == 4_740_000
    # the cancelled order of the 22nd is not a sale; the shipped one is
    assert days[dt.date(2026, 3, 22)]["orders"] == 2
    assert days[dt.date(2026, 3, 22)]["total_rial"] == 14_200_000
    assert sum(d["total_rial"] for d in days.values()) == 2_800_000 + 4_740_000 + 14_200_000


async def test_months_turn_at_1_farvardin(reports: SalesReports) -> None:
    months = await reports.by_month(PERIOD)
    assert [(m["year"], m["month"], m["label"]) for m in months] == [
        (1404, 12, "اسفند ۱۴۰۴"),
        (1405, 1, "فروردین ۱۴۰۵"),
    ]
    esfand, farvardin = months
    assert (esfand["orders"], esfand["total_rial"]) == (1, 2_800_000)
    assert (farvardin["orders"], farvardin["total_rial"]) == (3, 18_940_000)
    assert esfand["last"] == dt.date(2026, 3, 20) and farvardin["first"] == dt.date(2026, 3, 21)


async def test_a_period_of_one_day_counts_that_tehran_day_only(reports: SalesReports) -> None:
    first_of_farvardin = choose_period("۱۴۰۵/۰۱/۰۱", "1405-1-1")
    [day] = await reports.by_day(first_of_farvardin)
    assert (day["day"], day["orders"], day["total_rial"]) == (dt.date(2026, 3, 21), 1, 4_740_000)


async def test_sales_by_product_and_category(reports: SalesReports) -> None:
    products = await reports.by_product(PERIOD)
    assert [(p["product_id"], p["quantity"], p["orders"], p["revenue_rial"]) for p in products] == [
        (105, 3, 1, 13_500_000),
        (101, 3, 2, 3_750_000),
        (103, 1, 1, 3_490_000),
        (999, 4, 1, 400_000),
    ]
    assert products[0]["name"] == "کتاب شاهنامه فردوسی" and products[0]["code"] == "P105"
    # a product gone from the catalogue keeps the name on its order lines
    assert (products[-1]["name"], products[-1]["code"]) == ("کالای حذف‌شده", None)
    streamed = [p async for p in reports.stream_by_product(PERIOD)]
    assert streamed == products
    assert await reports.by_product(PERIOD, limit=2) == products[:2]
    categories = await reports.by_category(PERIOD)
    assert [(c["category_id"], c["name"], c["quantity"], c["revenue_rial"]) for c in categories] == [
        (3, "کتاب", 3, 13_500_000),
        (1, "پوشاک", 3, 3_750_000),
        (2, "لوازم خانگی", 1, 3_490_000),
        (None, None, 4, 400_000),
    ]


async def test_the_dashboard_ranks_by_quantity_and_by_revenue(reports: SalesReports) -> None:
    # "now" is 1405/01/05 in Tehran: the last 30 days hold every sale
    board = await reports.dashboard(now=dt.datetime(2026, 3, 25, 12, tzinfo=dt.UTC))
    assert len(board["days"]) == 30 and board["days"][-1]["day"] == dt.date(2026, 3, 25)
    assert sum(d["total_rial"] for d in board["days"]) == 21_740_000
    assert [p["product_id"] for p in board["top_quantity"]] == [999, 105, 101, 103]
    assert [p["product_id"] for p in board["top_revenue"]] == [105, 101, 103, 999]
    # orders placed since the first of the 30 days, by their status now (the unpaid one was placed today)
    assert board["statuses"] == dict.fromkeys(
        ("paid", "delivered", "invoiced", "cancelled", "pending_payment", "shipped"), 1
    )


async def _refund(engine: AsyncEngine, order_id: int, amount_rial: int) -> None:
    await record_refund(
        store_uow(engine, Settings()), order_id, amount_rial=amount_rial, method="cash", note="", actor="staff:1"
    )


@pytest.fixture
async def refunded(database_url: str) -> AsyncIterator[SalesReports]:
    """``SALES`` with refunds recorded as staff do: 9002 (4,740,000 Rial) partly, 1,000,000; 9003 (13,800,000)
    partly, a quarter; 9006 (400,000) in full, in two refunds."""
    engine = create_engine(database_url, pool_size=2)
    await seed_catalogue(engine)
    await seed_sales(engine)
    await _refund(engine, 9002, 1_000_000)
    await _refund(engine, 9003, 3_450_000)
    await _refund(engine, 9006, 100_000)
    await _refund(engine, 9006, 300_000)
    yield SalesReports(lambda: SqlCatalogUnitOfWork(engine))
    await engine.dispose()


async def test_refunds_count_against_the_days_of_their_sales(refunded: SalesReports) -> None:
    days = {d["day"]: d for d in await refunded.by_day(PERIOD)}
    # the orders paid and what they came to stay; what was refunded of them, and the difference, beside
    assert days[dt.date(2026, 3, 22)] == {
        "day": dt.date(2026, 3, 22),
        "orders": 2,
        "items_rial": 13_900_000,
        "shipping_rial": 300_000,
        "vat_rial": 0,
        "total_rial": 14_200_000,
        "refunded_rial": 3_450_000 + 400_000,
        "net_rial": 14_200_000 - 3_850_000,
    }
    assert (days[dt.date(2026, 3, 21)]["refunded_rial"], days[dt.date(2026, 3, 21)]["net_rial"]) == (
        1_000_000,
        3_740_000,
    )
    assert (days[dt.date(2026, 3, 20)]["refunded_rial"], days[dt.date(2026, 3, 20)]["net_rial"]) == (0, 2_800_000)
    months = await refunded.by_month(PERIOD)
    assert [(m["orders"], m["total_rial"], m["refunded_rial"], m["net_rial"]) for m in months] == [
        (1, 2_800_000, 0, 2_800_000),
        (3, 18_940_000, 4_850_000, 14_090_000),
    ]


async def test_products_leave_out_orders_refunded_in_full_and_lose_their_share_of_partial_refunds(
    refunded: SalesReports,
) -> None:
    products = await refunded.by_product(PERIOD)
    # 9006 (the gone product's only order) was refunded in full: not sold. 9003 kept three quarters of its
    # money, its one line too. 9002 kept 3,740,000 of 4,740,000: each line that share, rounded to the Rial.
    assert [(p["product_id"], p["quantity"], p["orders"], p["revenue_rial"]) for p in products] == [
        (105, 3, 1, 10_125_000),
        (101, 3, 2, 2_500_000 + 986_287),
        (103, 1, 1, 2_753_713),
    ]
    assert [p async for p in refunded.stream_by_product(PERIOD)] == products
    categories = await refunded.by_category(PERIOD)
    assert [(c["category_id"], c["quantity"], c["orders"], c["revenue_rial"]) for c in categories] == [
        (3, 3, 1, 10_125_000),
        (1, 3, 2, 3_486_287),
        (2, 1, 1, 2_753_713),
    ]
    board = await refunded.dashboard(now=dt.datetime(2026, 3, 25, 12, tzinfo=dt.UTC))
    assert sum(d["net_rial"] for d in board["days"]) == 2_800_000 + 14_090_000
    assert [p["product_id"] for p in board["top_quantity"]] == [105, 101, 103]
