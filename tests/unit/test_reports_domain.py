"""The reports' rules: the Jalali range staff type, days folded into Jalali months at 1 Farvardin, empty days as
zeros; freshness against the objective; the chart geometry reads right to left; the sales service over fakes."""

from __future__ import annotations

import datetime as dt

import pytest

from hamgam.domain.reports import (
    MAX_DAYS,
    Period,
    RangeError,
    by_jalali_month,
    choose_period,
    day_label,
    fill_days,
    parse_jalali,
)
from hamgam.domain.sync.freshness import freshness
from hamgam.entrypoints.web.pages.charts import day_chart, freshness_bars, list_bars, sync_chart
from hamgam.services.store.reports import SalesReports
from tests.fakes.catalog import CatalogState, FakeCatalogUnitOfWork

NOW = dt.datetime(2026, 3, 25, 12, tzinfo=dt.UTC)


def test_a_jalali_date_in_any_digits_and_separators() -> None:
    assert parse_jalali("۱۴۰۵/۰۱/۰۱") == dt.date(2026, 3, 21)
    assert parse_jalali(" 1404-12-29 ") == dt.date(2026, 3, 20)
    assert parse_jalali("١٤٠٥.١.٢") == dt.date(2026, 3, 22)
    with pytest.raises(ValueError, match="سال/ماه/روز"):
        parse_jalali("21 March")
    with pytest.raises(ValueError, match="چنین روزی در تقویم نیست"):
        parse_jalali("1404/12/30")  # Esfand 1404 has 29 days


def test_the_range_defaults_to_the_last_30_days_and_each_wrong_field_is_named() -> None:
    default = choose_period(None, "", now=NOW)
    assert (default.start, default.end, default.days) == (dt.date(2026, 2, 24), dt.date(2026, 3, 25), 30)
    with pytest.raises(RangeError) as both:
        choose_period("1405/13/01", "دیروز")
    assert set(both.value.errors) == {"start", "end"}
    with pytest.raises(RangeError) as reversed_:
        choose_period("1405/02/01", "1405/01/01")
    assert list(reversed_.value.errors) == ["end"]
    with pytest.raises(RangeError, match="سه سال"):
        choose_period("1400/01/01", "1405/01/01")
    assert choose_period("1402/01/01", "1404/12/29").days <= MAX_DAYS


def test_the_period_bounds_are_tehran_midnights() -> None:
    start, until = Period(dt.date(2026, 3, 21), dt.date(2026, 3, 21)).bounds()
    assert start == dt.datetime(2026, 3, 20, 20, 30, tzinfo=dt.UTC)
    assert until == dt.datetime(2026, 3, 21, 20, 30, tzinfo=dt.UTC)


def test_days_fold_into_jalali_months_at_1_farvardin() -> None:
    period = Period(dt.date(2026, 3, 19), dt.date(2026, 3, 22))
    days = fill_days(
        [
            {"day": dt.date(2026, 3, 20), "orders": 2, "items_rial": 10, "shipping_rial": 1, "vat_rial": 0,
             "total_rial": 11, "refunded_rial": 4, "net_rial": 7},
            {"day": dt.date(2026, 3, 21), "orders": 1, "items_rial": 5, "shipping_rial": 0, "vat_rial": 1,
             "total_rial": 6, "refunded_rial": 0, "net_rial": 6},
        ],
        period,
    )  # fmt: skip
    assert [d["total_rial"] for d in days] == [0, 11, 6, 0]
    assert [d["net_rial"] for d in days] == [0, 7, 6, 0]
    months = by_jalali_month(days)
    assert [(m["label"], m["orders"], m["total_rial"], m["refunded_rial"], m["net_rial"]) for m in months] == [
        ("اسفند ۱۴۰۴", 2, 11, 4, 7),
        ("فروردین ۱۴۰۵", 1, 6, 0, 6),
    ]
    assert day_label(dt.date(2026, 12, 6)) == "۱۵ آذر"


def test_freshness_against_the_objective() -> None:
    assert freshness("ProductDetail", 300, 900, {"ProductDetail": 600}).state == "ok"
    assert freshness("ProductDetail", 700, 900, {"ProductDetail": 600}).state == "late"
    assert freshness("Person", 700, 900, {"ProductDetail": 600}).state == "ok"
    assert freshness("Person", None, 900, {}).state == "never"
    [late, never] = freshness_bars([freshness("A", 5000, 900, {}), freshness("B", None, 900, {})])
    assert (late["bar"], late["bar_x"], late["mark_x"]) == (100.0, 0.0, 50.0)
    assert never["bar"] == 0.0


def test_charts_run_right_to_left() -> None:
    days = [{"day": dt.date(2026, 3, 1) + dt.timedelta(days=i), "total_rial": i * 10} for i in range(30)]
    chart = day_chart(days, "total_rial")
    assert chart["bars"][0]["x"] > chart["bars"][-1]["x"]
    assert len(chart["labels"]) == 30 and chart["labels"][0] == "" and chart["labels"][-1] == ""
    assert sum(1 for label in chart["labels"] if label) == 4
    assert day_chart([d | {"total_rial": 0} for d in days], "total_rial") == {"empty": True}
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    runs = [
        {"at": start + dt.timedelta(minutes=3 * i), "rows": i, "status": "succeeded", "lag_s": 180.0} for i in range(5)
    ]
    sync = sync_chart(runs)
    assert sync["bars"][0]["x"] > sync["bars"][-1]["x"]
    assert [t["at"] for t in sync["ticks"]] == sorted(t["at"] for t in sync["ticks"])
    assert sync["ticks"][0]["at"] >= start and sync["ticks"][-1]["at"] <= runs[-1]["at"]
    bars = list_bars([{"n": 4}, {"n": 1}], "n")
    assert [(b["bar"], b["bar_x"]) for b in bars] == [(100.0, 0.0), (25.0, 75.0)]


async def test_the_sales_service_over_the_fakes() -> None:
    paid = dt.datetime(2026, 3, 20, 20, 40, tzinfo=dt.UTC)  # 1 Farvardin 1405, 00:10 in Tehran
    state = CatalogState(
        orders=[
            {"id": 1, "status": "paid", "created_at": paid, "paid_at": paid, "items_rial": 100, "shipping_rial": 0,
             "vat_rial": 0, "total_rial": 100, "lines": [{"product_id": 7, "name": "چای", "quantity": 2,
                                                          "total_rial": 100}]},
            {"id": 2, "status": "cancelled", "created_at": paid, "paid_at": paid, "items_rial": 900,
             "shipping_rial": 0, "vat_rial": 0, "total_rial": 900, "lines": []},
        ],
        product_categories={7: 3},
        category_names={3: "نوشیدنی"},
    )  # fmt: skip
    reports = SalesReports(FakeCatalogUnitOfWork.factory(state))
    board = await reports.dashboard(now=NOW)
    assert sum(d["total_rial"] for d in board["days"]) == 100
    assert board["statuses"] == {"paid": 1, "cancelled": 1}
    months = await reports.by_month(Period(dt.date(2026, 3, 1), dt.date(2026, 3, 25)))
    assert [(m["label"], m["total_rial"]) for m in months] == [("اسفند ۱۴۰۴", 0), ("فروردین ۱۴۰۵", 100)]
    [category] = await reports.by_category(Period(dt.date(2026, 3, 21), dt.date(2026, 3, 21)))
    assert (category["name"], category["quantity"], category["orders"]) == ("نوشیدنی", 2, 1)


async def test_the_sales_service_over_the_fakes_counts_refunds_out() -> None:
    paid = dt.datetime(2026, 3, 20, 20, 40, tzinfo=dt.UTC)  # 1 Farvardin 1405, 00:10 in Tehran
    line = {"product_id": 7, "name": "چای", "quantity": 2, "total_rial": 90}
    state = CatalogState(
        orders=[
            {"id": 1, "status": "paid", "created_at": paid, "paid_at": paid, "items_rial": 90, "shipping_rial": 10,
             "vat_rial": 0, "total_rial": 100, "refunded_rial": 30, "lines": [line]},
            {"id": 2, "status": "delivered", "created_at": paid, "paid_at": paid, "items_rial": 90,
             "shipping_rial": 10, "vat_rial": 0, "total_rial": 100, "refunded_rial": 100, "refunded_in_full": True,
             "lines": [line]},
        ],
    )  # fmt: skip
    reports = SalesReports(FakeCatalogUnitOfWork.factory(state))
    [day] = await reports.by_day(Period(dt.date(2026, 3, 21), dt.date(2026, 3, 21)))
    assert (day["orders"], day["total_rial"], day["refunded_rial"], day["net_rial"]) == (2, 200, 130, 70)
    [product] = await reports.by_product(Period(dt.date(2026, 3, 21), dt.date(2026, 3, 21)))
    assert (product["quantity"], product["orders"], product["revenue_rial"]) == (2, 1, 63)  # 90 × 70 / 100


async def test_an_xlsx_past_its_cap_says_the_csv_holds_every_row() -> None:
    import io

    import openpyxl

    from hamgam.entrypoints.web.i18n import build_locale
    from hamgam.entrypoints.web.report_files import csv_chunks, each, reports, xlsx_bytes

    locale = build_locale("fa")
    report = reports(locale)["product"]
    rows = [
        {"product_id": i, "code": f"P{i}", "name": f"کالای {i}", "quantity": i, "orders": 1, "revenue_rial": i * 10}
        for i in range(1, 6)
    ]
    body = await xlsx_bytes(report, each(rows), locale, period="۱۴۰۵/۰۱/۰۱ تا ۱۴۰۵/۰۱/۰۵", cap=3)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).worksheets[0]
    values = list(sheet.values)
    assert sheet.sheet_view.rightToLeft and len(values) == 1 + 3 + 1
    assert values[1] == ("P1", "کالای 1", 1, 1, 10)
    assert "سی‌اس‌وی" in str(values[-1][0]) and "۳" in str(values[-1][0])
    text = b"".join([chunk async for chunk in csv_chunks(report, each(rows), locale)]).decode("utf-8")
    assert text.startswith("\ufeffکد کالا,") and text.count("\r\n") == 6
