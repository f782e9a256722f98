"""Cart and order lines in the JSON API name the variant by its Mahak property names."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.test_gateway import ADDRESS
from tests.web.test_variants import seed_pot_into

PINK_XL = 2011


async def test_cart_and_order_lines_carry_the_variant(api: Api) -> None:
    await seed_pot_into(api.container.engine, with_colour_name=True)
    headers = await api.login("09125550022")
    put = await api.http.put(f"/api/v1/cart/lines/{PINK_XL}", json={"quantity": 1}, headers=headers)
    assert put.status_code == 200, put.text
    assert [(ln["product_detail_id"], ln["variant"]) for ln in put.json()["lines"]] == [
        (PINK_XL, "رنگ: صورتی، سایز: XL")
    ]
    body = {"shipping_method": "post", "address": ADDRESS}
    order = await api.http.post("/api/v1/checkout", json=body, headers=headers)
    assert order.status_code == 201, order.text
    read = (await api.http.get(f"/api/v1/orders/{order.json()['id']}", headers=headers)).json()
    assert [(ln["name"], ln["variant"]) for ln in read["lines"]] == [("قابلمه رامک", "رنگ: صورتی، سایز: XL")]
