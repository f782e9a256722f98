"""The admin customer page (and its API twin) shows a customer who has orders, in every state."""

from __future__ import annotations

import orjson
from sqlalchemy import text

from hamgam.domain.orders import OrderStatus
from tests.api.conftest import Api
from tests.web.conftest import Web, web  # noqa: F401  (fixture)

MOBILE = "09121112233"


async def _customer_with_orders(web: Web) -> int:  # noqa: F811
    async with web.container.engine.begin() as conn:
        customer_id = await conn.scalar(
            text("INSERT INTO customer (mobile, full_name) VALUES (:m, 'مریم') RETURNING id"), {"m": MOBILE}
        )
        for status in OrderStatus:
            await conn.execute(
                text("""INSERT INTO store_order (customer_id, status, items_rial, shipping_rial, total_rial,
                            shipping_method, address)
                        VALUES (:c, :s, 1000000, 450000, 1450000, 'post', CAST(:a AS jsonb))"""),
                {"c": customer_id, "s": str(status), "a": orjson.dumps({"city": "تهران"}).decode()},
            )
    return customer_id


async def test_admin_customer_page_shows_orders_of_every_state(web: Web) -> None:  # noqa: F811
    # given
    customer_id = await _customer_with_orders(web)
    await web.login_staff()
    # when
    response = await web.http.get(f"/admin/customers/{customer_id}")
    # then: every order is listed with its status label
    assert response.status_code == 200, response.text[:500]
    for status in OrderStatus:
        assert f'class="status {status}"' in response.text
    assert "در انتظار پرداخت" in response.text and "تحویل‌شده" in response.text


async def test_admin_customer_api_for_customer_with_orders(web: Web) -> None:  # noqa: F811
    # given
    customer_id = await _customer_with_orders(web)
    headers = await Api(web.http, web.container).login("09120000009", role="staff")
    # when
    response = await web.http.get(f"/api/v1/admin/customers/{customer_id}", headers=headers)
    # then
    assert response.status_code == 200, response.text
    assert response.json()["mobile"] == MOBILE
