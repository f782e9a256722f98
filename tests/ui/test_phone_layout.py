"""Phone first: every storefront page fits 320 px and 390 px wide screens with no sideways scrolling, the cart
shows each line as a card with its total and remove button on screen, the product page keeps a buy bar in view,
the filters start folded, and every htmx request lights the loading bar."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests.ui.conftest import LiveShop
from tests.ui.test_shop import buy

PHONE_WIDTHS = (320, 390)
#: What sticks out of the screen, for the failure message.
_OVERFLOW = """() => {
  const w = window.innerWidth;
  if (document.documentElement.scrollWidth <= w) return null;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.width && (r.right > w + 1 || r.left < -1)) {
      out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + el.className : "")
               + " [" + Math.round(r.left) + ", " + Math.round(r.right) + "]");
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: w, elements: out.slice(0, 8)};
}"""

_FIRST_LEFT_OF_LAST = """(el) => {
  const text = el.firstChild, range = document.createRange();
  range.setStart(text, 0); range.setEnd(text, 1);
  const first = range.getBoundingClientRect().left;
  range.setStart(text, text.length - 1); range.setEnd(text, text.length);
  return first < range.getBoundingClientRect().left;
}"""


#: Whether a check box and the first letter of its label's words share a line.
_BESIDE_ITS_WORDS = """(input) => {
  const node = [...input.parentElement.childNodes].find((n) => n.nodeType === 3 && n.textContent.trim());
  const at = node.textContent.search(/\\S/), r = document.createRange();
  r.setStart(node, at); r.setEnd(node, at + 1);
  const letter = r.getBoundingClientRect(), box = input.getBoundingClientRect();
  return letter.top < box.bottom && box.top < letter.bottom;
}"""


def assert_on_screen(locator: Locator, width: int) -> None:
    """Drawn inside the screen's width (not cut off, not scrolled out of a table's box)."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box


def assert_fits(page: Page, path: str) -> None:
    for width in PHONE_WIDTHS:
        page.set_viewport_size({"width": width, "height": 740})
        page.goto(path)
        page.wait_for_load_state("load")
        overflow = page.evaluate(_OVERFLOW)
        assert overflow is None, f"{path} at {width} px overflows: {overflow}"


def test_every_storefront_page_fits_a_phone(page: Page, live_shop: LiveShop) -> None:
    # given: a customer who paid an order and has an item in the cart
    order_id = buy(page, live_shop, "09121113344")
    # the card mask reads left to right inside the Persian sentence (its first digit drawn left of its last)
    card = page.locator("#payment-result bdi[dir=ltr]", has_text="502229******5995")
    expect(card).to_be_visible()
    assert card.evaluate(_FIRST_LEFT_OF_LAST) is True
    page.goto("/product/101")
    page.get_by_role("button", name="افزودن به سبد").first.click()
    expect(page.locator(".flash")).to_be_visible()
    # and who waits for an out-of-stock product («خبرم کن»: listed on the account page)
    page.goto("/product/104")
    page.get_by_role("button", name="خبرم کن").click()
    expect(page.locator(".flash")).to_be_visible()
    # when / then
    for path in (
        "/",
        "/product/104",
        "/category/1",
        "/search?q=%DA%A9%D8%AA%D8%A7%D8%A8",
        "/search?q=%DA%A9%D8%AA%D8%A7%D8%A8&min=abc&max=-3&sort=nonsense",
        "/product/101",
        "/cart",
        "/checkout",
        "/account",
        "/account/orders",
        f"/account/orders/{order_id}",
        f"/account/orders/{order_id}/result",
    ):
        assert_fits(page, path)
    # on the narrowest phone the tables of orders and of an order's lines are cards: every amount is on screen
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"/account/orders/{order_id}")
    assert_on_screen(page.locator("#order-lines tbody td").last, 320)
    page.goto("/account/orders")
    assert_on_screen(page.locator("table.stack tbody tr").first.locator("td").last, 320)
    # and the check box to keep an address stays beside its words when they wrap
    page.goto("/checkout")
    keep = page.get_by_label("این نشانی برای دفعه‌های بعد ذخیره شود")
    assert keep.evaluate(_BESIDE_ITS_WORDS) is True
    page.get_by_role("button", name="خروج").click()
    assert_fits(page, "/login")


def test_cart_lines_are_cards_with_total_and_remove_on_screen(page: Page, live_shop: LiveShop) -> None:
    # given: an item in the cart, on the narrowest phone
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/product/101")
    page.get_by_role("button", name="افزودن به سبد").first.click()
    page.goto("/cart")
    line = page.locator("#cart .line").first
    # then: the line's total and its remove button lie inside the screen
    for part in (line.locator(".line-total"), line.get_by_role("button", name="حذف")):
        expect(part).to_be_visible()
        box = part.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320, box
    # when: the quantity changes through htmx, the loading bar shows while the request runs
    page.evaluate("""() => { window.__loadingSeen = false;
        new MutationObserver(() => { if (document.getElementById("loading").classList.contains("htmx-request"))
          window.__loadingSeen = true; }).observe(document.getElementById("loading"), {attributes: true}); }""")
    line.get_by_label("تعداد").fill("2")
    line.get_by_role("button", name="به‌روزرسانی").click()
    expect(page.locator("#cart .line").first.get_by_label("تعداد")).to_have_value("2")
    assert page.evaluate("() => window.__loadingSeen") is True
    expect(page.locator("#loading")).not_to_have_class("htmx-request")


def test_product_page_keeps_the_buy_bar_and_filters_start_folded(page: Page, live_shop: LiveShop) -> None:
    page.set_viewport_size({"width": 390, "height": 700})
    # the buy bar is on screen at the top of a product page and at its end
    page.goto("/product/101")
    bar = page.locator("#buybar")
    expect(bar).to_be_in_viewport()
    page.mouse.wheel(0, 5000)
    expect(bar).to_be_in_viewport()
    # the filters are folded on a phone until opened
    page.goto("/category/1")
    expect(page.get_by_label("کمترین قیمت (تومان)")).to_be_hidden()
    page.get_by_text("فیلتر و مرتب‌سازی").click()
    expect(page.get_by_label("کمترین قیمت (تومان)")).to_be_visible()
