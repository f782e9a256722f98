"""On a 390 px phone, checkout shows what will be paid: the grand total follows the shipping method and the
province as the buyer picks them (htmx), the province's cities replace the full list, and pickup hides the
address. Only those choices ask for the summary again."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, pool, text

from hamgam.adapters.db.engine import sync_url
from hamgam.domain.persian import format_toman, to_latin_digits
from tests.ui.conftest import LiveShop
from tests.ui.test_phone_layout import _OVERFLOW
from tests.ui.test_shop import otp_login


def _rial(page: Page, selector: str) -> int:
    digits = "".join(ch for ch in to_latin_digits(page.locator(selector).inner_text()) if ch.isdigit())
    return int(digits) * 10


def test_the_grand_total_updates_live_on_a_phone(page: Page, live_shop: LiveShop) -> None:
    # given: the courier costs 30,000 Toman in Isfahan (70,000 elsewhere), a buyer with a book in the cart
    engine = create_engine(sync_url(live_shop.database_url), poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(text("""UPDATE shipping_method SET province_rial = '{"اصفهان": 300000}' WHERE code = 'courier'"""))
    engine.dispose()
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/product/101")
    page.get_by_role("button", name="افزودن به سبد").first.click()
    expect(page.locator(".flash")).to_be_visible()
    page.goto("/checkout")
    otp_login(page, live_shop, "09127770001")
    expect(page.get_by_role("heading", name="تکمیل خرید")).to_be_visible()
    items = _rial(page, "#items-total")
    total = page.locator("#grand-total")
    # then: the first method (post, 45,000 Toman) is counted in the total
    expect(total).to_have_text(format_toman(items + 450_000))
    # when: the courier is chosen, then Isfahan as the province
    page.get_by_text("پیک (تهران)").click()
    expect(total).to_have_text(format_toman(items + 700_000))
    page.get_by_label("استان").select_option("اصفهان")
    expect(total).to_have_text(format_toman(items + 300_000))
    expect(page.locator("#cost-courier")).to_have_text(format_toman(300_000))
    # and the city list holds Isfahan's cities only
    expect(page.locator("#city optgroup")).to_have_count(0)
    expect(page.locator("#city option[value='کاشان']")).to_have_count(1)
    expect(page.locator("#city option[value='شیراز']")).to_have_count(0)
    # when: pickup is chosen, the address goes away and shipping is free
    page.get_by_text("تحویل حضوری").click()
    expect(total).to_have_text(format_toman(items))
    expect(page.get_by_label("نام گیرنده")).to_be_hidden()
    expect(page.get_by_text("نیازی به نشانی نیست")).to_be_visible()
    # and the page still fits the phone
    assert page.evaluate(_OVERFLOW) is None
    # when: the buyer goes back to delivery, the address form is there again with what was typed
    page.get_by_text("پیک (تهران)").click()
    expect(page.get_by_label("نام گیرنده")).to_be_visible()
    expect(page.get_by_label("استان")).to_have_value("اصفهان")


def test_only_what_changes_the_total_asks_for_the_summary(page: Page, live_shop: LiveShop) -> None:
    # given: a buyer at checkout, watching the summary requests
    page.goto("/product/101")
    page.get_by_role("button", name="افزودن به سبد").first.click()
    expect(page.locator(".flash")).to_be_visible()
    page.goto("/checkout")
    otp_login(page, live_shop, "09127770002")
    expect(page.get_by_role("heading", name="تکمیل خرید")).to_be_visible()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/checkout/summary" in request.url else None)
    # when: the name, mobile, street, postcode and note are typed, and a city chosen
    page.locator("#recipient_name").fill("سارا")
    page.locator("#recipient_name").press("Tab")
    page.locator("#postal_code").fill("1314567890")
    page.locator("#postal_code").press("Tab")
    page.locator("#note").fill("زنگ نزنید")
    page.locator("#note").press("Tab")
    page.locator("#city").select_option("تهران")
    # then: nothing was asked; a province asks once (its change also brings its cities)
    page.get_by_label("استان").select_option("اصفهان")
    expect(page.locator("#city option[value='کاشان']")).to_have_count(1)
    assert len(asked) == 1, asked
