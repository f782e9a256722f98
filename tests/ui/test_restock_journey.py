"""Issue 14, «خبرم کن» in Chromium on a phone (390 px) and a desktop (1280 px): a product that Mahak holds at zero
reaches the shop through the sync; a visitor asks to be told, logs in with a texted code and asks again; Mahak's
stock comes back (the simulator's control API) and the sync brings it; the SMS simulator gets the shop's restock
text naming the product with its link; the link opens the product in stock, and it goes into the cart.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from hamgam.domain.persian import format_toman
from hamgam.domain.shop_settings import RESTOCK_TEXT, fill
from tests.ui.conftest import LiveShop
from tests.ui.test_buyer_journey import SLOW, VIEWPORTS, assert_fits
from tests.ui.test_shop import otp_login

#: A product per viewport, known only to Mahak until the sync brings it: (product id, name, price in rial).
PRODUCTS = {390: (401, "سماور برنجی ذغالی", 2_750_000), 1280: (402, "کتری روحی لعابی", 1_640_000)}
CATEGORY = 2  # لوازم خانگی, seeded


def mahak_stock(shop: LiveShop, detail_id: int, count: float) -> None:
    """The site's stock of one detail in Mahak (the site's visitor, VisitorProduct.Count1)."""
    link = {"VisitorProductId": detail_id, "ProductDetailId": detail_id, "VisitorId": 1, "Count1": count}
    shop.mahak.upsert_rows("VisitorProduct", [link])


def synced(shop: LiveShop, *entities: str) -> dict[str, dict[str, object]]:
    runs = {run["entity"]: run for run in shop.sync(*entities)}
    assert {run["status"] for run in runs.values()} == {"succeeded"}, runs
    return runs  # type: ignore[return-value]


def texts_to(shop: LiveShop, mobile: str, containing: str, *, within_s: float = 180) -> list[str]:
    """The texts sent to ``mobile`` that contain ``containing``, once there is one (the gateway's event relay runs
    every half minute; a loaded machine needs longer)."""
    deadline = time.monotonic() + within_s
    while True:
        texts = [m["text"] for m in shop.sms.outbox(mobile) if containing in m["text"]]  # type: ignore[attr-defined]
        if texts or time.monotonic() > deadline:
            return texts
        time.sleep(0.5)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_notify_me_then_the_sync_brings_stock_back_and_the_buyer_is_texted(
    page: Page, live_shop: LiveShop, viewport: dict[str, int]
) -> None:
    product_id, name, price = PRODUCTS[viewport["width"]]
    detail_id = product_id * 10 + 1
    mobile = f"0935777{viewport['width']:04d}"
    page.set_default_timeout(SLOW)
    expect.set_options(timeout=SLOW)
    page.set_viewport_size(viewport)

    # given: a product Mahak holds at zero, brought to the shop by the sync
    mahak = live_shop.mahak
    mahak.upsert_rows("Product", [{"ProductId": product_id, "Name": name, "ProductCategoryId": CATEGORY}])
    mahak.upsert_rows("ProductDetail", [{"ProductDetailId": detail_id, "ProductId": product_id, "Price1": price}])
    mahak_stock(live_shop, detail_id, 0)
    synced(live_shop, "Product", "ProductDetail", "VisitorProduct")

    # when: a visitor opens it, it is out of stock with no add button, and «خبرم کن» asks them to log in first
    page.goto(f"/product/{product_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator("form.buy .stock-out")).to_have_text("ناموجود")
    expect(page.get_by_role("button", name="افزودن به سبد")).to_have_count(0)
    assert_fits(page, "product, out of stock")
    page.get_by_role("button", name="خبرم کن").click()
    expect(page).to_have_url(re.compile(r"/login\?next=/product/" + str(product_id)))
    expect(page.locator(".flash")).to_contain_text("«خبرم کن»")
    assert_fits(page, "login, to be told")
    otp_login(page, live_shop, mobile)
    expect(page).to_have_url(re.compile(f"/product/{product_id}$"))
    page.get_by_role("button", name="خبرم کن").click()
    expect(page.locator(".flash")).to_contain_text("وقتی موجود شد، یک بار برایتان پیامک می‌فرستیم.")
    page.goto("/account")
    expect(page.get_by_role("heading", name="در انتظار موجود شدن")).to_be_visible()
    waiting = page.locator("ul.waiting li", has_text=name)
    expect(waiting).to_be_visible()
    assert_fits(page, "account, waiting")
    assert texts_to(live_shop, mobile, name, within_s=0) == []  # nothing yet

    # when: Mahak's stock comes back and the sync brings it
    mahak_stock(live_shop, detail_id, 4)
    runs = synced(live_shop, "VisitorProduct")
    assert runs["VisitorProduct"]["rows_updated"] == 1, runs

    # then: one text, the shop's restock text, names the product and links to it
    link = f"{live_shop.base_url}/product/{product_id}"
    texts = texts_to(live_shop, mobile, name)
    assert texts == [fill(RESTOCK_TEXT, {"product": f"«{name}»", "link": link})], texts

    # and: the link opens the product in stock and buyable; the request is no longer waiting
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("button", name="خبرم کن")).to_have_count(0)
    expect(page.locator("main")).to_contain_text(format_toman(price))
    assert_fits(page, "product, back in stock")
    page.get_by_role("button", name="افزودن به سبد").click()
    expect(page.locator(".flash")).to_contain_text("به سبد خرید افزوده شد")
    page.goto("/account")
    expect(page.locator("ul.waiting li", has_text=name)).to_have_count(0)
    page.goto("/cart")
    expect(page.locator("#cart .line").filter(has_text=name)).to_be_visible()
    assert_fits(page, "cart, restocked item")
