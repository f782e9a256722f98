"""Issue 14: the shop tried as an Iranian shopper would, in Chromium, on a phone (390 px) and on a desktop (1280 px).

One journey: a Persian search with a typo → the product page (a colour and a size) → the cart (the quantity
changed) → checkout (a mobile and a texted code, a province and a city from the official list, the grand total
following the shipping method, pickup hiding the address) → the Zarinpal simulator → the order page, being
prepared, naming the variant → staff mark it shipped by post with a tracking code (a second browser, two factors)
→ the buyer's order page shows it shipped with the code and a tracking link, the SMS simulator got the shipped
text → the buyer's sales invoice (PDF) reads the shop, the product and the total, in that order.

Every page must fit the screen (no sideways scrolling) and every htmx action must light the loading bar.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from hamgam.domain.persian import format_toman, to_latin_digits, to_persian_digits
from tests.ui.conftest import LiveShop
from tests.ui.test_phone_layout import _OVERFLOW
from tests.ui.test_shop import otp_login, staff_browser

SLOW = 30_000  # ms: a loaded machine renders a page in seconds, not milliseconds

#: Installed in every document: counts the times the loading bar was lit (the ``htmx-request`` class on
#: ``#loading``, seen on its way in or out) and the htmx requests that completed.
_WATCH_LOADING = """
window.__htmx = {lit: 0, done: 0};
document.addEventListener("DOMContentLoaded", () => {
  const bar = document.getElementById("loading");
  if (bar) new MutationObserver((records) => {
    for (const r of records) {
      if (bar.classList.contains("htmx-request") || (r.oldValue || "").includes("htmx-request")) window.__htmx.lit++;
    }
  }).observe(bar, {attributes: true, attributeFilter: ["class"], attributeOldValue: true});
  document.addEventListener("htmx:after:request", () => window.__htmx.done++);
});
"""


#: Whether a line's quantity sign («×») is drawn after its variant label's last letter in reading order: to its
#: left on the same line, or on a later line. Without isolating the label, a Latin size («L») pulls the «× ۲»
#: that follows it into a left-to-right run, and the line reads «— ۲ × L».
_QUANTITY_AFTER_VARIANT = """(li) => {
  const label = li.querySelector(".variant-label").firstChild, r = document.createRange();
  r.setStart(label, label.length - 1); r.setEnd(label, label.length);
  const last = r.getBoundingClientRect();
  const walk = document.createTreeWalker(li, NodeFilter.SHOW_TEXT);
  let node = walk.nextNode();
  while (node && !node.textContent.includes("×")) node = walk.nextNode();
  const at = node.textContent.indexOf("×");
  r.setStart(node, at); r.setEnd(node, at + 1);
  const times = r.getBoundingClientRect();
  return Math.abs(times.top - last.top) < 4 ? times.right <= last.left + 1 : times.top > last.top;
}"""


def assert_fits(page: Page, where: str) -> None:
    """No sideways scrolling: the document is no wider than the window."""
    page.wait_for_load_state("load")
    fits = page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")
    assert fits, f"{where} overflows at {page.viewport_size}: {page.evaluate(_OVERFLOW)}"


def htmx_action(page: Page, act: Callable[[], None], settled: Callable[[], None]) -> None:
    """Do an htmx action and wait for its result; the loading bar must have been lit while it ran."""
    page.evaluate("() => { window.__htmx.lit = 0; window.__htmx.done = 0; }")
    act()
    settled()
    page.wait_for_function("() => window.__htmx.done > 0", timeout=SLOW)
    assert page.evaluate("() => window.__htmx.lit") > 0, "the loading bar never lit"
    expect(page.locator("#loading")).not_to_have_class(re.compile("htmx-request"), timeout=SLOW)


def rial(page: Page, selector: str) -> int:
    digits = "".join(ch for ch in to_latin_digits(page.locator(selector).inner_text()) if ch.isdigit())
    return int(digits) * 10 if digits else 0


def pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


VIEWPORTS = [
    pytest.param({"width": 390, "height": 844}, id="phone"),
    pytest.param({"width": 1280, "height": 800}, id="desktop"),
]


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_buyer_finds_buys_pays_and_follows_the_parcel(
    page: Page, browser: Browser, live_shop: LiveShop, viewport: dict[str, int], no_errors: list[str]
) -> None:
    mobile = f"0912666{viewport['width']:04d}"
    tracking = "1234567890" + f"{viewport['width']:04d}" + "5678901234"  # a 24-digit post barcode
    page.set_default_timeout(SLOW)
    expect.set_options(timeout=SLOW)
    page.set_viewport_size(viewport)
    page.add_init_script(_WATCH_LOADING)

    # search: «پیرهن» (one letter short of «پیراهن») still finds the shirt
    page.goto("/")
    assert_fits(page, "home")
    box = page.get_by_role("searchbox", name="جستجوی کالا")
    suggestion = page.locator("#suggest a", has_text="پیراهن نخی مردانه")
    htmx_action(page, lambda: box.fill("پیرهن مردانه"), lambda: expect(suggestion).to_be_visible())
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?"))
    assert_fits(page, "search results")
    page.get_by_role("link", name="پیراهن نخی مردانه").first.click()

    # product page: a colour and a size; an unsold combination says so, the chosen one is sold
    expect(page.get_by_role("heading", level=1)).to_have_text("پیراهن نخی مردانه")
    assert_fits(page, "product")
    form = page.locator("form.buy")
    status = form.locator(".variant-status")
    add = form.get_by_role("button", name="افزودن به سبد")
    form.locator(".chip", has_text="سفید").click()
    expect(status).to_have_text("این ترکیب از کالا موجود نیست؛ گزینهٔ دیگری انتخاب کنید.")
    expect(add).to_be_disabled()
    form.locator(".chip", has_text="آبی").click()
    form.locator(".chip", has_text="L").click()
    expect(status).to_contain_text("عدد موجود")
    expect(add).to_be_enabled()
    add.click()
    expect(page.locator(".flash")).to_contain_text("به سبد خرید افزوده شد")

    # cart: two shirts instead of one
    page.goto("/cart")
    line = page.locator("#cart .line").filter(has_text="پیراهن نخی مردانه")
    expect(line).to_contain_text("رنگ: آبی، اندازه: L")
    assert_fits(page, "cart")
    line.get_by_label("تعداد").fill("2")
    htmx_action(
        page,
        lambda: line.get_by_role("button", name="به‌روزرسانی").click(),
        lambda: expect(line.locator(".line-total .sum")).to_have_text(format_toman(2 * 1_250_000)),
    )
    assert_fits(page, "cart, updated")

    # checkout: the buyer logs in with a texted code
    page.locator("#cart").get_by_role("link", name="ادامهٔ خرید").click()
    assert_fits(page, "login")
    otp_login(page, live_shop, mobile)
    expect(page.get_by_role("heading", name="تکمیل خرید")).to_be_visible()
    assert_fits(page, "checkout")
    summary_line = page.locator("#summary li", has_text="پیراهن نخی مردانه")
    expect(summary_line.locator(".variant-label")).to_have_text("رنگ: آبی، اندازه: L")
    assert summary_line.evaluate(_QUANTITY_AFTER_VARIANT), summary_line.inner_text()
    items = rial(page, "#items-total")
    assert items == 2 * 1_250_000
    total = page.locator("#grand-total")
    page.get_by_label("نام گیرنده").fill("سارا احمدی")
    page.get_by_label("شمارهٔ موبایل").fill(to_persian_digits(mobile))
    # the province's cities replace the whole list
    htmx_action(
        page,
        lambda: page.get_by_label("استان").select_option("اصفهان"),
        lambda: expect(page.locator("#city option[value='کاشان']")).to_have_count(1),
    )
    expect(page.locator("#city option[value='شیراز']")).to_have_count(0)
    page.get_by_label("شهر").select_option("اصفهان")
    page.get_by_label("نشانی", exact=True).fill("خیابان چهارباغ، کوچهٔ ۴، پلاک ۱۲")
    page.get_by_label("کد پستی (۱۰ رقم)").fill("۸۱۳۴۵-۶۷۸۹۰")

    def choose(method: str, code: str) -> None:
        before = total.inner_text()
        htmx_action(page, lambda: page.get_by_text(method).click(), lambda: expect(total).not_to_have_text(before))
        expect(total).to_have_text(format_toman(items + rial(page, f"#cost-{code}")))

    # the grand total follows the method; pickup costs nothing and needs no address
    expect(total).to_have_text(format_toman(items + rial(page, "#cost-post")))
    choose("پیک (تهران)", "courier")
    choose("تحویل حضوری", "pickup")
    expect(total).to_have_text(format_toman(items))
    expect(page.get_by_label("نام گیرنده")).to_be_hidden()
    expect(page.get_by_text("نیازی به نشانی نیست")).to_be_visible()
    assert_fits(page, "checkout, pickup")
    choose("پست پیشتاز", "post")
    expect(page.get_by_label("نام گیرنده")).to_have_value("سارا احمدی")  # nothing typed was lost
    expect(page.get_by_label("استان")).to_have_value("اصفهان")
    grand_total = rial(page, "#grand-total")
    assert grand_total > items

    # pay at the Zarinpal simulator
    page.get_by_role("button", name="ثبت سفارش و پرداخت").click()
    expect(page.locator("#amount")).to_be_visible()
    page.locator("#pay").click()
    expect(page.locator("#payment-result")).to_have_attribute("data-outcome", "paid")
    assert_fits(page, "payment result")
    order_id = re.search(r"/account/orders/(\d+)/result", page.url).group(1)  # type: ignore[union-attr]

    page.goto(f"/account/orders/{order_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("پرداخت‌شده")
    assert_fits(page, "order, paid")

    # staff, in a browser of their own (two factors), take the order in hand: the exporter is not in use here,
    # so they record it in accounting and invoiced by hand
    with staff_browser(browser, live_shop, viewport, no_errors, timeout=SLOW) as admin:
        admin.goto(f"/admin/orders/{order_id}")
        assert_fits(admin, "admin order")
        admin.locator("button[name=status][value=sent_to_accounting]").click()
        expect(admin.locator("button[name=status][value=invoiced]")).to_be_visible()

        # the buyer reads «در حال آماده‌سازی» and the variant bought
        page.reload()
        expect(page.get_by_role("heading", level=1)).to_contain_text("در حال آماده‌سازی")
        expect(page.locator("main")).to_contain_text("رنگ: آبی")
        assert_fits(page, "order, being prepared")

        # staff mark it shipped by post with a tracking code
        admin.locator("button[name=status][value=invoiced]").click()
        ship = admin.locator("#ship-form")
        ship.get_by_label("شرکت حمل").select_option(label="پست")
        ship.get_by_label("کد رهگیری").fill(tracking)
        ship.get_by_role("button", name="ثبت ارسال و پیامک به خریدار").click()
        expect(admin.locator("#shipment")).to_contain_text(to_persian_digits(tracking))
        assert_fits(admin, "admin order, shipped")

    # the buyer sees it shipped, by post, with the code and a link to the post's tracking page
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_contain_text("ارسال شد")
    shipment = page.locator("#shipment")
    expect(shipment).to_contain_text("پست")
    expect(shipment).to_contain_text(to_persian_digits(tracking))
    expect(shipment.get_by_role("link", name="پیگیری مرسوله")).to_have_attribute(
        "href", re.compile(r"^https://tracking\.post\.ir/.*" + tracking)
    )
    assert_fits(page, "order, shipped")

    # and was texted the code
    live_shop.texted(mobile, tracking)

    # the sales invoice: the shop, the product, the total, in that order
    shop_name = page.title().split("|")[-1].strip()
    link = page.locator("#invoice-link")
    expect(link).to_be_visible()
    answer = page.request.get(link.get_attribute("href") or "")
    assert answer.ok and answer.headers["content-type"].startswith("application/pdf")
    invoice = pdf_text(answer.body())
    # pypdf reads a number drawn left to right inside a right-to-left line back reversed
    amount = to_persian_digits(format_toman(grand_total).split()[0])[::-1]
    found = [invoice.find(shop_name), invoice.find("پیراهن نخی مردانه"), invoice.rfind(amount)]
    assert -1 not in found and found == sorted(found), (found, invoice)
