"""How names, codes and prices are written on the pages (no database): Mahak's names normalised for reading,
codes isolated left to right and kept as they are, the discount shown only when the store sells below list."""

from __future__ import annotations

import pytest

from hamgam.entrypoints.web.display import discount, display_name, ltr, rich_name
from hamgam.entrypoints.web.pages.storefront import read_filters


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("كتاب شاهنامه فردوسي", "کتاب شاهنامه فردوسی"),  # Arabic kaf and yeh from Windows-era Mahak data
        ("دفتر 100 برگ", "دفتر ۱۰۰ برگ"),  # numbers in running text take Persian digits
        ("  مداد\u200f  مشكي\u0640\u0640  ", "مداد مشکی"),  # invisible marks, tatweel and spaces go
        ("نیم\u200cست", "نیم\u200cست"),  # ZWNJ inside a word stays
        ("گوشي Galaxy A54 5G", "گوشی Galaxy A54 5G"),  # a Latin phrase keeps its digits
        ("iPhone 15 پرو", "iPhone 15 پرو"),
    ],
)
def test_display_name_normalises_mahak_names(stored: str, shown: str) -> None:
    assert display_name(stored) == shown


def test_rich_name_isolates_latin_phrases_and_escapes() -> None:
    assert str(rich_name("گوشي Galaxy A54 (مشكي)")) == 'گوشی <bdi dir="ltr">Galaxy A54</bdi> (مشکی)'
    assert str(rich_name("کیف <script>")) == 'کیف &lt;<bdi dir="ltr">script</bdi>&gt;'
    assert str(rich_name(None)) == ""


def test_ltr_keeps_codes_and_card_masks_as_they_are() -> None:
    # «502229******5995» inside right-to-left text comes out reversed unless it is isolated
    assert str(ltr("502229******5995")) == '<bdi dir="ltr">502229******5995</bdi>'
    assert str(ltr("P-105/ك")) == '<bdi dir="ltr">P-105/ك</bdi>'  # a code is never normalised
    assert str(ltr("<b>")) == '<bdi dir="ltr">&lt;b&gt;</bdi>'


@pytest.mark.parametrize(
    ("price", "list_price", "percent"),
    [(4_500_000, 5_000_000, 10), (999, 1000, None), (1000, 1000, None), (1200, 1000, None), (700, None, None),
     (2_990_000, 3_490_000, 14), (0, 1000, None)],
)  # fmt: skip
def test_discount_is_the_percent_below_list_rounded_down(
    price: int, list_price: int | None, percent: int | None
) -> None:
    found = discount(price, list_price)
    assert (found.percent if found else None) == percent
    if found:
        assert (found.before_rial, found.price_rial) == (list_price, price)


def test_read_filters_answers_every_bad_value() -> None:
    # when
    filters, problems = read_filters(
        {"min": "abc", "max": "-5", "sort": "cheapest", "page": "zero", "stock": "1"}, default_sort="newest"
    )
    # then: nothing bad is applied, and each is named
    assert filters == {"sort": "newest", "page": 1, "min_price_rial": None, "max_price_rial": None, "in_stock": True}
    assert set(problems) == {"min", "max", "sort", "page"}


def test_read_filters_takes_persian_digits_and_swaps_a_reversed_range() -> None:
    filters, problems = read_filters({"min": "۵۰۰٬۰۰۰", "max": "100", "page": "۲"}, default_sort="name")
    assert (filters["min_price_rial"], filters["max_price_rial"], filters["page"]) == (1_000, 5_000_000, 2)
    assert set(problems) == {"range"}
    assert read_filters({"min": " ", "sort": "price_asc"}, default_sort="name") == (
        {"sort": "price_asc", "page": 1, "min_price_rial": None, "max_price_rial": None, "in_stock": False},
        {},
    )


def test_rich_name_leaves_brackets_outside_isolated_runs() -> None:
    assert str(rich_name("کابل (USB-C) 2 متری")) == 'کابل (<bdi dir="ltr">USB-C</bdi>) ۲ متری'
