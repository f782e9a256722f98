"""The one "available" rule: Mahak's whole units for sale less the store's holds, never below zero."""

from __future__ import annotations

import pytest

from hamgam.domain.stock import available, for_sale


@pytest.mark.parametrize(
    ("on_hand", "reserved", "expected"),
    [(10, 3, 7), (2.9, 0, 2), (2.9, 2, 0), (-4, 0, 0), (-0.5, 0, 0), (3, 5, 0), (0, 0, 0)],
)
def test_available_is_whole_units_less_holds(on_hand: float, reserved: int, expected: int) -> None:
    assert available(on_hand, reserved) == expected


def test_owed_stock_sells_nothing_but_is_not_negative() -> None:
    assert for_sale(-7.5) == 0
    assert for_sale(7.5) == 7
