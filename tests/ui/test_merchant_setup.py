"""Issue 15: a merchant's first-run setup in Chromium, on a phone (390 px) and on a desktop (1280 px).

The first-run setup against the Mahak simulator, whose stock is kept in stores (the visitor's links hold none,
and neither does the first store): the shop, started with every sync role, has synced Mahak under the defaults
(the visitor's stock), so the storefront lists the product out of stock. The admin walks /admin/setup: the
connection test, the guesses (stock in stores, and which ones), the preview, going live; then the storefront shows
each variant's stock as the sum of those stores in the simulator, and a stock change made in Mahak afterwards
reaches it with the next sync.

The shop is one of its own (``setup_shop``), so this module's pages open on it instead of the shared one.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import httpx2
import psycopg
import pytest
from playwright.sync_api import Page, expect

from hamgam.domain.persian import to_latin_digits, to_persian_digits
from hamgam.domain.stock import for_sale
from hamgam.services.site.setup import PREVIEW_ROWS
from hamgam_sim.mahak.control import ControlClient
from tests.conftest import fresh_database
from tests.ui.conftest import LiveShop, free_port, prepare, require_chromium, serving, shop_env
from tests.ui.test_buyer_journey import SLOW, VIEWPORTS, assert_fits
from tests.ui.test_shop import staff_login

#: A small simulated Mahak: its first sync takes seconds, not minutes.
MAHAK_PRODUCTS = 30
#: The stores holding Mahak's stock; the first store and the visitor's links hold none.
STOCK_STORES = (2, 3)
#: The shop's visitor in the simulated Mahak (``hamgam_sim.mahak.auth.Account``).
SITE_VISITOR = 1
#: Seconds between the shop's syncs (the shortest the settings allow), so a change in Mahak reaches it soon.
SYNC_INTERVAL_S = 10
FIRST_SYNC_S = 300  # a bound on a loaded machine, not a speed claim


def keep_stock_in_stores(mahak: ControlClient, stores: tuple[int, ...]) -> None:
    """Make the simulated Mahak one that keeps its stock in stores: as the desktop app would, its visitor links'
    Count1 and every other store's are set to 0."""
    links = mahak.rows("VisitorProduct", live=True)
    mahak.upsert_rows("VisitorProduct", [{"VisitorProductId": r["VisitorProductId"], "Count1": 0.0} for r in links])
    assets = mahak.rows("ProductDetailStoreAsset", live=True)
    mahak.upsert_rows(
        "ProductDetailStoreAsset",
        [
            {"ProductDetailStoreAssetId": a["ProductDetailStoreAssetId"], "Count1": 0.0}
            for a in assets
            if a["StoreId"] not in stores
        ],
    )


def store_stock(mahak: ControlClient, stores: tuple[int, ...]) -> dict[int, float]:
    """Each detail's stock in ``stores``, as the simulated Mahak keeps it now."""
    stock: dict[int, float] = defaultdict(float)
    for asset in mahak.rows("ProductDetailStoreAsset", live=True):
        if asset["StoreId"] in stores:
            stock[asset["ProductDetailId"]] += float(asset["Count1"])
    return stock


def wait_for_first_sync(shop: LiveShop, product_id: int) -> None:
    """Until the shop holds every detail, stock row and site link the simulated Mahak has, and lists the
    product."""
    details = len(shop.mahak.rows("ProductDetail", live=True))
    assets = len(shop.mahak.rows("ProductDetailStoreAsset", live=True))
    links = sum(1 for r in shop.mahak.rows("VisitorProduct", live=True) if r["VisitorId"] == SITE_VISITOR)
    query = """SELECT (SELECT count(*) FROM product_detail WHERE deleted_at IS NULL),
                      (SELECT count(*) FROM product_detail_stock WHERE deleted_at IS NULL),
                      (SELECT count(*) FROM catalog_live_link)"""
    deadline = time.monotonic() + FIRST_SYNC_S
    with psycopg.connect(shop.database_url, autocommit=True) as conn:
        while True:
            row = conn.execute(query).fetchone()
            assert row is not None
            if row[0] >= details and row[1] >= assets and row[2] >= links:
                break
            assert time.monotonic() < deadline, f"the first sync did not finish: {row} of {details, assets, links}"
            time.sleep(1)
    while httpx2.get(f"{shop.base_url}/product/{product_id}", timeout=30).status_code != 200:
        assert time.monotonic() < deadline, f"product {product_id} is not listed after the first sync"
        time.sleep(1)


@pytest.fixture
def setup_shop(postgres_server_url: str, migrated_template: str, tmp_path: Path) -> Iterator[LiveShop]:
    """``hamgam up`` with the gateway, the scheduler and the worker, on a fresh database holding only the staff
    member, against a simulated Mahak (30 products) that keeps its stock in stores 2 and 3; a sync every 10 s."""
    require_chromium()
    from hamgam_sim.mahak.server import serve_in_thread as serve_mahak
    from hamgam_sim.mahak.simulator import MahakSimulator
    from hamgam_sim.sms.server import serve_in_thread as serve_sms
    from hamgam_sim.zarinpal.server import serve_in_thread as serve_zarinpal

    with (
        fresh_database(postgres_server_url, migrated_template) as database_url,
        serve_mahak(MahakSimulator(products=MAHAK_PRODUCTS)) as mahak,
        serve_zarinpal() as zarinpal,
        serve_sms() as sms,
    ):
        keep_stock_in_stores(mahak.control, STOCK_STORES)
        env = shop_env(
            database_url,
            tmp_path,
            free_port(),
            sms_url=sms.base_url,
            payments_url=zarinpal.base_url,
            mahak_url=mahak.base_url,
            HAMGAM_SYNC__INTERVAL_S=str(SYNC_INTERVAL_S),
        )
        prepare(env, seed=False)
        with serving(["up", "--roles", "api,scheduler,worker"], env, tmp_path) as base_url:
            yield LiveShop(base_url, database_url, sms.control, zarinpal.control, mahak.control, env)


@pytest.fixture
def browser_context_args(browser_context_args: dict, setup_shop: LiveShop) -> dict:
    return {**browser_context_args, "base_url": setup_shop.base_url}


def _number(text: str) -> int:
    return int("".join(ch for ch in to_latin_digits(text) if ch.isdigit()))


def variant_stock(page: Page) -> list[int]:
    """Each variant's stock as the product page lists it (0: out of stock), in a stable order."""
    counts = []
    for item in page.locator("ul.variants li.variant").all():
        shown = item.locator(".stock-in")
        counts.append(_number(shown.inner_text()) if shown.count() else 0)
    return sorted(counts)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_first_run_setup_brings_the_stores_stock_to_the_storefront(
    page: Page, setup_shop: LiveShop, viewport: dict[str, int]
) -> None:
    shop = setup_shop
    page.set_default_timeout(SLOW)
    expect.set_options(timeout=SLOW)
    page.set_viewport_size(viewport)
    # the product looked at: the first with two or more details on sale and stock in the stores
    site = set(shop.mahak.site_offer())
    details_of: dict[int, list[int]] = defaultdict(list)
    for detail in shop.mahak.rows("ProductDetail", live=True):
        if detail["ProductDetailId"] in site:
            details_of[detail["ProductId"]].append(detail["ProductDetailId"])
    stock = store_stock(shop.mahak, STOCK_STORES)
    product_id, details = next(
        (p, ds) for p, ds in sorted(details_of.items()) if len(ds) > 1 and any(stock[d] >= 1 for d in ds)
    )

    # given the first sync ran under the defaults (the visitor's stock, none): the product is out of stock
    wait_for_first_sync(shop, product_id)
    page.goto(f"/product/{product_id}")
    expect(page.locator("ul.variants li.variant")).to_have_count(len(details))
    assert variant_stock(page) == [0] * len(details)

    # the admin follows the dashboard's banner to the setup
    staff_login(page, shop)
    page.locator("#setup-banner").get_by_role("link", name="شروع راه‌اندازی").click()
    expect(page.get_by_role("heading", level=1, name="راه‌اندازی فروشگاه")).to_be_visible()
    assert_fits(page, "setup, connection")

    # step 1: the connection to the simulated Mahak works
    page.get_by_role("button", name="آزمون اتصال به محک").click()
    expect(page.get_by_text("اتصال به محک برقرار است.")).to_be_visible()
    page.get_by_role("link", name="بعدی: خواندن داده‌های محک").click()

    # step 2: Mahak's data says the stock is in stores 2 and 3
    stores = page.locator("#setup-stock")
    expect(stores.locator("input[name='sync.stock_source'][value=stores]")).to_be_checked()
    expect(stores.locator("label", has=page.locator("input[value=stores]"))).to_contain_text("(پیشنهادی)")
    chosen = page.get_by_label("انبارهایی که موجودی‌شان جمع می‌شود")
    assert sorted(int(s) for s in to_latin_digits(chosen.input_value()).split(",")) == list(STOCK_STORES)
    for store in STOCK_STORES:
        expect(stores).to_contain_text(f"انبار {to_persian_digits(str(store))}")
    expect(page.locator("#setup-money input[value=rial]")).to_be_checked()
    assert_fits(page, "setup, what Mahak says")
    page.get_by_role("button", name="بعدی: پیش‌نمایش فروشگاه").click()

    # step 3: the preview lists the first items on sale with their stock in those stores
    preview = page.locator("#setup-preview")
    expect(preview.get_by_role("heading", name="گام ۳: پیش‌نمایش")).to_be_visible()
    first = [d for _, ds in sorted(details_of.items()) for d in sorted(ds)][:PREVIEW_ROWS]
    rows = preview.locator("tbody tr")
    expect(rows).to_have_count(len(first))
    shown = [
        (_number(row.locator("td").nth(2).inner_text()), row.locator("td").nth(3).inner_text()) for row in rows.all()
    ]
    assert shown == [(for_sale(stock[d]), "موجود" if for_sale(stock[d]) else "ناموجود") for d in first]
    assert_fits(page, "setup, preview")

    # step 4: live, and a sync requested
    page.get_by_role("button", name="راه‌اندازی فروشگاه").click()
    expect(page.get_by_role("heading", name="گام ۴: فروشگاه راه افتاد")).to_be_visible()
    assert_fits(page, "setup, live")

    # then the storefront sells each variant's stock in stores 2 and 3, as the simulated Mahak holds it now
    page.locator("#setup-live").get_by_role("link", name="دیدن فروشگاه").click()
    stock = store_stock(shop.mahak, STOCK_STORES)
    expected = sorted(for_sale(stock[d]) for d in details)
    page.goto(f"/product/{product_id}")
    assert variant_stock(page) == expected, json.dumps({"product": product_id, "stock": dict(stock)})
    expect(page.get_by_role("button", name="افزودن به سبد")).to_be_enabled()
    assert_fits(page, "product, after the setup")

    # and when Mahak's desktop puts 5 more of a variant in store 2, the next sync brings them to the storefront
    moved = next(d for d in details if stock[d] >= 1)
    asset = next(
        a
        for a in shop.mahak.rows("ProductDetailStoreAsset", live=True)
        if a["ProductDetailId"] == moved and a["StoreId"] == STOCK_STORES[0]
    )
    shop.mahak.upsert_rows(
        "ProductDetailStoreAsset",
        [{"ProductDetailStoreAssetId": asset["ProductDetailStoreAssetId"], "Count1": float(asset["Count1"]) + 5}],
    )
    stock = store_stock(shop.mahak, STOCK_STORES)
    synced = sorted(for_sale(stock[d]) for d in details)
    assert synced != expected
    deadline = time.monotonic() + FIRST_SYNC_S
    while variant_stock(page) != synced:
        assert time.monotonic() < deadline, f"the stock change did not reach the storefront: {variant_stock(page)}"
        time.sleep(2)
        page.reload()
