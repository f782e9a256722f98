"""The admin in a browser: its own header and navigation (a side navigation on desktop, a menu on phones, no
storefront search or cart), the loading bar lit by htmx actions, and every admin page, seeded with content, free of
serious accessibility violations and fitting a phone."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.ui.conftest import LiveShop
from tests.ui.test_phone_layout import assert_fits
from tests.ui.test_shop import buy, staff_login

_axe = Axe()


def serious_violations(page: Page) -> list[str]:
    results = _axe.run(page)
    return [
        f"{v['id']} ({v['help']}): {[n['target'] for n in v['nodes'][:3]]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_admin_has_its_own_navigation_on_desktop_and_phone(page: Page, live_shop: LiveShop) -> None:
    staff_login(page, live_shop)
    # desktop: the side navigation, no storefront search box or cart
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/admin")
    side = page.get_by_role("navigation", name="بخش‌های مدیریت")
    expect(side).to_be_visible()
    expect(page.get_by_role("searchbox")).to_have_count(0)
    expect(page.get_by_role("link", name="سبد خرید")).to_have_count(0)
    side.get_by_role("link", name="همگام‌سازی").click()
    expect(page.locator("main h1")).to_have_text(re.compile("همگام‌سازی"))
    expect(side.locator("a[aria-current=page]")).to_have_count(1)
    # phone: the side navigation gives way to a menu that opens
    page.set_viewport_size({"width": 390, "height": 844})
    expect(side).to_be_hidden()
    menu = page.get_by_role("navigation", name="منوی مدیریت")
    expect(menu).to_be_hidden()
    page.locator(".admin-menu summary").click()
    expect(menu).to_be_visible()
    menu.get_by_role("link", name="سفارش‌ها").click()
    expect(page.locator("main h1")).to_have_text(re.compile("سفارش"))
    # an htmx action lights the loading bar while it runs
    page.goto("/admin/sync")
    page.evaluate("""() => { window.__loadingSeen = false;
        new MutationObserver(() => { if (document.getElementById("loading").classList.contains("htmx-request"))
          window.__loadingSeen = true; }).observe(document.getElementById("loading"), {attributes: true}); }""")
    page.locator("#sync-now").click()
    expect(page.locator("#sync-notice")).to_contain_text("همگام‌سازی")
    assert page.evaluate("() => window.__loadingSeen") is True
    expect(page.locator("#loading")).not_to_have_class("htmx-request")


def test_every_admin_page_is_accessible(page: Page, live_shop: LiveShop) -> None:
    order_id = buy(page, live_shop, "09124443322")
    page.context.clear_cookies()
    staff_login(page, live_shop)
    page.goto("/admin/customers?q=09124443322")
    page.locator("main table a[href^='/admin/customers/']").first.click()
    expect(page.locator(f"main a[href='/admin/orders/{order_id}']")).to_be_visible()
    customer = page.url
    paths = [
        "/admin",
        "/admin/products",
        "/admin/products/101",
        "/admin/orders",
        f"/admin/orders/{order_id}",
        "/admin/reports",
        "/admin/customers",
        customer,
        "/admin/sync",
        "/admin/dead-letters",
        "/admin/dead-letters/1",
        "/admin/settings",
        "/admin/shipping",
        "/admin/shipping/1",
        "/admin/shipping/new",
        "/admin/setup",
        "/admin/setup/detect",
    ]
    problems = {}
    for width, height in ((390, 844), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        for path in paths:
            page.goto(path)
            expect(page.locator("main h1")).to_be_visible()
            found = serious_violations(page)
            if found:
                problems[f"{path} @{width}"] = found
    assert not problems, problems
    for path in paths:
        assert_fits(page, path)
