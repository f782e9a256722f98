"""In Chromium: a product's selectors (one per property) tell at once whether the chosen combination is sold,
and the one add button puts that combination in the cart, named by its properties."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.ui.conftest import LiveShop


def test_choosing_a_combination_shows_whether_it_is_sold_and_adds_it(page: Page, live_shop: LiveShop) -> None:
    # given the shirt: blue L (8 left) and white M (3 left); blue L is chosen to start with
    page.goto("/product/101")
    form = page.locator("form.buy")
    status = form.locator(".variant-status")
    add = form.get_by_role("button", name="افزودن به سبد")
    expect(status).to_contain_text("۸ عدد موجود")
    # when the size M is chosen with blue, there is no such shirt: it says so and cannot be added
    form.locator(".chip", has_text="M").click()
    expect(status).to_have_text("این ترکیب از کالا موجود نیست؛ گزینهٔ دیگری انتخاب کنید.")
    expect(add).to_be_disabled()
    # when white is chosen too, that shirt is sold: its stock shows and it goes to the cart
    form.locator(".chip", has_text="سفید").click()
    expect(status).to_contain_text("۳ عدد موجود")
    expect(add).to_be_enabled()
    add.click()
    expect(page.locator(".flash")).to_contain_text("به سبد خرید افزوده شد")
    expect(page.locator("#cart .line").filter(has_text="پیراهن نخی مردانه")).to_contain_text("رنگ: سفید، اندازه: M")
