"""Checkout against in-memory repositories: validation, totals, the stock held with the order, and nothing
changed when any line fails."""

from __future__ import annotations

import pytest

from hamgam.adapters.ratelimit.memory import MemoryRateLimiter
from hamgam.domain.checkout import Address
from hamgam.domain.errors import Conflict, InvalidInput, NotFound, OutOfStock
from hamgam.services.store.cart import CartService
from hamgam.services.store.checkout import CheckoutService
from hamgam.services.store.orders import get_order
from hamgam.settings import ShopSettings
from tests.fakes.store import StoreData, store_uow

CUSTOMER = 7
ADDRESS = Address.parse(
    recipient_name="علی رضایی",
    mobile="۰۹۱۲۱۲۳۴۵۶۷",
    province="تهران",
    city="تهران",
    line="خیابان آزادی، پلاک ۱",
    postal_code="13145-67890",
)


def services(data: StoreData, **store: object) -> tuple[CartService, CheckoutService]:
    settings = ShopSettings(**store)
    uow = store_uow(data)
    return CartService(uow, settings, MemoryRateLimiter()), CheckoutService(uow, settings)


def shop() -> StoreData:
    data = StoreData()
    data.add_product(1, price_rial=2_000_000, on_hand=5)
    data.add_product(2, price_rial=500_000, on_hand=1)
    data.customers[CUSTOMER] = "09121234567"
    return data


async def fill(carts: CartService, *lines: tuple[int, int]) -> None:
    cart_id = await carts.resolve(customer_id=CUSTOMER, guest_cart_id=None)
    for detail, quantity in lines:
        await carts.set_line(cart_id, detail, quantity)


async def test_an_order_holds_its_stock_and_closes_the_cart() -> None:
    data = shop()
    carts, checkout = services(data)
    await fill(carts, (1, 2), (2, 1))
    order = await checkout.place_order(CUSTOMER, shipping_method="post", address=ADDRESS, note="زنگ نزنید")
    # then the order waits for payment with its totals in Rial
    assert order["status"] == "pending_payment"
    assert order["items_rial"] == 2 * 2_000_000 + 500_000
    assert order["total_rial"] == order["items_rial"] + order["shipping_rial"] + order["vat_rial"]
    assert [(ln["product_detail_id"], ln["quantity"]) for ln in order["lines"]] == [(1, 2), (2, 1)]
    assert [e["to_status"] for e in order["events"]] == ["pending_payment"]
    # and its units are held, and the cart is closed (a new one is empty)
    assert (data.available(1), data.available(2)) == (3, 0)
    assert [c["status"] for c in data.carts.values()] == ["ordered"]
    assert (await carts.view(await carts.resolve(customer_id=CUSTOMER, guest_cart_id=None)))["lines"] == []


async def test_a_short_line_leaves_nothing_behind() -> None:
    data = shop()
    carts, checkout = services(data)
    await fill(carts, (1, 1), (2, 1))
    data.products[2].on_hand = 0  # sold in Mahak meanwhile
    with pytest.raises(OutOfStock) as raised:
        await checkout.place_order(CUSTOMER, shipping_method="post", address=ADDRESS)
    assert raised.value.details == {"product_detail_id": 2, "available": 0}
    # no order, no hold, and the cart is still there to fix
    assert data.orders == {} and data.ledger == [] and data.available(1) == 5
    assert [c["status"] for c in data.carts.values()] == ["active"]


async def test_checkout_refuses_what_it_cannot_ship_or_sell() -> None:
    data = shop()
    carts, checkout = services(data)
    with pytest.raises(InvalidInput) as empty:
        await checkout.place_order(CUSTOMER, shipping_method="post", address=ADDRESS)
    assert empty.value.field == "cart"
    await fill(carts, (1, 1))
    with pytest.raises(InvalidInput) as shipping:
        await checkout.place_order(CUSTOMER, shipping_method="camel", address=ADDRESS)
    assert shipping.value.field == "shipping_method"
    with pytest.raises(InvalidInput) as both:
        await checkout.place_order(CUSTOMER, shipping_method="post", address=ADDRESS, address_id=1)
    assert both.value.field == "address"
    with pytest.raises(NotFound):
        await checkout.place_order(CUSTOMER, shipping_method="post", address_id=99)
    data.products[1].price_rial = 0  # taken off sale
    with pytest.raises(Conflict) as off_sale:
        await checkout.place_order(CUSTOMER, shipping_method="post", address=ADDRESS)
    assert off_sale.value.details["product_detail_id"] == 1
    assert data.orders == {}


async def test_a_saved_address_is_used_as_it_is() -> None:
    data = shop()
    data.addresses[(CUSTOMER, 4)] = ADDRESS
    carts, checkout = services(data)
    await fill(carts, (2, 1))
    order = await checkout.place_order(CUSTOMER, shipping_method="pickup", address_id=4)
    assert order["address"] == ADDRESS.as_dict()
    assert order["shipping_rial"] == 0


async def test_the_variant_is_kept_on_the_order_line_as_it_was_at_checkout() -> None:
    data = shop()
    data.add_product(3, price_rial=3_000_000, on_hand=4, variant="رنگ: صورتی، سایز: XL")
    carts, checkout = services(data)
    await fill(carts, (3, 1), (1, 1))
    cart = await carts.view(await carts.resolve(customer_id=CUSTOMER, guest_cart_id=None))
    assert [(ln["product_detail_id"], ln["variant"]) for ln in cart["lines"]] == [
        (3, "رنگ: صورتی، سایز: XL"),
        (1, ""),
    ]
    order = await checkout.place_order(CUSTOMER, shipping_method="post", address=ADDRESS)
    # a later rename in Mahak does not reach the placed order
    data.products[3].variant = "فام: صورتی، سایز: XL"
    again = await get_order(store_uow(data), order["id"], customer_id=CUSTOMER)
    assert [(ln["product_detail_id"], ln["variant"]) for ln in again["lines"]] == [
        (1, ""),
        (3, "رنگ: صورتی، سایز: XL"),
    ]


async def test_the_quote_and_the_order_use_the_merchants_rule() -> None:
    # given: courier is cheaper in Tehran and adds 100,000 Rial over 1 kg; product 1 weighs 400 g
    from dataclasses import replace

    from hamgam.domain.shipping_rates import WeightTier

    data = shop()
    data.products[1].weight_g = 400
    data.shipping[2] = replace(
        data.shipping[2], province_rial={"تهران": 500_000}, weight_tiers=(WeightTier(1000, 100_000),)
    )
    carts, checkout = services(data)
    await fill(carts, (1, 3))
    # when
    quote = await checkout.quote(CUSTOMER, shipping_method="courier", province="تهران")
    order = await checkout.place_order(CUSTOMER, shipping_method="courier", address=ADDRESS)
    # then: 1.2 kg to Tehran, in the quote and on the order alike
    assert quote["shipping_rial"] == order["shipping_rial"] == 600_000
    assert quote["total_rial"] == order["total_rial"] == 3 * 2_000_000 + 600_000
    # and an unknown method in a quote falls back to the first on offer
    assert (await checkout.quote(CUSTOMER, shipping_method="nope"))["shipping_method"] == "post"


async def test_shipping_method_edits_are_audited_in_their_transaction() -> None:
    from hamgam.domain.shipping_rates import parse_rate
    from hamgam.services.store.shipping_methods import ShippingMethodsService

    data = shop()
    service = ShippingMethodsService(store_uow(data))
    rate = parse_rate(code="", title="تیپاکس", kind="delivery", base_toman="90000")
    added = await service.add(rate, actor="admin:1")
    await service.set_active(added.id or 0, False, actor="admin:1")
    assert [a[1] for a in data.audit] == ["shipping_method.add", "shipping_method.disable"]
    assert added.code.startswith("m-") and not (await service.get(added.id or 0)).active
    with pytest.raises(NotFound):
        await service.set_active(999, True, actor="admin:1")
