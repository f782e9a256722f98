"""The first-run setup's guesses from Mahak's own data: money unit, stock source, price level, and the preview."""

from __future__ import annotations

from hamgam.domain.setup_detect import (
    Sample,
    SetupChoice,
    detect,
    guess_money_unit,
    guess_stock_source,
    preview,
    price_levels,
    suggest_level,
)


def prices(*filled: int) -> tuple[int, ...]:
    return tuple(filled) + (0,) * (10 - len(filled))


def test_whole_thousands_of_rial_are_guessed_rial() -> None:
    samples = [Sample(i, f"p{i}", prices(p)) for i, p in enumerate([1_250_000, 850_000, 3_490_000, 4_500_000, 220_000])]
    guess = guess_money_unit(samples)
    assert (guess.unit, guess.prices, guess.round_prices, guess.sure) == ("rial", 5, 5, True)


def test_small_or_uneven_prices_are_guessed_toman() -> None:
    uneven = [Sample(i, "x", prices(p)) for i, p in enumerate([125_500, 85_250, 349_900, 45_750, 22_990])]
    assert guess_money_unit(uneven).unit == "toman"
    small = [Sample(i, "x", prices(p)) for i, p in enumerate([12_000, 25_000, 40_000, 15_000, 30_000])]
    guess = guess_money_unit(small)
    assert guess.unit == "toman" and guess.sure  # a median of 25,000 Rial would be 2,500 Toman: no shop prices so


def test_no_prices_leaves_rial_unsure() -> None:
    guess = guess_money_unit([Sample(1, "x", prices())])
    assert guess.unit == "rial" and not guess.sure and guess.prices == 0


def test_stock_on_the_visitors_links_keeps_the_default_source() -> None:
    samples = [
        Sample(1, "a", prices(1), visitor_stock=5),
        Sample(2, "b", prices(1), visitor_stock=0, store_stock={3: 2}),
    ]
    guess = guess_stock_source(samples)
    assert (guess.source, guess.store_ids, guess.visitor_in_stock) == ("visitor_product", (), 1)


def test_stock_held_in_stores_names_the_stores_holding_it() -> None:
    samples = [
        Sample(1, "a", prices(1), visitor_stock=0, store_stock={1: 4, 2: 1, 7: -1}),
        Sample(2, "b", prices(1), visitor_stock=0, store_stock={1: 2, 2: 3}),
        Sample(3, "c", prices(1), visitor_stock=None, store_stock={2: 1}),
    ]
    guess = guess_stock_source(samples)
    assert guess.source == "stores"
    assert guess.store_ids == (2, 1)  # store 2 holds stock for three details, store 1 for two; 7 for none
    assert guess.stores_in_stock == {1: 2, 2: 3, 7: 0}


def test_the_level_filled_for_most_products_is_suggested_and_ties_go_to_the_higher_price() -> None:
    samples = [
        Sample(1, "a", prices(1_000_000, 900_000, 0)),
        Sample(2, "b", prices(2_000_000, 1_800_000, 1_500_000)),
        Sample(3, "c", prices(0, 500_000, 0)),
    ]
    candidates = price_levels(samples)
    assert [(c.level, c.filled) for c in candidates] == [(1, 2), (2, 3), (3, 1)]
    assert candidates[0].examples == (("a", 1_000_000), ("b", 2_000_000))
    assert suggest_level(candidates) == 2
    equal = [Sample(1, "a", prices(1_000_000, 1_200_000)), Sample(2, "b", prices(2_000_000, 2_400_000))]
    assert suggest_level(price_levels(equal)) == 2
    assert suggest_level(()) == 0


def test_preview_prices_in_rial_by_the_chosen_unit_with_mahaks_discount_and_stock_for_sale() -> None:
    samples = [
        Sample(1, "a", prices(100_000, 120_000), discount=10, discount_type=0, visitor_stock=2.7, store_stock={1: 5}),
        Sample(2, "b", prices(50_000), default_level=1, visitor_stock=-3, store_stock={1: 1, 2: 2}),
    ]
    toman = preview(samples, SetupChoice("toman", 2, "visitor_product"))
    assert [(r.price_rial, r.stock, r.available) for r in toman] == [(1_080_000, 2, True), (0, 0, False)]
    rial = preview(samples, SetupChoice("rial", 0, "stores", (1, 2)))
    assert [(r.price_rial, r.stock) for r in rial] == [(90_000, 5), (50_000, 3)]


def test_detect_bundles_the_guesses() -> None:
    found = detect([Sample(1, "a", prices(1_250_000), visitor_stock=1)])
    assert (found.samples, found.money.unit, found.stock.source, found.level) == (1, "rial", "visitor_product", 1)
