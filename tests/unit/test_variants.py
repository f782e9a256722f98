"""A variant's properties told by their PropertyDescription names (``hamgam.domain.variants``)."""

from hamgam.domain.variants import (
    Selector,
    choice_of,
    label_of,
    matches,
    selectors,
    variant_label,
    variant_properties,
)

NAMES = {"1": "رنگ", "2": "سایز"}


def test_label_names_each_property_in_mahak_order():
    props = [{"code": "1", "value": "صورتی"}, {"code": "2", "value": "XL"}]
    assert label_of(props, NAMES) == "رنگ: صورتی، سایز: XL"
    assert [(p.name, p.value) for p in variant_properties(props, NAMES)] == [("رنگ", "صورتی"), ("سایز", "XL")]


def test_label_keeps_the_details_own_order():
    props = [{"code": "2", "value": "XL"}, {"code": "1", "value": "صورتی"}]
    assert label_of(props, NAMES) == "سایز: XL، رنگ: صورتی"


def test_unnamed_code_gets_a_persian_placeholder_and_arabic_letters_are_fixed():
    props = [{"code": "17", "value": "مشكي"}]
    assert label_of(props, {}) == "ویژگی ۱۷: مشکی"


def test_empty_values_and_repeated_codes_are_left_out():
    props = [{"code": "1", "value": ""}, {"code": "2", "value": "L"}, {"code": "2", "value": "XL"}, {"value": "x"}]
    assert label_of(props, NAMES) == "سایز: L"
    assert label_of(None, NAMES) == ""
    assert variant_label(()) == ""


def test_numeric_codes_and_values_are_read_as_text():
    assert label_of([{"code": 2, "value": 42}], NAMES) == "سایز: 42"


def test_selectors_list_each_property_with_its_values_once():
    details = [
        variant_properties([{"code": "1", "value": "صورتی"}, {"code": "2", "value": "L"}], NAMES),
        variant_properties([{"code": "1", "value": "صورتی"}, {"code": "2", "value": "XL"}], NAMES),
        variant_properties([{"code": "1", "value": "آبی"}, {"code": "2", "value": "XL"}], NAMES),
    ]
    assert selectors(details) == [
        Selector("1", "رنگ", ("صورتی", "آبی")),
        Selector("2", "سایز", ("L", "XL")),
    ]


def test_a_choice_matches_only_the_detail_with_exactly_those_values():
    pink_xl = variant_properties([{"code": "1", "value": "صورتی"}, {"code": "2", "value": "XL"}], NAMES)
    own = choice_of(pink_xl)
    assert own == {"1": "صورتی", "2": "XL"}
    assert matches(own, {"1": "صورتی", "2": "XL"})
    assert matches(own, {"1": "صورتي", "2": " XL ", "3": ""})  # as a form sends it
    assert not matches(own, {"1": "صورتی", "2": "L"})
    assert not matches(own, {"1": "صورتی"})
    assert not matches(own, {"1": "صورتی", "2": "XL", "3": "چوبی"})
    assert matches({}, {})
