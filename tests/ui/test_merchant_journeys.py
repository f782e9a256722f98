"""Issue 15: a merchant's daily work in Chromium, on a phone (390 px) and on a desktop (1280 px).

Each journey starts from a buyer's real purchase (search, cart, texted code, the Zarinpal simulator) and goes
through the admin's pages as staff signed in with two factors:

- ship an order with a carrier and a tracking code; the buyer, signed in, reads it on their order page with a
  tracking link, and gets it by text;
- print the sales invoice and the A6 label of one order, and of several from the orders list, and read them back;
- record refunds (amount, method): on the order page, in the order's history, and on the buyer's page;
- find a customer by mobile and by name, open their page (orders, addresses, role), disable and enable them;
- download the sales reports as CSV and XLSX and find in them the sale made in the test.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import openpyxl
import pytest
from playwright.sync_api import Browser, Page, expect

from hamgam.domain.persian import format_toman, to_persian_digits
from tests.ui.conftest import LiveShop
from tests.ui.test_buyer_journey import SLOW, VIEWPORTS, assert_fits, rial
from tests.ui.test_shop import admin_section, buy, invoice_by_hand, staff_browser
from tests.unit.test_fulfilment_pdf import barcodes_on, in_order, lefttoright, pages_text

pytestmark = pytest.mark.parametrize("viewport", VIEWPORTS)


@pytest.fixture(autouse=True)
def _patient(page: Page, viewport: dict[str, int]) -> None:
    page.set_default_timeout(SLOW)
    expect.set_options(timeout=SLOW)
    page.set_viewport_size(viewport)


def _mobile(prefix: str, viewport: dict[str, int]) -> str:
    """A buyer's mobile of its own for each journey and screen."""
    return f"0912{prefix}{viewport['width']:04d}"


def _printed(page: Page, click: Callable[[], None], url_part: str) -> bytes:
    """Click what opens a PDF (its address holding ``url_part``) in a new tab; the document the tab was given,
    fetched again with the staff's cookies (the tab shows Chromium's PDF viewer). The tab is closed."""

    def wanted(r) -> bool:  # type: ignore[no-untyped-def]
        return url_part in r.url and r.status == 200 and r.headers.get("content-type") == "application/pdf"

    with page.context.expect_event("response", predicate=wanted) as shown:
        click()
    url = shown.value.url
    for extra in page.context.pages[1:]:
        extra.close()
    again = page.request.get(url)
    assert again.ok and again.headers["content-type"] == "application/pdf"
    return again.body()


def _downloaded(page: Page, link) -> bytes:  # type: ignore[no-untyped-def]
    with page.expect_download() as download:
        link.click()
    path = download.value.path()
    assert path is not None
    return path.read_bytes()


def test_staff_ship_an_order_and_the_buyer_reads_the_tracking_code(
    page: Page, browser: Browser, live_shop: LiveShop, viewport: dict[str, int], no_errors: list[str]
) -> None:
    mobile = _mobile("771", viewport)
    code = f"20261207{viewport['width']:04d}"  # a Tipax consignment number (8 to 20 digits)
    order_id = buy(page, live_shop, mobile)
    with staff_browser(browser, live_shop, viewport, no_errors, timeout=SLOW) as admin:
        invoice_by_hand(admin, order_id)
        ship = admin.locator("#ship-form")
        ship.get_by_label("شرکت حمل").select_option(label="تیپاکس")
        ship.get_by_label("کد رهگیری").fill(to_persian_digits(code))  # typed in Persian digits
        ship.get_by_role("button", name="ثبت ارسال و پیامک به خریدار").click()
        expect(admin.locator(".flash")).to_contain_text("ارسال")
        shipment = admin.locator("#shipment")
        expect(shipment).to_contain_text("ارسال با تیپاکس")
        expect(shipment).to_contain_text(to_persian_digits(code))
        expect(admin.locator("h1 .status")).to_contain_text("ارسال‌شده")
        assert_fits(admin, "admin order, shipped")

    # the buyer, still signed in, reads it on their order page
    page.goto(f"/account/orders/{order_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("ارسال شد")
    shipment = page.locator("#shipment")
    expect(shipment).to_contain_text("تیپاکس")
    expect(shipment).to_contain_text(to_persian_digits(code))
    expect(shipment.get_by_role("link", name="پیگیری مرسوله")).to_have_attribute(
        "href", f"https://tipaxco.com/tracking?id={code}"
    )
    assert_fits(page, "buyer's order, shipped")
    # and was texted the code
    text = live_shop.texted(mobile, code)
    assert "تیپاکس" in text


def label_names(label: str, order_id: str) -> bool:
    """Whether a label's text holds the order's number. The label's first line starts with it, and pypdf reads a
    number there back in either direction (it reverses one inside a right-to-left line: ``lefttoright``)."""
    number = to_persian_digits(order_id)
    return number in label or lefttoright(number) in label


def test_staff_print_invoices_and_labels_and_read_them_back(
    page: Page, browser: Browser, live_shop: LiveShop, viewport: dict[str, int], no_errors: list[str]
) -> None:
    names = {"رضا کریمی": _mobile("772", viewport), "نگار موسوی": _mobile("773", viewport)}
    orders: dict[str, str] = {}
    for name, mobile in names.items():
        orders[name] = buy(page, live_shop, mobile, recipient=name)
        page.context.clear_cookies()
    first, second = orders["رضا کریمی"], orders["نگار موسوی"]
    with staff_browser(browser, live_shop, viewport, no_errors, timeout=SLOW) as admin:
        for order_id in orders.values():
            invoice_by_hand(admin, order_id)

        # one order: its sales invoice and its label, from its page
        admin.goto(f"/admin/orders/{first}")
        number = lefttoright(to_persian_digits(first))
        (invoice,) = pages_text(_printed(admin, lambda: admin.locator("#invoice-link").click(), "/invoice.pdf"))
        in_order(
            invoice,
            ["فاکتور فروش", "شماره سفارش", "خریدار: رضا کریمی", "اصفهان، اصفهان، خیابان چهارباغ", "شرح کالا",
             "کتاب شاهنامه فردوسی", "جمع کالاها", "هزینه ارسال", "مبلغ کل"],
        )  # fmt: skip
        assert number in invoice
        label_pdf = _printed(admin, lambda: admin.locator("#label-link").click(), "/label.pdf")
        (label,) = pages_text(label_pdf)
        in_order(label, ["شماره سفارش", "فرستنده:", "گیرنده: رضا کریمی", "اصفهان، اصفهان، خیابان چهارباغ", "کد پستی"])
        assert label_names(label, first) and lefttoright("۸۱۳۴۵۶۷۸۹۰") in label
        assert barcodes_on(label_pdf, 0) == [first]

        # several at once: select both on the orders list, print their invoices, then their labels
        admin.goto("/admin/orders")
        for order_id in (first, second):
            admin.get_by_label(f"انتخاب سفارش {to_persian_digits(order_id)}", exact=True).check()
        invoices = pages_text(
            _printed(admin, lambda: admin.get_by_role("button", name="چاپ فاکتورها").click(), "kind=invoice")
        )
        labels_pdf = _printed(
            admin, lambda: admin.get_by_role("button", name="چاپ برچسب‌های ارسال").click(), "kind=label"
        )
    labels = pages_text(labels_pdf)
    assert len(invoices) == 2 and len(labels) == 2
    # each order starts a page of its own: the page's receiver is the one of the order its barcode names
    by_barcode = {barcodes_on(labels_pdf, n)[0]: labels[n] for n in range(2)}
    assert set(by_barcode) == {first, second}
    for name, order_id in orders.items():
        in_order(by_barcode[order_id], ["شماره سفارش", f"گیرنده: {name}"])
        assert label_names(by_barcode[order_id], order_id)
        (page_of,) = [t for t in invoices if f"خریدار: {name}" in t]
        in_order(page_of, ["فاکتور فروش", f"خریدار: {name}", "کتاب شاهنامه فردوسی", "مبلغ کل"])


def test_staff_record_refunds_seen_on_the_order_its_history_and_by_the_buyer(
    page: Page, browser: Browser, live_shop: LiveShop, viewport: dict[str, int], no_errors: list[str]
) -> None:
    order_id = buy(page, live_shop, _mobile("774", viewport))
    part = 50_000  # Rial
    with staff_browser(browser, live_shop, viewport, no_errors, timeout=SLOW) as admin:
        admin.goto(f"/admin/orders/{order_id}")
        paid = rial(admin, ".totals .num.sum")
        form = admin.locator("#refund-form")
        # more than was paid is refused beside the field, and what was typed is kept
        form.get_by_label("مبلغ (تومان)").fill(str(paid // 10 + 1))
        form.get_by_label("روش").select_option(label="کارت به کارت")
        no_errors_before = len(no_errors)
        form.get_by_role("button", name="ثبت بازپرداخت").click()
        expect(admin.locator("#refund-amount-err")).to_contain_text("بیشتر است")
        del no_errors[no_errors_before:]  # the refusal is a 400 answer, on purpose
        expect(admin.get_by_label("روش")).to_have_value("card_to_card")
        # a part of it, by card
        admin.get_by_label("مبلغ (تومان)").fill(to_persian_digits(str(part // 10)))
        admin.get_by_label("توضیح (اختیاری)").fill("یک جلد آسیب‌دیده بود")
        admin.get_by_role("button", name="ثبت بازپرداخت").click()
        expect(admin.locator(".flash")).to_contain_text("بازپرداخت ثبت شد")
        table = admin.locator("#refund-table")
        expect(table).to_contain_text(format_toman(part))
        expect(table).to_contain_text("کارت به کارت")
        expect(table).to_contain_text("یک جلد آسیب‌دیده بود")
        expect(admin.locator("#refunds ~ .hint").first).to_contain_text(
            f"مانده قابل بازپرداخت: {format_toman(paid - part)}"
        )
        expect(admin.locator("#mahak-return")).to_have_count(0)
        # the rest, in cash: refunded in full
        admin.get_by_label("مبلغ (تومان)").fill(str((paid - part) // 10))
        admin.get_by_label("روش").select_option(label="نقدی")
        admin.get_by_role("button", name="ثبت بازپرداخت").click()
        expect(admin.locator(".flash")).to_contain_text("بازپرداخت ثبت شد")
        expect(table.locator("tbody tr")).to_have_count(2)
        expect(admin.locator("#refund-form")).to_have_count(0)  # nothing left to refund
        # the sale's return in the accounting software follows the full refund
        expect(admin.locator("#mahak-return")).to_contain_text("برگشت زده می‌شود")
        # the order's history names both refunds, after the payment
        history = "\n".join(admin.locator(".timeline li").all_inner_texts())
        in_order(
            history,
            ["پرداخت‌شده", f"بازپرداخت {format_toman(part)} (کارت به کارت)",
             f"بازپرداخت {format_toman(paid - part)} (نقدی)"],
        )  # fmt: skip
        assert_fits(admin, "admin order, refunded")
    # the buyer reads both on their order
    page.goto(f"/account/orders/{order_id}")
    refunds = page.locator("#refunds")
    expect(refunds.locator("li")).to_have_count(2)
    expect(refunds).to_contain_text(format_toman(part))
    expect(refunds).to_contain_text("تمام مبلغی که پرداخت کرده بودید به شما برگردانده شد")


def test_staff_find_a_customer_by_mobile_or_name_and_disable_them(
    page: Page, browser: Browser, live_shop: LiveShop, viewport: dict[str, int], no_errors: list[str]
) -> None:
    mobile = _mobile("775", viewport)
    name = "مهسا رفیعی " + ("همراه" if viewport["width"] < 600 else "رومیزی")
    order_id = buy(page, live_shop, mobile, save_address=True)
    page.goto("/account")
    page.get_by_label("نام و نام خانوادگی").fill(name)
    page.locator("#profile-form").get_by_role("button").click()
    expect(page.locator(".flash")).to_be_visible()
    with staff_browser(browser, live_shop, viewport, no_errors, timeout=SLOW) as admin:
        admin_section(admin, "مشتریان")
        search = admin.get_by_label("موبایل یا نام")
        rows = admin.locator("main tbody tr")
        # by mobile, typed in Persian digits
        search.fill(to_persian_digits(mobile))
        admin.get_by_role("button", name="جستجو").last.click()
        expect(rows).to_have_count(1)
        expect(rows).to_contain_text(name)
        # by a part of the name
        search.fill(name.split()[1])
        admin.get_by_role("button", name="جستجو").last.click()
        expect(rows.filter(has_text=name)).to_have_count(1)
        assert_fits(admin, "customers")
        rows.filter(has_text=name).get_by_role("link").click()
        expect(admin.locator("main h1")).to_contain_text(to_persian_digits(mobile))
        main = admin.locator("main")
        expect(main).to_contain_text("نقش: مشتری")
        expect(main.get_by_role("link", name=to_persian_digits(order_id), exact=True)).to_be_visible()
        expect(main).to_contain_text("خیابان چهارباغ، کوچهٔ ۴، پلاک ۱۲")
        assert_fits(admin, "customer")
        # disabled: the buyer is signed out and cannot sign in
        admin.get_by_role("button", name="غیرفعال‌کردن حساب").click()
        expect(admin.locator(".flash")).to_contain_text("حساب غیرفعال شد")
        expect(admin.locator("main h1")).to_contain_text("غیرفعال")
        page.goto("/account/orders")
        expect(page).to_have_url(re.compile(r"/login"))
        # enabled again
        admin.get_by_role("button", name="فعال‌کردن حساب").click()
        expect(admin.locator(".flash")).to_contain_text("حساب فعال شد")
        expect(admin.locator("main h1")).not_to_contain_text("غیرفعال")


def _report_rows(page: Page, table: str) -> tuple[list[list[str]], list[list[object]], bool]:
    """The ``table`` report (``day``, ``product``…) of the reports page: the CSV's rows, the XLSX's rows and
    whether the XLSX sheet reads right to left."""
    section = page.locator(f"#by-{table}")
    data = _downloaded(page, section.get_by_role("link", name="پروندهٔ سی‌اس‌وی"))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    book = openpyxl.load_workbook(io.BytesIO(_downloaded(page, section.get_by_role("link", name="پروندهٔ اکسل"))))
    sheet = book.active
    assert sheet is not None
    return rows, [list(r) for r in sheet.iter_rows(values_only=True)], bool(sheet.sheet_view.rightToLeft)


def test_staff_export_the_sales_reports_and_find_the_sale_in_them(
    page: Page, browser: Browser, live_shop: LiveShop, viewport: dict[str, int], no_errors: list[str]
) -> None:
    with staff_browser(browser, live_shop, viewport, no_errors, timeout=SLOW) as admin:
        admin_section(admin, "گزارش‌های فروش")
        expect(admin.locator("main h1")).to_have_text("گزارش‌های فروش")
        before = {t: _report_rows(admin, t) for t in ("day", "product")}
        order_id = buy(page, live_shop, _mobile("776", viewport))
        admin.goto(f"/admin/orders/{order_id}")
        total = rial(admin, ".totals .num.sum")
        admin.go_back()
        after = {t: _report_rows(admin, t) for t in ("day", "product")}
        assert_fits(admin, "reports")
    for table in ("day", "product"):
        for rows in (before[table], after[table]):
            csv_rows, xlsx_rows, rtl = rows
            assert rtl, f"the {table} sheet reads left to right"
            # the two files hold the same rows; the sheet's amounts are numbers
            assert [[str(v) for v in r] for r in xlsx_rows] == csv_rows
    # by day: one more order, its total in Rial (the days summed: the sale's day is in the default range)
    orders, total_col = 1, 5
    assert after["day"][0][0][orders] == "سفارش‌های پرداخت‌شده"
    assert after["day"][0][0][total_col] == "جمع پرداخت‌شده (ریال)"

    def summed(rows: list[list[object]], column: int) -> int:
        return sum(int(r[column]) for r in rows[1:])  # type: ignore[call-overload]

    for files in (0, 1):
        assert summed(after["day"][files], orders) - summed(before["day"][files], orders) == 1
        assert summed(after["day"][files], total_col) - summed(before["day"][files], total_col) == total
    # by product: one more Shahnameh, its price before shipping

    def shahnameh(rows: list[list[object]]) -> list[int]:
        found = [r for r in rows if r[1] == "کتاب شاهنامه فردوسی"]
        return [int(v) for v in found[0][2:]] if found else [0, 0, 0]  # type: ignore[call-overload]

    for files in (0, 1):
        quantity, orders_of, revenue = (
            a - b for a, b in zip(shahnameh(after["product"][files]), shahnameh(before["product"][files]), strict=True)
        )
        assert (quantity, orders_of, revenue) == (1, 1, 4_500_000)
