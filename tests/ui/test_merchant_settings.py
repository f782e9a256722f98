"""Issue 15: a setting changed in the admin is in effect on the storefront at once, without a restart, in Chromium
on a phone (390 px) and on a desktop (1280 px): the admin renames the shop and gives its phone in /admin/settings;
the storefront's header, page title and footer show them; set back, the old name is shown again (the shared
server's name is left as it was found)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from hamgam.domain.persian import to_persian_digits
from tests.ui.conftest import LiveShop
from tests.ui.test_buyer_journey import SLOW, VIEWPORTS, assert_fits
from tests.ui.test_shop import admin_section, staff_login


def _save(page: Page, values: dict[str, str]) -> None:
    """Type ``values`` (label -> text) into the settings form and save it."""
    for label, value in values.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="ذخیره تنظیمات").click()
    expect(page.locator(".flash")).to_contain_text("ذخیره شد.")


def _storefront_shows(page: Page, name: str) -> None:
    page.goto("/")
    expect(page.locator("header .brand")).to_have_text(name)
    expect(page).to_have_title(re.compile(re.escape(name) + "$"))
    expect(page.locator("footer .shop-contact strong")).to_have_text(name)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_setting_saved_in_the_admin_is_on_the_storefront_at_once(
    page: Page, live_shop: LiveShop, viewport: dict[str, int]
) -> None:
    page.set_default_timeout(SLOW)
    expect.set_options(timeout=SLOW)
    page.set_viewport_size(viewport)
    name = f"فروشگاه نمونه {to_persian_digits(str(viewport['width']))}"
    phone = f"021{viewport['width']:08d}"
    staff_login(page, live_shop)
    admin_section(page, "تنظیمات")
    expect(page.locator("main h1")).to_have_text("تنظیمات")
    before = {label: page.get_by_label(label, exact=True).input_value() for label in ("نام فروشگاه", "تلفن")}
    assert before["نام فروشگاه"] != name

    # when the admin renames the shop and gives its phone
    _save(page, {"نام فروشگاه": name, "تلفن": phone})
    assert_fits(page, "settings, saved")

    # then the storefront's header, title and footer show them
    _storefront_shows(page, name)
    contact = page.locator("footer .shop-contact")
    expect(contact.get_by_role("link", name=to_persian_digits(phone))).to_have_attribute("href", f"tel:{phone}")
    assert_fits(page, "home, renamed")

    # and set back, the old name is shown again
    page.goto("/admin/settings")
    _save(page, before)
    _storefront_shows(page, before["نام فروشگاه"])
    if not before["تلفن"]:
        expect(contact.get_by_role("link", name=to_persian_digits(phone))).to_have_count(0)
