"""End to end in Chromium: a guest buys and pays through the Zarinpal simulator, a customer logs in with a
one-time code and sees the order, staff edit a product and upload an image, staff replay a dead letter."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.ui.conftest import STAFF_MOBILE, STAFF_PASSWORD, LiveShop

GUEST_MOBILE = "09123334455"
_state: dict[str, str] = {}


def otp_login(page: Page, shop: LiveShop, mobile: str) -> None:
    page.get_by_label("شمارهٔ موبایل").fill(mobile)
    page.get_by_role("button", name="ارسال کد یک‌بارمصرف").click()
    page.get_by_label("کد یک‌بارمصرف").fill(shop.otp(mobile))
    page.get_by_role("button", name="تأیید").click()


def staff_login(page: Page, shop: LiveShop) -> None:
    """Two factors: the password, then the one-time code texted to the staff member's mobile."""
    page.goto("/login?mode=password&next=/admin")
    page.get_by_label("شمارهٔ موبایل").fill(STAFF_MOBILE)
    page.get_by_label("رمز عبور").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="ورود").click()
    expect(page.get_by_text("ورود کارکنان دومرحله‌ای است")).to_be_visible()
    page.get_by_label("کد یک‌بارمصرف").fill(shop.otp(STAFF_MOBILE))
    page.get_by_role("button", name="تأیید").click()
    expect(page.get_by_role("heading", name="پیشخوان")).to_be_visible()


@contextmanager
def staff_browser(
    browser: Browser, shop: LiveShop, viewport: dict[str, int], problems: list[str], *, timeout: float = 30_000
) -> Iterator[Page]:
    """A staff member signed in (two factors) in a browser of their own, beside a buyer's; its server errors and
    page errors go to ``problems`` (the ``no_errors`` fixture's list)."""
    context = browser.new_context(base_url=shop.base_url, locale="fa-IR", timezone_id="Asia/Tehran", viewport=viewport)
    try:
        admin = context.new_page()
        admin.set_default_timeout(timeout)
        admin.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
        admin.on("pageerror", lambda e: problems.append(f"page error (admin): {e}"))
        staff_login(admin, shop)
        yield admin
    finally:
        context.close()


def invoice_by_hand(page: Page, order_id: str) -> None:
    """Staff record a paid order in accounting and as invoiced by hand (the exporter is not in use here)."""
    page.goto(f"/admin/orders/{order_id}")
    for status in ("sent_to_accounting", "invoiced"):
        page.locator(f"button[name=status][value={status}]").click()
        expect(page.locator(".flash")).to_be_visible()


def admin_section(page: Page, name: str) -> None:
    """Go to an admin section through the admin's navigation: the side navigation on desktop, the menu on
    phones."""
    menu = page.locator(".admin-menu")
    if menu.is_visible():
        menu.locator("summary").click()
        menu.get_by_role("link", name=name, exact=True).click()
    else:
        page.locator(".admin-side").get_by_role("link", name=name, exact=True).click()


def buy(page: Page, shop: LiveShop, mobile: str, recipient: str = "سارا احمدی", *, save_address: bool = False) -> str:
    """A guest finds a product by search, buys it and pays, the parcel going to ``recipient`` (the address kept
    for next time with ``save_address``); returns the order id. The buyer stays signed in."""
    page.goto("/")
    page.get_by_role("searchbox", name="جستجوی کالا").fill("شاهنامه")
    suggestion = page.locator("#suggest a", has_text="کتاب شاهنامه فردوسی")
    expect(suggestion).to_be_visible()  # as-you-type suggestions (htmx)
    suggestion.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("کتاب شاهنامه فردوسی")
    page.get_by_role("button", name="افزودن به سبد").click()
    expect(page.locator(".flash")).to_contain_text("به سبد خرید افزوده شد")
    page.get_by_role("link", name="ادامهٔ خرید").click()
    otp_login(page, shop, mobile)
    expect(page.get_by_role("heading", name="تکمیل خرید")).to_be_visible()
    page.get_by_label("نام گیرنده").fill(recipient)
    page.get_by_label("شمارهٔ موبایل").fill("۰۹۱۲۳۳۳۴۴۵۵")
    page.get_by_label("استان").select_option("اصفهان")
    expect(page.locator("#city optgroup")).to_have_count(0)  # the province's cities swapped in (htmx)
    page.get_by_label("شهر").select_option("اصفهان")
    page.get_by_label("نشانی", exact=True).fill("خیابان چهارباغ، کوچهٔ ۴، پلاک ۱۲")
    page.get_by_label("کد پستی (۱۰ رقم)").fill("۸۱۳۴۵-۶۷۸۹۰")
    if save_address:
        page.get_by_label("این نشانی برای دفعه‌های بعد ذخیره شود").check()
    page.get_by_text("پست پیشتاز").click()
    page.get_by_role("button", name="ثبت سفارش و پرداخت").click()
    expect(page.locator("#amount")).to_be_visible()  # the simulator's StartPay page
    page.locator("#pay").click()
    result = page.locator("#payment-result")
    expect(result).to_have_attribute("data-outcome", "paid")
    return re.search(r"/account/orders/(\d+)/result", page.url).group(1)  # type: ignore[union-attr]


def test_guest_buys_and_pays_through_the_gateway(page: Page, live_shop: LiveShop) -> None:
    order_id = buy(page, live_shop, GUEST_MOBILE)
    expect(page.get_by_role("heading", name="پرداخت موفق بود")).to_be_visible()
    _state["order"] = order_id


def test_customer_logs_in_with_a_code_and_sees_the_order(page: Page, live_shop: LiveShop) -> None:
    order_id = _state.get("order") or buy(page.context.new_page(), live_shop, GUEST_MOBILE)
    # a fresh browser context: not logged in
    page.goto("/account/orders")
    otp_login(page, live_shop, GUEST_MOBILE)
    expect(page).to_have_url(re.compile(r"/account/orders$"))
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=re.compile("سفارش")))
    expect(row.first).to_contain_text("پرداخت‌شده")
    expect(row.first).to_contain_text(re.compile(r"۱۴[۰-۹]{2}/[۰-۹]{2}/[۰-۹]{2}"))  # a Jalali date
    page.get_by_role("link", name=re.compile("سفارش")).first.click()
    expect(page).to_have_url(re.compile(rf"/account/orders/{order_id}$"))
    expect(page.locator(".timeline")).to_contain_text("پرداخت‌شده")


def _png(path, color=(30, 90, 200)) -> None:
    Image.new("RGB", (800, 800), color).save(path, "PNG")


def test_staff_edit_a_product_upload_an_image_and_see_it(page: Page, live_shop: LiveShop, tmp_path) -> None:
    staff_login(page, live_shop)
    admin_section(page, "کالاها")
    page.get_by_label("نام یا کد").fill("حافظ")
    page.get_by_role("button", name="جستجو").last.click()
    page.get_by_role("link", name="دیوان حافظ").click()
    page.get_by_label("توضیحات").fill("چاپ نفیس، جلد چرمی.")
    page.get_by_label("ویژه در صفحهٔ اصلی").check()
    page.get_by_role("button", name="ذخیره", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("ذخیره شد")
    image = tmp_path / "hafez.png"
    _png(image)
    page.locator("#image").set_input_files(str(image))
    page.get_by_label("توضیح تصویر (برای صفحه‌خوان‌ها)").fill("جلد دیوان حافظ")
    page.get_by_role("button", name="بارگذاری").click()
    expect(page.locator(".flash")).to_contain_text("تصویر افزوده شد")
    # then: the storefront shows it (loaded, not broken) with the new description
    page.goto("/product/106")
    img = page.get_by_role("img", name="جلد دیوان حافظ")
    expect(img).to_be_visible()
    assert img.evaluate("i => i.complete && i.naturalWidth > 0")
    expect(page.get_by_text("چاپ نفیس، جلد چرمی.")).to_be_visible()
    page.goto("/")
    expect(page.locator("#featured-h + .grid")).to_contain_text("دیوان حافظ")


def test_staff_replay_a_dead_letter(page: Page, live_shop: LiveShop) -> None:
    staff_login(page, live_shop)
    admin_section(page, "پیام‌های ناموفق")
    page.get_by_role("link", name="۱", exact=True).click()
    page.get_by_label("متن").fill('{"order_id": 1, "fixed": true}')
    page.get_by_role("button", name="ذخیرهٔ متن").click()
    expect(page.locator(".flash")).to_contain_text("متن پیام ذخیره شد")
    page.get_by_role("button", name="ارسال دوباره").click()
    expect(page.locator("#replayed")).to_be_visible()
    # the audit trail reads in Persian; the action keys stay on the entries as data
    expect(page.locator(".timeline [data-action='dead_letter.replay']")).to_contain_text("دوباره فرستاده‌شده")
    expect(page.locator(".timeline [data-action='dead_letter.edit']")).to_contain_text("متن ویرایش شد")
