"""The gateway end to end: roles on every route, tokens, ownership of orders, clear 4xx errors, request ids."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api
from tests.store.conftest import seed_product

ADDRESS = {
    "recipient_name": "علی",
    "mobile": "۰۹۱۲۱۲۳۴۵۶۷",
    "province": "تهران",
    "city": "تهران",
    "line": "خیابان آزادی ۱",
    "postal_code": "۱۳۱۴۵۶۷۸۹۰",
}


async def _order(api: Api, headers: dict[str, str]) -> int:
    detail = await seed_product(api.container.engine, 1, "چای", stock=5)
    await api.http.put(f"/api/v1/cart/lines/{detail}", json={"quantity": 1}, headers=headers)
    response = await api.http.post(
        "/api/v1/checkout", json={"shipping_method": "post", "address": ADDRESS}, headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_checkout_pay_and_callback_through_the_api(api: Api) -> None:
    # given a guest cart merged at login
    detail = await seed_product(api.container.engine, 1, "چای", stock=5, price_rial=1_250_000)
    guest = (await api.http.post("/api/v1/cart")).json()["cart_token"]
    put = await api.http.put(f"/api/v1/cart/lines/{detail}", json={"quantity": 2}, headers={"X-Cart-Token": guest})
    assert put.status_code == 200 and put.json()["items_rial"] == 2_500_000
    await api.http.post("/api/v1/auth/otp/request", json={"mobile": "09121234567"})
    code = api.container.sms.last_otp("09121234567")
    tokens = (
        await api.http.post(
            "/api/v1/auth/otp/verify", json={"mobile": "09121234567", "code": code, "cart_token": guest}
        )
    ).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    # when the customer checks out, pays and the gateway calls back
    order = (
        await api.http.post("/api/v1/checkout", json={"shipping_method": "post", "address": ADDRESS}, headers=headers)
    ).json()
    pay = (await api.http.post(f"/api/v1/orders/{order['id']}/pay", headers=headers)).json()
    callback_url = api.container.payment_gateway.pay(pay["authority"])
    outcome = await api.http.get("/api/v1/payments/callback", params={"Authority": pay["authority"], "Status": "OK"})
    # then the order is paid for 2 units + shipping, in Rial
    assert callback_url.startswith("http://127.0.0.1:8000/api/v1/payments/callback")
    assert outcome.json()["order_status"] == "paid"
    history = (await api.http.get("/api/v1/orders", headers=headers)).json()
    assert [(o["id"], o["status"], o["total_rial"]) for o in history["items"]] == [(order["id"], "paid", 2_950_000)]


async def test_customer_cannot_read_another_customers_order(api: Api) -> None:
    owner = await api.login("09120000001")
    other = await api.login("09120000002")
    order_id = await _order(api, owner)
    assert (await api.http.get(f"/api/v1/orders/{order_id}", headers=owner)).status_code == 200
    response = await api.http.get(f"/api/v1/orders/{order_id}", headers=other)
    assert response.status_code == 404
    assert (await api.http.post(f"/api/v1/orders/{order_id}/pay", headers=other)).status_code == 404


async def test_customer_token_cannot_reach_admin_routes(api: Api) -> None:
    customer = await api.login("09120000001")
    staff = await api.login("09120000009", role="staff")
    admin = await api.login("09120000008", role="admin")
    for path in (
        "/api/v1/admin/products",
        "/api/v1/admin/orders",
        "/api/v1/admin/sync/status",
        "/api/v1/admin/dead-letters",
        "/api/v1/admin/customers",
    ):
        assert (await api.http.get(path, headers=customer)).status_code == 403, path
        assert (await api.http.get(path)).status_code == 401, path
        assert (await api.http.get(path, headers=staff)).status_code == 200, path
    assert (await api.http.get("/api/v1/admin/settings", headers=staff)).status_code == 403
    settings = (await api.http.get("/api/v1/admin/settings", headers=admin)).json()
    assert settings["auth"]["jwt_secret"] == "**********"


async def test_tampered_expired_and_revoked_tokens_are_refused(api: Api) -> None:
    await api.http.post("/api/v1/auth/otp/request", json={"mobile": "09120000001"})
    code = api.container.sms.last_otp("09120000001")
    pair = (await api.http.post("/api/v1/auth/otp/verify", json={"mobile": "09120000001", "code": code})).json()
    good = {"Authorization": f"Bearer {pair['access_token']}"}
    assert (await api.http.get("/api/v1/me", headers=good)).status_code == 200
    tampered = {"Authorization": f"Bearer {pair['access_token'][:-2]}xx"}
    response = await api.http.get("/api/v1/me", headers=tampered)
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
    rotated = (await api.http.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})).json()
    reuse = await api.http.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert reuse.status_code == 401
    assert (
        await api.http.get("/api/v1/me", headers={"Authorization": f"Bearer {rotated['access_token']}"})
    ).status_code == 401


async def test_staff_moves_order_through_the_state_machine(api: Api) -> None:
    customer = await api.login("09120000001")
    staff = await api.login("09120000009", role="staff")
    order_id = await _order(api, customer)
    shipped = await api.http.post(f"/api/v1/admin/orders/{order_id}/status", json={"status": "shipped"}, headers=staff)
    assert shipped.status_code == 409 and "pending_payment" in shipped.json()["error"]["message"]
    paid = await api.http.post(f"/api/v1/admin/orders/{order_id}/status", json={"status": "paid"}, headers=staff)
    assert paid.status_code == 403
    # cancelling cannot be undone: without an explicit confirmation nothing changes and the answer says why
    unconfirmed = await api.http.post(
        f"/api/v1/admin/orders/{order_id}/status",
        json={"status": "cancelled", "reason": "duplicate"},
        headers=staff,
    )
    assert unconfirmed.status_code == 409
    error = unconfirmed.json()["error"]
    assert error["code"] == "confirmation_required" and '"confirm": true' in error["message"]
    assert "کالاهای سفارش دوباره برای فروش آزاد می‌شوند" in error["details"]["follows"]
    still = (await api.http.get(f"/api/v1/admin/orders/{order_id}", headers=staff)).json()
    assert still["status"] == "pending_payment"
    cancelled = await api.http.post(
        f"/api/v1/admin/orders/{order_id}/status",
        json={"status": "cancelled", "reason": "duplicate", "confirm": True},
        headers=staff,
    )
    assert cancelled.status_code == 200
    assert [e["to_status"] for e in cancelled.json()["events"]] == ["pending_payment", "cancelled"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("post", "/api/v1/auth/otp/request", {"mobile": "123"}, 400),
        ("post", "/api/v1/auth/register", {"mobile": "09121234567", "code": "123456", "password": "short"}, 400),
        ("post", "/api/v1/auth/register", {"mobile": "09121234567"}, 422),
        ("get", "/api/v1/products/99999999999999999999", None, 422),
        ("get", "/api/v1/products/5", None, 404),
        ("get", "/api/v1/products?sort=bogus", None, 422),
        ("get", "/api/v1/products?q=%00", None, 200),
        ("put", "/api/v1/cart/lines/1", {"quantity": 1}, 404),
        ("post", "/api/v1/auth/refresh", {"refresh_token": "nope"}, 401),
        ("get", "/api/v1/payments/callback?Authority=A123&Status=OK", None, 404),
    ],
)
async def test_bad_input_gets_a_clear_4xx(api: Api, method: str, path: str, body: dict | None, status: int) -> None:
    response = await api.http.request(method, path, json=body)
    assert response.status_code == status, response.text
    if status >= 400:
        error = response.json()["error"]
        assert error["message"] and error["request_id"] == response.headers["x-request-id"]


async def test_login_is_rate_limited_with_retry_after(api: Api) -> None:
    for _ in range(api.container.settings.auth.login_attempts):
        await api.http.post("/api/v1/auth/login", json={"mobile": "09121234567", "password": "whatever-1"})
    response = await api.http.post("/api/v1/auth/login", json={"mobile": "09121234567", "password": "whatever-1"})
    assert response.status_code == 429 and int(response.headers["retry-after"]) > 0


async def test_health_and_request_id(api: Api) -> None:
    assert (await api.http.get("/healthz")).json() == {"status": "ok"}
    ready = await api.http.get("/readyz", headers={"X-Request-ID": "abc-123"})
    assert ready.status_code == 200 and ready.headers["x-request-id"] == "abc-123"
    assert (await api.http.get("/api/openapi.json")).json()["info"]["title"] == "Hamgam API"


async def test_cancelling_a_paid_order_through_the_api_needs_confirmation_and_says_the_money_stays(api: Api) -> None:
    customer = await api.login("09120000001")
    staff = await api.login("09120000009", role="staff")
    order_id = await _order(api, customer)
    pay = (await api.http.post(f"/api/v1/orders/{order_id}/pay", headers=customer)).json()
    api.container.payment_gateway.pay(pay["authority"])
    await api.http.get("/api/v1/payments/callback", params={"Authority": pay["authority"], "Status": "OK"})
    url = f"/api/v1/admin/orders/{order_id}/status"
    refused = await api.http.post(url, json={"status": "cancelled", "confirm": False}, headers=staff)
    assert refused.status_code == 409
    follows = refused.json()["error"]["details"]["follows"]
    assert any("این سامانه برنمی‌گرداند" in line for line in follows), follows
    assert (await api.http.get(f"/api/v1/admin/orders/{order_id}", headers=staff)).json()["status"] == "paid"
    # a move that loses nothing needs no confirmation
    moved = await api.http.post(url, json={"status": "sent_to_accounting"}, headers=staff)
    assert moved.status_code == 200
    done = await api.http.post(url, json={"status": "cancelled", "confirm": True}, headers=staff)
    assert done.status_code == 200 and done.json()["status"] == "cancelled"


async def test_the_openapi_document_describes_the_cancel_confirmation(api: Api) -> None:
    schema = (await api.http.get("/api/openapi.json")).json()
    confirm = schema["components"]["schemas"]["OrderStatusIn"]["properties"]["confirm"]
    assert (
        confirm["type"] == "boolean"
        and confirm["default"] is False
        and "confirmation_required" in confirm["description"]
    )
    route = schema["paths"]["/api/v1/admin/orders/{order_id}/status"]["post"]
    assert "409" in route["responses"] and '"confirm": true' in route["description"]
