"""Persian text, digits, money and identifier helpers (iran.md §3), with property tests for the normaliser."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from hamgam.domain import jalali, persian
from hamgam.domain.persian import (
    InvalidIdentifier,
    format_number,
    format_postal_code,
    format_rial,
    format_toman,
    is_valid_mobile,
    is_valid_national_code,
    mobile_to_e164,
    normalize_mobile,
    normalize_national_code,
    normalize_postal_code,
    normalize_sheba,
    normalize_text,
    postal_code_looks_valid,
    to_latin_digits,
    to_persian_digits,
)

PERSIAN_LETTERS = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیآ"
ARABIC_FOR_PERSIAN = {"ی": "ي", "ک": "ك"}
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"

persian_text = st.text(alphabet=PERSIAN_LETTERS + PERSIAN_DIGITS + "0123456789 \u200c", max_size=40)


# ------------------------------------------------------------------------------------------- normaliser


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("علي كريمي", "علی کریمی"),
        ("  كتاب   ها  ", "کتاب ها"),
        ("می\u200cخواهم", "می خواهم"),
        ("كتـــاب", "کتاب"),
        ("مُحَمَّد", "محمد"),
        ("قیمت ۱۲۵ هزار و ٣٤", "قیمت 125 هزار و 34"),
        ("مدرسة", "مدرسه"),
        ("\u200fABC\u200e Def", "abc def"),
    ],
)
def test_normalize_for_search(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_normalize_for_display_keeps_zwnj_and_diacritics() -> None:
    assert normalize_text("مي\u200c\u200cخواهم  كتاب‌ ", for_search=False) == "می\u200cخواهم کتاب"
    assert normalize_text("مُحَمَّد", for_search=False) == "مُحَمَّد"
    assert normalize_text("مدرسة", for_search=False) == "مدرسة"


@given(st.text())
def test_search_normalisation_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(st.text())
@example("ß\u200c\xa0\u200cß")  # a space between two ZWNJs once left one behind
def test_display_normalisation_is_idempotent(text: str) -> None:
    once = normalize_text(text, for_search=False)
    assert normalize_text(once, for_search=False) == once


@given(persian_text, st.data())
def test_arabic_and_persian_spellings_normalise_equal(text: str, data: st.DataObject) -> None:
    # given the same words typed on an Arabic keyboard, with decoration Windows-era software adds
    arabic = "".join(ARABIC_FOR_PERSIAN.get(ch, ch) for ch in text)
    arabic = arabic.translate(str.maketrans(PERSIAN_DIGITS, ARABIC_DIGITS))
    decorate = data.draw(st.lists(st.sampled_from(["", "\u0640", "\u064e", "\u0651"]), min_size=len(arabic)))
    arabic = "".join(ch + extra for ch, extra in zip(arabic, decorate, strict=False)) + arabic[len(decorate) :]
    # then search keys match, and display forms match too once decoration is gone
    assert normalize_text(arabic) == normalize_text(text)
    assert normalize_text(arabic.replace("\u064e", "").replace("\u0651", ""), for_search=False) == normalize_text(
        text, for_search=False
    )


@pytest.mark.parametrize(
    "one_scan, steps",
    [
        (persian._FOLD_FOR_DISPLAY, persian._display_fold),
        (persian._FOLD_FOR_SEARCH, lambda c: persian._search_fold(persian._display_fold(c))),
        (persian._REFOLD, persian._refold),
    ],
)
def test_each_one_scan_fold_changes_every_character_as_its_steps_do(one_scan, steps) -> None:
    # every character of the Basic Multilingual Plane (where every folded character lives), one at a time
    changed = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF and one_scan(chr(c)) != steps(chr(c))]
    assert changed == []
    assert one_scan("كتاب ي ۱۲ abc") == steps("كتاب ي ۱۲ abc")


@given(st.text())
def test_search_keys_contain_no_arabic_yeh_kaf_or_non_latin_digits(text: str) -> None:
    key = normalize_text(text)
    assert not set(key) & set("يكى\u0640\u200c" + PERSIAN_DIGITS + ARABIC_DIGITS)


# ---------------------------------------------------------------------------------------- digits, money


def test_digit_conversion_round_trips() -> None:
    assert to_persian_digits("0912-345 67 89") == "۰۹۱۲-۳۴۵ ۶۷ ۸۹"
    assert to_latin_digits("۰۹۱۲٣٤٥") == "0912345"
    assert to_persian_digits("٣") == "۳"


def test_format_number_groups_with_persian_digits() -> None:
    assert format_number(1_250_000) == "۱٬۲۵۰٬۰۰۰"
    assert format_number(999) == "۹۹۹"
    assert format_number(-1000) == "-۱٬۰۰۰"
    assert format_number(1_250_000, separator=",") == "۱,۲۵۰,۰۰۰"
    assert format_number(1_250_000, grouping=False) == "۱۲۵۰۰۰۰"
    with pytest.raises(TypeError):
        format_number(1.5)  # type: ignore[arg-type]


def test_toman_display_from_integer_rial() -> None:
    assert format_toman(1_250_000) == "۱۲۵٬۰۰۰ تومان"
    assert format_toman(0) == "۰ تومان"
    assert format_toman(1_250_005) == "۱۲۵٬۰۰۰٫۵ تومان"
    assert format_toman(1_250_000, unit=False) == "۱۲۵٬۰۰۰"
    assert format_toman(-20) == "-۲ تومان"
    assert format_rial(1_250_000) == "۱٬۲۵۰٬۰۰۰ ریال"
    with pytest.raises(TypeError):
        format_toman(True)  # type: ignore[arg-type]


@given(st.integers(min_value=0, max_value=10**15))
def test_toman_display_reads_back_as_the_same_rial(amount_rial: int) -> None:
    toman, _, tenth = to_latin_digits(format_toman(amount_rial, unit=False)).replace("٬", "").partition("٫")
    assert int(toman) * 10 + int(tenth or 0) == amount_rial


# ---------------------------------------------------------------------------------------------- mobiles


@pytest.mark.parametrize(
    "raw",
    [
        "09121234567",
        "9121234567",
        "+989121234567",
        "00989121234567",
        "989121234567",
        "+98 912 123 4567",
        "0912-123-4567",
        "۰۹۱۲۱۲۳۴۵۶۷",
        "٠٩١٢١٢٣٤٥٦٧",
        "(0912) 123 45 67",
        "+98 0912 123 4567",
    ],
)
def test_mobile_spellings_normalise_to_09(raw: str) -> None:
    assert normalize_mobile(raw) == "09121234567"
    assert mobile_to_e164(raw) == "+989121234567"


@pytest.mark.parametrize(
    "raw",
    ["", "0912123456", "091212345678", "02112345678", "08121234567", "+18121234567", "0912abc4567", "۰۹۱۲"],
)
def test_invalid_mobiles_are_refused(raw: str) -> None:
    assert not is_valid_mobile(raw)
    with pytest.raises(InvalidIdentifier):
        normalize_mobile(raw)


mobile_tails = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(mobile_tails, st.sampled_from(["0", "+98", "0098", "98", "", "+98 0"]), st.booleans())
def test_any_prefix_and_digit_script_gives_the_same_mobile(tail: str, prefix: str, persian: bool) -> None:
    raw = f"{prefix}9{tail}"
    if persian:
        raw = to_persian_digits(raw)
    assert normalize_mobile(raw) == f"09{tail}"


@given(st.text(max_size=20))
def test_normalised_mobiles_always_match_the_pattern(raw: str) -> None:
    if is_valid_mobile(raw):
        mobile = normalize_mobile(raw)
        assert len(mobile) == 11 and mobile.startswith("09") and mobile.isascii() and mobile.isdigit()
        assert normalize_mobile(mobile) == mobile


# ------------------------------------------------------------------------------ postal and national codes


def test_postal_code() -> None:
    assert normalize_postal_code("۱۳۴۵۶-۷۸۹۱۳") == "1345678913"
    assert format_postal_code("1345678913") == "13456-78913"
    assert format_postal_code("1345678913", persian_digits=True) == "۱۳۴۵۶-۷۸۹۱۳"
    assert postal_code_looks_valid("1345678913")
    assert not postal_code_looks_valid("0345678913")  # 0 in the first block
    assert not postal_code_looks_valid("1111678913")  # four equal leading digits
    for bad in ("123456789", "12345678901", "12345-6789a"):
        with pytest.raises(InvalidIdentifier):
            normalize_postal_code(bad)


@pytest.mark.parametrize("code", ["0013542419", "0499370899", "۰۰۱۳۵۴۲۴۱۹", "13542419", "001-354241-9"])
def test_valid_national_codes(code: str) -> None:
    assert is_valid_national_code(code)
    assert len(normalize_national_code(code)) == 10


@pytest.mark.parametrize("code", ["0013542418", "1111111111", "0000000000", "123", "12345678901", "00135424a9"])
def test_invalid_national_codes(code: str) -> None:
    assert not is_valid_national_code(code)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda s: len(set(s)) > 1))
def test_exactly_one_check_digit_is_valid(body: str) -> None:
    assert sum(is_valid_national_code(body + str(d)) for d in range(10)) == 1


def test_sheba() -> None:
    assert normalize_sheba("IR82 0540 1026 8002 0817 9090 02") == "IR820540102680020817909002"
    with pytest.raises(InvalidIdentifier):
        normalize_sheba("IR820540102680020817909003")


# ----------------------------------------------------------------------------------------------- jalali


def test_jalali_dates() -> None:
    nowruz = dt.date(2024, 3, 20)
    assert jalali.format_jalali_date(nowruz) == "۱۴۰۳/۰۱/۰۱"
    assert jalali.format_jalali_date(nowruz, persian_digits=False) == "1403/01/01"
    assert jalali.format_jalali_long(nowruz) == "چهارشنبه ۱ فروردین ۱۴۰۳"
    assert jalali.format_jalali_long(nowruz, weekday=False) == "۱ فروردین ۱۴۰۳"
    assert jalali.from_jalali(1403, 12, 30) == dt.date(2025, 3, 20)  # 1403 is a leap year
    with pytest.raises(ValueError):
        jalali.from_jalali(1404, 12, 30)
    assert jalali.month_name(12) == "اسفند"


def test_jalali_datetime_is_tehran_time() -> None:
    # 20:45 UTC on 2024-03-19 is 00:15 on 1403/01/01 in Tehran (UTC+03:30)
    moment = dt.datetime(2024, 3, 19, 20, 45, tzinfo=dt.UTC)
    assert jalali.format_jalali_datetime(moment) == "۱۴۰۳/۰۱/۰۱ ۰۰:۱۵"
    assert jalali.format_jalali_datetime(moment.replace(tzinfo=None), persian_digits=False) == "1403/01/01 00:15"
    assert jalali.format_jalali_long(moment).startswith("چهارشنبه")
