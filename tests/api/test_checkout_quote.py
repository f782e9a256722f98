"""The JSON API prices checkout with the one rule the pages use: the methods on offer, a quote for a method and
a province, and the order charging what the quote said; pickup orders need no address."""

from __future__ import annotations

import dataclasses

from tests.api.conftest import Api
from tests.api.test_gateway import ADDRESS
from tests.store.conftest import seed_product


async def test_the_quote_and_the_order_charge_the_same(api: Api) -> None:
    # given: post costs 20,000 Toman in Tehran, and a customer with two units in the cart
    shipping = api.container.store.shipping
    post = next(m for m in await shipping.all() if m.code == "post")
    await shipping.update(post.id or 0, dataclasses.replace(post, province_rial={"تهران": 200_000}), actor="t")
    methods = (await api.http.get("/api/v1/shipping-methods")).json()
    assert [(m["code"], m["kind"], m["needs_address"]) for m in methods] == [
        ("post", "delivery", True), ("courier", "delivery", True), ("pickup", "pickup", False),
    ]  # fmt: skip
    headers = await api.login("09120000031")
    detail = await seed_product(api.container.engine, 3, "قهوه", stock=5, price_rial=1_000_000)
    await api.http.put(f"/api/v1/cart/lines/{detail}", json={"quantity": 2}, headers=headers)
    # when: the customer asks for a quote to Tehran, then orders
    quote = await api.http.post(
        "/api/v1/checkout/quote", json={"shipping_method": "post", "province": "تهران"}, headers=headers
    )
    order = await api.http.post(
        "/api/v1/checkout", json={"shipping_method": "post", "address": ADDRESS}, headers=headers
    )
    # then: both charge Tehran's cost, and the quote lists every method's cost there
    assert quote.status_code == 200 and order.status_code == 201, (quote.text, order.text)
    assert quote.json()["shipping_rial"] == order.json()["shipping_rial"] == 200_000
    assert quote.json()["total_rial"] == order.json()["total_rial"] == 2_200_000
    assert {m["code"]: m["cost_rial"] for m in quote.json()["methods"]} == {
        "post": 200_000,
        "courier": 700_000,
        "pickup": 0,
    }


async def test_a_pickup_order_needs_no_address(api: Api) -> None:
    headers = await api.login("09120000032")
    detail = await seed_product(api.container.engine, 4, "چای", stock=5)
    await api.http.put(f"/api/v1/cart/lines/{detail}", json={"quantity": 1}, headers=headers)
    without = await api.http.post("/api/v1/checkout", json={"shipping_method": "post"}, headers=headers)
    assert without.status_code == 400 and without.json()["error"]["field"] == "address", without.text
    order = await api.http.post("/api/v1/checkout", json={"shipping_method": "pickup"}, headers=headers)
    assert order.status_code == 201 and order.json()["shipping_rial"] == 0, order.text
