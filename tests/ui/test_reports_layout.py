"""The dashboard's charts and the sales reports in a browser: they fit 320 px and 390 px phones with no sideways
scrolling, time runs from right to left, the sync chart spans the page on a desktop, and a wrong date is answered
in Persian beside its field."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.ui.conftest import LiveShop
from tests.ui.test_phone_layout import assert_fits
from tests.ui.test_shop import buy, staff_login


def test_dashboard_and_reports_fit_a_phone_and_read_right_to_left(page: Page, live_shop: LiveShop) -> None:
    # given: a paid order today, staff signed in
    buy(page, live_shop, "09126660011")
    page.context.clear_cookies()
    staff_login(page, live_shop)
    # then: the pages fit a phone
    for path in ("/admin", "/admin/reports", "/admin/sync"):
        assert_fits(page, path)
    # the sales chart: the oldest day at the right, today (with the sale) at the left
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/admin")
    bars = page.locator("#sales-by-day svg rect.bar")
    expect(bars).to_have_count(30)
    first, last = bars.first.bounding_box(), bars.last.bounding_box()
    assert first is not None and last is not None and first["x"] > last["x"]
    assert last["height"] > 0
    # the day axis names days in Persian under the chart
    expect(page.locator("#sales-by-day .xaxis li span").first).to_be_visible()
    # the sync chart spans the main column on a desktop
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/admin")
    main = page.locator("main").bounding_box()
    for chart in page.locator("svg.chart.wide").all():
        box = chart.bounding_box()
        assert main is not None and box is not None and box["width"] > main["width"] * 0.85


def test_a_wrong_date_is_answered_beside_its_field(page: Page, live_shop: LiveShop) -> None:
    staff_login(page, live_shop)
    page.set_viewport_size({"width": 320, "height": 740})
    page.goto("/admin/reports")
    page.get_by_label("از تاریخ (شمسی)").fill("۱۴۰۵/۱۳/۴۰")
    page.get_by_role("button", name="نمایش گزارش").click()
    expect(page.locator("#r-start-err")).to_have_text("چنین روزی در تقویم نیست")
    expect(page.get_by_label("از تاریخ (شمسی)")).to_have_value("۱۴۰۵/۱۳/۴۰")
