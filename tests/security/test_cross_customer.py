"""One customer cannot read or change another's things: cart, orders, payments, addresses, profile, order pages,
and a guest cart is reachable only with its own token. Every attempt by customer B on customer A's object is
refused (404: B cannot even learn it exists) and A's object is unchanged afterwards."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.security.conftest import ON_SALE_DETAIL, PageClient, Person, World

ADDRESS = {
    "recipient_name": "مریم احمدی",
    "mobile": "09121234567",
    "province": "تهران",
    "city": "تهران",
    "line": "خیابان انقلاب، پلاک ۲",
    "postal_code": "1314567890",
}


@dataclass
class Owned:
    """What customer A owns: an address, a cart line, a pending order with a payment started."""

    address_id: int
    order_id: int
    authority: str


async def own_things(world: World, owner: Person) -> Owned:
    api, headers = world.api, owner.headers
    address = await api.post("/api/v1/me/addresses", json=ADDRESS, headers=headers)
    assert address.status_code == 201, address.text
    line = await api.put(f"/api/v1/cart/lines/{ON_SALE_DETAIL}", json={"quantity": 1}, headers=headers)
    assert line.status_code == 200, line.text
    order = await api.post(
        "/api/v1/checkout", json={"shipping_method": "post", "address_id": address.json()["id"]}, headers=headers
    )
    assert order.status_code == 201, order.text
    paying = await api.post(f"/api/v1/orders/{order.json()['id']}/pay", headers=headers)
    assert paying.status_code == 200, paying.text
    authority = paying.json()["authority"]
    # a second line stays in A's cart after checkout, to see that B cannot read or change it
    again = await api.put(f"/api/v1/cart/lines/{ON_SALE_DETAIL}", json={"quantity": 2}, headers=headers)
    assert again.status_code == 200, again.text
    return Owned(address.json()["id"], order.json()["id"], authority)


@pytest.fixture
async def owned(world: World) -> Owned:
    return await own_things(world, world.customer)


async def assert_untouched(world: World, owned: Owned) -> None:
    """A's order is still pending with its payment, A's address and cart line are still there."""
    headers = world.customer.headers
    order = await world.api.get(f"/api/v1/orders/{owned.order_id}", headers=headers)
    assert order.status_code == 200 and order.json()["status"] == "pending_payment", order.text
    addresses = await world.api.get("/api/v1/me/addresses", headers=headers)
    assert [a["id"] for a in addresses.json()] == [owned.address_id]
    cart = await world.api.get("/api/v1/cart", headers=headers)
    assert [(line["product_detail_id"], line["quantity"]) for line in cart.json()["lines"]] == [(ON_SALE_DETAIL, 2)]


async def test_api_orders_payments_and_addresses_of_another_customer_are_not_found(world: World, owned: Owned) -> None:
    api, b = world.api, world.other_customer.headers
    attempts = {
        "read order": await api.get(f"/api/v1/orders/{owned.order_id}", headers=b),
        "cancel order": await api.post(f"/api/v1/orders/{owned.order_id}/cancel", headers=b),
        "start payment": await api.post(f"/api/v1/orders/{owned.order_id}/pay", headers=b),
        "delete address": await api.delete(f"/api/v1/me/addresses/{owned.address_id}", headers=b),
    }
    wrong = {name: (r.status_code, r.text[:200]) for name, r in attempts.items() if r.status_code != 404}
    assert not wrong, wrong
    await assert_untouched(world, owned)


async def test_api_lists_profile_and_cart_show_only_the_callers_own(world: World, owned: Owned) -> None:
    api, b = world.api, world.other_customer.headers
    orders = await api.get("/api/v1/orders", headers=b)
    assert orders.status_code == 200 and orders.json()["items"] == [] and orders.json()["total"] == 0
    addresses = await api.get("/api/v1/me/addresses", headers=b)
    assert addresses.status_code == 200 and addresses.json() == []
    profile = await api.get("/api/v1/me", headers=b)
    assert profile.json()["mobile"] == "09121110002"
    renamed = await api.patch("/api/v1/me", json={"full_name": "دیگری"}, headers=b)
    assert renamed.status_code == 200, renamed.text
    assert (await api.get("/api/v1/me", headers=world.customer.headers)).json()["full_name"] != "دیگری"
    cart = await api.get("/api/v1/cart", headers=b)
    assert cart.status_code == 200 and cart.json()["lines"] == []
    removed = await api.delete(f"/api/v1/cart/lines/{ON_SALE_DETAIL}", headers=b)
    assert removed.status_code == 200 and removed.json()["lines"] == []
    await assert_untouched(world, owned)


async def test_checkout_cannot_ship_to_another_customers_saved_address(world: World, owned: Owned) -> None:
    api, b = world.api, world.other_customer.headers
    await api.put(f"/api/v1/cart/lines/{ON_SALE_DETAIL}", json={"quantity": 1}, headers=b)
    response = await api.post(
        "/api/v1/checkout", json={"shipping_method": "post", "address_id": owned.address_id}, headers=b
    )
    assert response.status_code == 404, response.text
    page = world.page_client(world.other_customer)
    form = await page.post("/checkout", {"shipping_method": "post", "address_id": str(owned.address_id)})
    assert form.status_code in (400, 404, 409), form.text[:300]
    orders = await api.get("/api/v1/orders", headers=b)
    assert orders.json()["total"] == 0
    await assert_untouched(world, owned)


async def test_pages_of_another_customers_order_are_not_found_and_change_nothing(world: World, owned: Owned) -> None:
    b: PageClient = world.page_client(world.other_customer)
    reads = {
        "order page": await b.http.get(f"/account/orders/{owned.order_id}"),
        "payment result page": await b.http.get(f"/account/orders/{owned.order_id}/result?outcome=paid"),
    }
    wrong = {name: (r.status_code, r.text[:200]) for name, r in reads.items() if r.status_code != 404}
    assert not wrong, wrong
    for path in (f"/account/orders/{owned.order_id}/cancel", f"/account/orders/{owned.order_id}/pay"):
        response = await b.post(path)
        # refused: an error page, or back to the order page, which B cannot open
        assert response.status_code in (303, 404), (path, response.status_code, response.text[:200])
        if response.status_code == 303:
            followed = await b.http.get(response.headers["location"])
            assert followed.status_code == 404, (path, response.headers["location"])
    deleted = await b.post(f"/account/addresses/{owned.address_id}/delete")
    assert deleted.status_code in (303, 404)
    listing = await b.http.get("/account/orders")
    assert listing.status_code == 200 and f"/account/orders/{owned.order_id}" not in listing.text
    await assert_untouched(world, owned)


async def test_gateway_return_with_another_customers_authority_shows_them_nothing(world: World, owned: Owned) -> None:
    """Coming back from the gateway with A's authority sends B to A's result page, which B cannot open."""
    b = world.page_client(world.other_customer)
    back = await b.http.get("/checkout/return", params={"Authority": owned.authority, "Status": "NOK"})
    assert back.status_code == 303, back.text[:200]
    result = await b.http.get(back.headers["location"])
    assert result.status_code == 404


async def test_a_guest_cart_is_reachable_only_with_its_own_token(world: World, owned: Owned) -> None:
    api = world.api
    first = (await api.post("/api/v1/cart")).json()["cart_token"]
    second = (await api.post("/api/v1/cart")).json()["cart_token"]
    added = await api.put(f"/api/v1/cart/lines/{ON_SALE_DETAIL}", json={"quantity": 3}, headers={"X-Cart-Token": first})
    assert added.status_code == 200, added.text
    other_guest = await api.get("/api/v1/cart", headers={"X-Cart-Token": second})
    assert other_guest.json()["lines"] == []
    # a logged-in customer sending a guest's token works on their own cart, never the guest's
    cleared = await api.put(
        f"/api/v1/cart/lines/{ON_SALE_DETAIL}",
        json={"quantity": 0},
        headers={"X-Cart-Token": first, **world.other_customer.headers},
    )
    assert cleared.status_code == 200
    guest = await api.get("/api/v1/cart", headers={"X-Cart-Token": first})
    assert [(line["product_detail_id"], line["quantity"]) for line in guest.json()["lines"]] == [(ON_SALE_DETAIL, 3)]
    # a customer's cart id (returned at login) is not a guest token
    a_cart = (await api.get("/api/v1/cart", headers=world.customer.headers)).json()["id"]
    for method in ("GET", "DELETE"):
        url = "/api/v1/cart" if method == "GET" else f"/api/v1/cart/lines/{ON_SALE_DETAIL}"
        response = await api.request(method, url, headers={"X-Cart-Token": str(a_cart)})
        assert response.status_code == 404, (method, response.text)
    await assert_untouched(world, owned)
