"""Mahak's discount on a product detail (``hamgam.domain.pricing``): percent or amount, by the configured codes."""

from __future__ import annotations

import pytest

from hamgam.domain.pricing import DiscountCodes, discount_rial, shop_price

CODES = DiscountCodes(percent=0, amount=1)


@pytest.mark.parametrize(
    ("price", "discount", "kind", "expected"),
    [
        (1_000_000, 10.0, 0, 900_000),  # ten percent off
        (999_999, 12.5, 0, 875_000),  # the Rial taken off round down: 124,999.875 → 124,999
        (1_000_000, 150.0, 0, 0),  # more than 100 percent is 100
        (1_000_000, 25_000.0, 1, 975_000),  # an amount off, in Rial
        (1_000_000, 2_000_000.0, 1, 0),  # never below zero
        (1_000_000, 0.0, 0, 1_000_000),  # no discount
        (1_000_000, -5.0, 0, 1_000_000),  # a negative discount takes nothing
        (1_000_000, None, 0, 1_000_000),
        (1_000_000, 10.0, 7, 1_000_000),  # an unknown DiscountType takes nothing
        (0, 10.0, 0, 0),  # no price stays no price
    ],
)
def test_shop_price(price: int, discount: float | None, kind: int, expected: int) -> None:
    assert shop_price(price, discount, kind, CODES) == expected


def test_an_amount_in_a_toman_database_is_taken_off_in_rial() -> None:
    toman = DiscountCodes(percent=0, amount=1, rial_per_unit=10)
    assert discount_rial(1_000_000, 2_500.0, 1, toman) == 25_000


def test_the_codes_are_settings_not_constants() -> None:
    swapped = DiscountCodes(percent=1, amount=0)
    assert shop_price(1_000_000, 10.0, 1, swapped) == 900_000
    assert shop_price(1_000_000, 10.0, 0, swapped) == 999_990
