"""``/api/docs`` in Chromium with every request to another host refused, as on a machine without internet:
Swagger UI still draws the API's operations."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, Route, expect

from tests.ui.conftest import LiveShop


def test_api_docs_work_without_internet(page: Page, live_shop: LiveShop) -> None:
    # given: only this server answers
    own = urlsplit(live_shop.base_url).netloc
    foreign: list[str] = []

    def only_own_host(route: Route) -> None:
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    page.route("**/*", only_own_host)
    # when
    page.goto("/api/docs")
    # then
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(page.get_by_text("/api/v1/products", exact=True).first).to_be_visible()
    assert not foreign, foreign
