"""The shop settings page in a browser: free of serious accessibility violations and fitting a phone (its
per-field errors answer 400, which this suite counts as a failure: they are checked in tests/web)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.ui.conftest import LiveShop
from tests.ui.test_admin_layout import serious_violations
from tests.ui.test_phone_layout import assert_fits
from tests.ui.test_shop import staff_login


def test_the_settings_page_is_accessible_and_fits_a_phone(page: Page, live_shop: LiveShop) -> None:
    staff_login(page, live_shop)
    # when the admin opens the page at each width, then
    problems = {}
    for width, height in ((320, 700), (390, 844), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/admin/settings")
        expect(page.locator("main h1")).to_be_visible()
        found = serious_violations(page)
        if found:
            problems[width] = found
    assert not problems, problems
    assert_fits(page, "/admin/settings")
