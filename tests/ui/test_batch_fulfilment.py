"""Fulfilling several orders at once in a browser on desktop: staff select orders on the orders list (one by one
or all on the page), print their shipping labels as one PDF whose barcodes read back as the order numbers, then
ship them from one form; a refused code is reported beside its order, kept for correction, and sent again."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from hamgam.domain.persian import to_persian_digits
from tests.ui.conftest import LiveShop
from tests.ui.test_phone_layout import assert_fits
from tests.ui.test_shop import buy, invoice_by_hand, staff_login
from tests.unit.test_fulfilment_pdf import barcodes_on


def _box(page: Page, order_id: str):
    return page.get_by_label(f"انتخاب سفارش {to_persian_digits(order_id)}", exact=True)


def test_staff_print_labels_of_selected_orders_and_ship_them_from_one_form(page: Page, live_shop: LiveShop) -> None:
    first = buy(page, live_shop, "09125550001")
    page.context.clear_cookies()
    second = buy(page, live_shop, "09125550002")
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    staff_login(page, live_shop)
    for order_id in (first, second):
        invoice_by_hand(page, order_id)
    page.goto("/admin/orders")
    # select all on the page, then clear, then pick the two orders
    select_all = page.get_by_label("انتخاب همهٔ سفارش‌های این صفحه")
    select_all.check()
    boxes = page.locator("input[name=id][form=batch]")
    assert boxes.count() >= 2 and all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    select_all.uncheck()
    assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))
    _box(page, first).check()
    _box(page, second).check()
    # the labels open as one PDF in a new tab
    with page.context.expect_event(
        "response", predicate=lambda r: "/admin/orders/print.pdf" in r.url and r.status == 200
    ) as printed:
        page.get_by_role("button", name="چاپ برچسب‌های ارسال").click()
    response = printed.value
    assert response.headers["content-type"] == "application/pdf"
    assert sorted(re.findall(r"[?&]id=(\d+)", response.url)) == sorted([first, second])
    # the tab shows Chromium's PDF viewer; the document itself is fetched again with the staff's cookies
    pdf = page.request.get(response.url).body()
    assert sorted(barcodes_on(pdf, n)[0] for n in (0, 1)) == sorted([first, second])
    for extra in page.context.pages[1:]:
        extra.close()
    # ship both from one form: the second code is not a post code
    page.get_by_role("button", name="ثبت ارسال سفارش‌های انتخاب‌شده…").click()
    expect(page.get_by_role("heading", name="ثبت ارسال سفارش‌ها")).to_be_visible()
    page.get_by_label(f"شرکت حمل سفارش {to_persian_digits(first)}").select_option("tipax")
    page.get_by_label(f"کد رهگیری سفارش {to_persian_digits(first)}").fill("۱۲۳۴۵۶۷۸۹۰")
    page.get_by_label(f"شرکت حمل سفارش {to_persian_digits(second)}").select_option("post")
    page.get_by_label(f"کد رهگیری سفارش {to_persian_digits(second)}").fill("12")
    page.get_by_role("button", name="ثبت ارسال و پیامک به خریداران").click()
    expect(page.locator(f"#ship-row-{first}")).to_have_attribute("data-result", "shipped")
    refused = page.locator(f"#ship-row-{second}")
    expect(refused).to_have_attribute("data-result", "refused")
    expect(refused).to_contain_text("کد رهگیری برای «پست» معتبر نیست")
    code = page.get_by_label(f"کد رهگیری سفارش {to_persian_digits(second)}")
    expect(code).to_have_value("12")  # what was typed is kept
    code.fill("123456789012345678901234")
    page.get_by_role("button", name="ثبت ارسال و پیامک به خریداران").click()
    expect(page.locator(f"#ship-row-{second}")).to_have_attribute("data-result", "shipped")
    expect(page.locator("#ship-summary")).to_contain_text("ارسال شد: ۱")
    page.goto(f"/admin/orders/{second}")
    expect(page.locator("#shipment")).to_contain_text("پست")
    # the orders list with its batch bar fits a phone
    assert_fits(page, "/admin/orders")
