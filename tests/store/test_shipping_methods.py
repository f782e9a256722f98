"""The merchant's shipping methods on PostgreSQL: the seeded methods, edits through the store's unit of work
(audited, rolled back together), and checkout charging the rule for the province and the cart's weight."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import text

from hamgam.domain.checkout import Address
from hamgam.domain.errors import InvalidInput
from hamgam.domain.shipping_rates import ShippingKind, WeightTier, parse_rate
from tests.store.conftest import ADDRESS, StoreWorld, add_customer, scalar, seed_product


async def test_a_fresh_shop_has_the_seeded_methods(world: StoreWorld) -> None:
    methods = await world.core.checkout.shipping_methods()
    assert [(m.code, m.kind, m.base_rial) for m in methods] == [
        ("post", ShippingKind.DELIVERY, 450_000),
        ("courier", ShippingKind.DELIVERY, 700_000),
        ("pickup", ShippingKind.PICKUP, 0),
    ]


async def test_methods_round_trip_through_the_unit_of_work_and_edits_are_audited(world: StoreWorld) -> None:
    # given a new method with a province cost and weight tiers
    rate = parse_rate(
        code="", title="تیپاکس", kind="delivery", base_toman="80000", free_over_toman="3000000",
        province_toman={"فارس": "60000"}, tiers=[("2000", "15000")], position=5,
    )  # fmt: skip
    added = await world.core.shipping.add(rate, actor="admin:1")
    # then it reads back as written, under a fresh code
    stored = await world.core.shipping.get(added.id or 0)
    assert stored.code.startswith("m-") and stored.title == "تیپاکس"
    assert stored.province_rial == {"فارس": 600_000} and stored.weight_tiers == (WeightTier(2000, 150_000),)
    assert stored.free_over_rial == 30_000_000
    # when it is edited and then taken off offer
    await world.core.shipping.update(stored.id or 0, dataclasses.replace(stored, base_rial=900_000), actor="admin:1")
    await world.core.shipping.set_active(stored.id or 0, False, actor="admin:1")
    # then checkout no longer offers it, the admin still lists it, and each change has its audit entry
    assert stored.code not in [m.code for m in await world.core.checkout.shipping_methods()]
    every = {m.code: m for m in await world.core.shipping.all()}
    assert every[stored.code].base_rial == 900_000 and not every[stored.code].active
    async with world.engine.connect() as conn:
        actions = (
            (
                await conn.execute(
                    text("SELECT action FROM audit_log WHERE target = :t ORDER BY id"),
                    {"t": f"shipping_method:{stored.id}"},
                )
            )
            .scalars()
            .all()
        )
    assert actions == ["shipping_method.add", "shipping_method.update", "shipping_method.disable"]


async def test_a_failed_unit_of_work_keeps_neither_the_change_nor_its_audit(world: StoreWorld) -> None:
    before = await scalar(world.engine, "SELECT count(*) FROM audit_log")
    methods = await world.core.shipping.all()
    with pytest.raises(RuntimeError):
        async with world.core.uow() as uow:
            await uow.shipping.update(dataclasses.replace(methods[0], base_rial=1))
            await uow.audit.record("admin:1", "shipping_method.update", "shipping_method:1")
            raise RuntimeError("boom")
    assert (await world.core.shipping.get(methods[0].id or 0)).base_rial == 450_000
    assert await scalar(world.engine, "SELECT count(*) FROM audit_log") == before


async def test_checkout_charges_the_province_cost_and_the_weight_tier(world: StoreWorld) -> None:
    # given post costs less to Fars and more for carts over 1 kg, and a 600 g product
    post = (await world.core.checkout.shipping_methods())[0]
    cheaper = dataclasses.replace(post, province_rial={"فارس": 300_000}, weight_tiers=(WeightTier(1000, 50_000),))
    await world.core.shipping.update(post.id or 0, cheaper, actor="admin:1")
    detail = await seed_product(world.engine, 7, "عسل", price_rial=2_000_000)
    async with world.engine.begin() as conn:
        await conn.execute(text("UPDATE product SET weight = 600 WHERE mahak_id = 7"))
    customer = await add_customer(world.engine, "09120000007")
    cart = await world.core.carts.resolve(customer_id=customer, guest_cart_id=None)
    await world.core.carts.set_line(cart, detail, 2)
    shiraz = Address.parse(
        recipient_name="سارا", mobile="09121234567", province="فارس", city="شیراز", line="خیابان زند",
        postal_code="7134567890",
    )  # fmt: skip
    # when the buyer asks for a quote, then orders
    quote = await world.core.checkout.quote(customer, shipping_method="post", province="فارس")
    order = await world.core.checkout.place_order(customer, shipping_method="post", address=shiraz)
    # then the order charges what the quote showed: Fars's cost plus the tier (1.2 kg)
    assert quote["shipping_rial"] == order["shipping_rial"] == 350_000
    assert quote["total_rial"] == order["total_rial"] == 4_000_000 + 350_000
    assert {m["code"]: m["cost_rial"] for m in quote["methods"]}["courier"] == 700_000


async def test_pickup_needs_no_address_and_a_disabled_method_is_refused(world: StoreWorld) -> None:
    detail = await seed_product(world.engine, 8, "چای")
    customer = await add_customer(world.engine, "09120000008")
    cart = await world.core.carts.resolve(customer_id=customer, guest_cart_id=None)
    await world.core.carts.set_line(cart, detail, 1)
    courier = (await world.core.checkout.shipping_methods())[1]
    await world.core.shipping.set_active(courier.id or 0, False, actor="admin:1")
    with pytest.raises(InvalidInput) as refused:
        await world.core.checkout.place_order(customer, shipping_method="courier", address=ADDRESS)
    assert refused.value.field == "shipping_method"
    order = await world.core.checkout.place_order(customer, shipping_method="pickup")
    assert order["shipping_rial"] == 0 and order["shipping_method"] == "pickup"
