"""The sales reports page and its files: the tables for a Jalali range, Persian errors that keep what was typed,
CSV with a byte order mark and XLSX with right-to-left sheets parsed back; the dashboard's sales and freshness."""

from __future__ import annotations

import csv
import io

import openpyxl

from tests.web.conftest import Web
from tests.web.seed import seed_sales
from tests.web.test_admin_persian import latin_words

#: 1404/12/25 to 1405/01/05, as staff type it
RANGE = {"start": "۱۴۰۴/۱۲/۲۵", "end": "1405/01/05"}


async def test_the_reports_page_shows_each_table_in_persian(web: Web) -> None:
    await seed_sales(web.container.engine)
    await web.login_staff()
    page = await web.http.get("/admin/reports", params=RANGE)
    assert page.status_code == 200, page.text[:1000]
    html = page.text
    for heading in ("فروش روزانه", "فروش ماهانه", "فروش به تفکیک کالا", "فروش به تفکیک دسته"):
        assert heading in html
    assert "اسفند ۱۴۰۴" in html and "فروردین ۱۴۰۵" in html
    # 18,940,000 Rial in Farvardin is 1,894,000 Toman
    assert "۱٬۸۹۴٬۰۰۰" in html
    assert "کالای حذف‌شده" in html and "بدون دسته" in html
    # what each money column means: paid, refunded of it, and the difference
    for header in ("جمع پرداخت‌شده", "بازپرداخت‌شده", "فروش خالص: پرداخت‌شده منهای بازپرداخت‌شده"):
        assert f'<th scope="col">{header}</th>' in html
    assert 'href="/admin/reports/day.xlsx?start=1404-12-25&amp;end=1405-01-05"' in html
    assert latin_words(html) == []


async def test_the_files_are_for_staff_only(web: Web) -> None:
    assert (await web.http.get("/admin/reports/day.csv", params=RANGE)).status_code == 303
    await web.login_otp("09125550001")
    assert (await web.http.get("/admin/reports/day.csv", params=RANGE)).status_code == 403
    assert (await web.http.get("/admin/reports", params=RANGE)).status_code == 403


async def test_a_wrong_range_gets_a_persian_message_per_field_and_keeps_what_was_typed(web: Web) -> None:
    await web.login_staff()
    page = await web.http.get("/admin/reports", params={"start": "۱۴۰۵/۱۳/۰۱", "end": "دیروز"})
    assert page.status_code == 200
    assert "چنین روزی در تقویم نیست" in page.text
    assert "تاریخ را به شکل سال/ماه/روز بنویسید" in page.text
    assert 'value="۱۴۰۵/۱۳/۰۱"' in page.text and 'value="دیروز"' in page.text
    reversed_ = await web.http.get("/admin/reports", params={"start": "1405/02/01", "end": "1405/01/01"})
    assert reversed_.status_code == 200 and "تاریخ پایان پیش از تاریخ آغاز است" in reversed_.text
    assert latin_words(reversed_.text) == []
    # a file asked for with a wrong range is refused, with the same message
    refused = await web.http.get("/admin/reports/day.csv", params={"start": "1405/02/01", "end": "1405/01/01"})
    assert refused.status_code == 400 and "تاریخ پایان پیش از تاریخ آغاز است" in refused.text


async def test_csv_has_a_byte_order_mark_persian_headers_and_rial_integers(web: Web) -> None:
    await seed_sales(web.container.engine)
    # a quarter of 9003 (13,800,000 Rial, paid on 2 Farvardin) given back
    await web.container.store.refund_order(9003, amount_rial=3_450_000, method="cash", note="", actor="staff:1")
    await web.login_staff()
    response = await web.http.get("/admin/reports/month.csv", params=RANGE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "sales-by-month_1404-12-25_1405-01-05.csv" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "ماه",
        "سفارش‌های پرداخت‌شده",
        "کالاها (ریال)",
        "هزینهٔ ارسال (ریال)",
        "مالیات بر ارزش افزوده (ریال)",
        "جمع پرداخت‌شده (ریال)",
        "بازپرداخت‌شده (ریال)",
        "فروش خالص: پرداخت‌شده منهای بازپرداخت‌شده (ریال)",
    ]
    assert rows[1:] == [
        ["اسفند ۱۴۰۴", "1", "2500000", "300000", "0", "2800000", "0", "2800000"],
        ["فروردین ۱۴۰۵", "3", "18640000", "300000", "0", "18940000", "3450000", "15490000"],
    ]
    products = await web.http.get("/admin/reports/product.csv", params=RANGE)
    lines = list(csv.reader(io.StringIO(products.content.decode("utf-8-sig"))))
    assert lines[0][2:] == [
        "تعداد، بی سفارش‌های کاملاً بازپرداخت‌شده",
        "سفارش‌ها، بی سفارش‌های کاملاً بازپرداخت‌شده",
        "فروش بدون مالیات و هزینهٔ ارسال، پس از کسر بازپرداخت‌ها (ریال)",
    ]
    # its one line keeps three quarters
    assert lines[1] == ["P105", "کتاب شاهنامه فردوسی", "3", "1", "10125000"]
    assert len(lines) == 5


async def test_xlsx_sheets_read_right_to_left_with_integers(web: Web) -> None:
    await seed_sales(web.container.engine)
    await web.login_staff()
    response = await web.http.get("/admin/reports/category.xlsx", params=RANGE)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert sheet.title == "فروش به تفکیک دسته"
    assert all(s.sheet_view.rightToLeft for s in book.worksheets)
    values = list(sheet.values)
    assert values[0] == (
        "دسته",
        "تعداد، بی سفارش‌های کاملاً بازپرداخت‌شده",
        "سفارش‌ها، بی سفارش‌های کاملاً بازپرداخت‌شده",
        "فروش بدون مالیات و هزینهٔ ارسال، پس از کسر بازپرداخت‌ها (ریال)",
    )
    assert values[1:] == [
        ("کتاب", 3, 1, 13_500_000),
        ("پوشاک", 3, 2, 3_750_000),
        ("لوازم خانگی", 1, 1, 3_490_000),
        ("بدون دسته", 4, 1, 400_000),
    ]
    days = openpyxl.load_workbook(io.BytesIO((await web.http.get("/admin/reports/day.xlsx", params=RANGE)).content))
    first = list(days.worksheets[0].values)
    # Esfand 1404 has 29 days: 25..29 Esfand and 1..5 Farvardin
    assert len(first) == 1 + 10 and first[1][0] == "۱۴۰۴/۱۲/۲۵"
    assert ("۱۴۰۵/۰۱/۰۱", 1, 4_740_000, 0, 0, 4_740_000, 0, 4_740_000) in first


async def test_the_dashboard_charts_sales_and_freshness(web: Web) -> None:
    await web.login_staff()
    page = await web.http.get("/admin")
    assert page.status_code == 200
    html = page.text
    for section in ('id="sales-by-day"', 'id="top-quantity"', 'id="orders-by-status"', 'id="sync-freshness"'):
        assert section in html
    # never synced: each entity says so against its objective
    assert "هرگز" in html
    assert latin_words(html) == []
