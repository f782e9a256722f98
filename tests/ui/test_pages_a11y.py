"""The main pages at phone (390 px) and desktop (1280 px) width: no serious accessibility violation (axe-core),
and a screenshot of each saved under docs/screenshots/ (shown in the README)."""

from __future__ import annotations

import io
import re

from axe_playwright_python.sync_playwright import Axe
from PIL import Image
from playwright.sync_api import Page, expect

from tests.ui.conftest import SCREENSHOTS, LiveShop
from tests.ui.test_shop import otp_login, staff_login

WIDTHS = {"phone": (390, 844), "desktop": (1280, 800)}
STORE_PAGES = [
    ("home", "/"),
    ("category", "/category/1"),
    ("search", "/search?q=%DA%A9%D8%AA%D8%A7%D8%A8"),
    ("product", "/product/101"),
    ("cart", "/cart"),
    ("checkout", "/checkout"),
    ("orders", "/account/orders"),
]
ADMIN_PAGES = [
    ("admin-dashboard", "/admin"),
    ("admin-product", "/admin/products/101"),
    ("admin-orders", "/admin/orders"),
    ("admin-reports", "/admin/reports"),
    ("admin-sync", "/admin/sync"),
    ("admin-dead-letter", "/admin/dead-letters/1"),
]
_axe = Axe()
#: Pages whose interesting part is below the first screen (the sync chart).
FULL_PAGE = {"admin-sync"}


def check(page: Page, name: str) -> None:
    results = _axe.run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, (
        name + ": " + "; ".join(f"{v['id']} ({v['help']}): {[n['target'] for n in v['nodes'][:3]]}" for v in serious)
    )
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_load_state("networkidle")
        shot = Image.open(io.BytesIO(page.screenshot(animations="disabled", full_page=name in FULL_PAGE)))
        shot.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(
            SCREENSHOTS / f"{name}-{label}.png", optimize=True
        )
    page.set_viewport_size({"width": 390, "height": 844})


def test_storefront_pages_are_accessible(page: Page, live_shop: LiveShop) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto("/login")
    otp_login(page, live_shop, "09127778899")
    page.goto("/product/101")
    page.get_by_role("button", name="افزودن به سبد").first.click()
    for name, path in STORE_PAGES:
        page.goto(path)
        check(page, name)
    page.goto("/login")  # logged in: the login page sends the user on; log out to see it
    page.get_by_role("button", name="خروج").click()
    page.goto("/login")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check(page, "login")


def test_payment_result_page_is_accessible(page: Page, live_shop: LiveShop) -> None:
    from tests.ui.test_shop import buy

    buy(page, live_shop, "09125556677")
    check(page, "payment-result")


def test_admin_pages_are_accessible(page: Page, live_shop: LiveShop) -> None:
    staff_login(page, live_shop)
    for name, path in ADMIN_PAGES:
        page.goto(path)
        expect(page.locator("main h1")).to_be_visible()
        check(page, name)
    assert re.search(r"<svg class=\"chart wide\"", page.goto("/admin/sync").text())  # type: ignore[union-attr]
