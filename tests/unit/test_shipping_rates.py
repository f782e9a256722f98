"""The merchant's shipping cost rule and its form (``hamgam.domain.shipping_rates``), Iran's places list, and the
address form reporting every mistake at once."""

from __future__ import annotations

import pytest

from hamgam.domain.checkout import Address
from hamgam.domain.errors import InvalidInput
from hamgam.domain.places import canonical_city, canonical_province, provinces
from hamgam.domain.shipping_rates import (
    ShippingKind,
    ShippingRate,
    WeightTier,
    cart_weight_g,
    choose,
    parse_rate,
    shipping_cost,
)

POST = ShippingRate(
    code="post",
    title="پست",
    base_rial=450_000,
    province_rial={"تهران": 300_000, "سیستان و بلوچستان": 900_000},
    weight_tiers=(WeightTier(2_000, 100_000), WeightTier(5_000, 250_000)),
    free_over_rial=50_000_000,
)
PICKUP = ShippingRate(code="pickup", title="حضوری", kind=ShippingKind.PICKUP)


def test_cost_is_the_base_or_the_provinces_own_cost() -> None:
    assert shipping_cost(POST, province="فارس", items_rial=1_000_000) == 450_000
    assert shipping_cost(POST, province="تهران", items_rial=1_000_000) == 300_000
    # the province as buyers may type it: Arabic letters, «استان» in front
    assert shipping_cost(POST, province="استان سيستان و بلوچستان", items_rial=1) == 900_000
    assert shipping_cost(POST, province=None, items_rial=1) == 450_000


def test_the_heaviest_tier_reached_adds_its_extra() -> None:
    assert shipping_cost(POST, province="فارس", items_rial=1, weight_g=2_000) == 450_000
    assert shipping_cost(POST, province="فارس", items_rial=1, weight_g=2_001) == 550_000
    assert shipping_cost(POST, province="تهران", items_rial=1, weight_g=9_000) == 550_000


def test_free_over_the_threshold_and_pickup_has_no_province_or_weight() -> None:
    assert shipping_cost(POST, province="تهران", items_rial=50_000_000, weight_g=9_000) == 0
    assert shipping_cost(POST, province="تهران", items_rial=49_999_999) == 300_000
    assert shipping_cost(PICKUP, province="تهران", items_rial=1, weight_g=10_000) == 0
    assert not PICKUP.needs_address and POST.needs_address


def test_cart_weight_counts_quantities_and_ignores_missing_weights() -> None:
    assert cart_weight_g([(2, 500.0), (3, None), (1, -5.0)]) == 1_000.0


def test_choose_refuses_an_unknown_or_disabled_method() -> None:
    off = ShippingRate(code="off", title="x", active=False)
    assert choose([POST, off], "post") is POST
    for code in ("off", "nope"):
        with pytest.raises(InvalidInput) as refused:
            choose([POST, off], code)
        assert refused.value.field == "shipping_method"


def test_the_merchants_form_in_toman_with_persian_digits() -> None:
    rate = parse_rate(
        code="m-1",
        title="  پیک   موتوری ",
        kind="delivery",
        base_toman="۷۰٬۰۰۰",
        free_over_toman="5000000",
        province_toman={"تهران": "۵۰۰۰۰", "قم": ""},
        tiers=[("3000", "20000"), ("", ""), ("1000", "10000")],
    )
    assert rate.title == "پیک موتوری" and rate.base_rial == 700_000 and rate.free_over_rial == 50_000_000
    assert rate.province_rial == {"تهران": 500_000}
    assert rate.weight_tiers == (WeightTier(1000, 100_000), WeightTier(3000, 200_000))


def test_the_merchants_form_reports_every_mistake_at_once() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_rate(
            code="m-1",
            title="",
            kind="teleport",
            base_toman="-5",
            province_toman={"آتلانتیس": "100"},
            tiers=[("abc", "10"), ("100", "")],
        )
    errors = refused.value.details["errors"]
    assert isinstance(errors, dict)
    assert set(errors) == {"title", "kind", "base_toman", "province:آتلانتیس", "tier0", "tier1"}


def test_places_list_all_31_provinces_with_their_centres() -> None:
    places = provinces()
    assert len(places) == 31
    centres = {"تهران": "تهران", "فارس": "شیراز", "خراسان رضوی": "مشهد", "البرز": "کرج", "هرمزگان": "بندر عباس",
               "سیستان و بلوچستان": "زاهدان", "کهگیلویه و بویراحمد": "یاسوج", "گیلان": "رشت"}  # fmt: skip
    for province, centre in centres.items():
        assert centre in places[province]
    assert all(places.values()) and sum(map(len, places.values())) > 1000
    assert canonical_province("استان كرمان") == "کرمان" and canonical_province("Narnia") is None
    assert canonical_city("فارس", "شيراز") == "شیراز" and canonical_city("فارس", "کرج") is None


def test_an_address_reports_every_field_at_once_and_keeps_listed_names() -> None:
    with pytest.raises(InvalidInput) as refused:
        Address.parse(recipient_name="", mobile="123", province="تهران", city="شیراز", line="", postal_code="12")
    errors = refused.value.details["errors"]
    assert isinstance(errors, dict) and set(errors) == {"recipient_name", "mobile", "postal_code", "city", "line"}
    address = Address.parse(
        recipient_name="سارا", mobile="09121234567", province="استان فارس", city="شيراز", line="خیابان زند",
        postal_code="7134567890",
    )  # fmt: skip
    assert (address.province, address.city) == ("فارس", "شیراز")
