"""Persian text, digits, money and Iranian identifiers: pure functions, no framework.

Rules (iran.md section 3): normalise every input to Latin digits before validating or storing; render
Persian digits on output; keep money as integer Rial and show Toman (1 Toman = 10 Rial) with the unit word
after the number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
ZWNJ = "\u200c"
#: Arabic thousands separator, the usual grouping mark in Persian-digit numbers.
THOUSANDS_SEPARATOR = "\u066c"
#: Arabic decimal separator.
DECIMAL_SEPARATOR = "\u066b"

_TO_LATIN_DIGITS = str.maketrans(
    {**{c: str(i) for i, c in enumerate(PERSIAN_DIGITS)}, **{c: str(i) for i, c in enumerate(ARABIC_DIGITS)}}
)
_TO_PERSIAN_DIGITS = str.maketrans({str(i): c for i, c in enumerate(PERSIAN_DIGITS)})

# Spellings that Windows-era software (and Mahak data) store: safe to fix even for display.
_DISPLAY_MAP = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})
# Folds that lose information, so they are for matching only (iran.md §3).
_SEARCH_MAP = str.maketrans({"ئ": "ی", "ة": "ه", "ۀ": "ه", "ھ": "ه", "أ": "ا", "إ": "ا", "ٱ": "ا", "آ": "ا", "ؤ": "و"})
_TATWEEL = "\u0640"
# Harakat, superscript alef and other Arabic combining marks.
_DIACRITIC_CHARS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed"
_DIACRITICS = re.compile(f"[{_DIACRITIC_CHARS}]")
# Bidi marks, ZWJ, BOM: invisible noise that breaks equality.
_INVISIBLE_CHARS = "\u200b\u200d-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
_SPACES = re.compile(r"\s+")
# ZWNJ means something only between two letters: a run collapses to one, and next to a space it is noise.
_SPACE_OR_ZWNJ_RUN = re.compile(f"[ {ZWNJ}]+")


def _display_fold(text: str) -> str:
    """Spellings fixed, digits to Latin, invisible marks and tatweel removed (every step maps one character)."""
    return _INVISIBLE.sub("", text.translate(_DISPLAY_MAP).translate(_TO_LATIN_DIGITS)).replace(_TATWEEL, "")


def _search_fold(text: str) -> str:
    """The folds for matching only: hamza, teh marbuta and alef variants, diacritics dropped, ZWNJ to a space."""
    return _DIACRITICS.sub("", text.translate(_SEARCH_MAP)).replace(ZWNJ, " ")


def _refold(text: str) -> str:
    """The second pass after NFKC and lower-casing (``normalize_text``)."""
    text = _DIACRITICS.sub("", text.translate(_DISPLAY_MAP).translate(_SEARCH_MAP).translate(_TO_LATIN_DIGITS))
    return _INVISIBLE.sub("", text).replace(_TATWEEL, "").replace(ZWNJ, " ")


def _expand(char_class: str) -> str:
    """The characters of a regex class body made of characters and ``a-z`` ranges."""
    out: list[str] = []
    i = 0
    while i < len(char_class):
        if i + 2 < len(char_class) and char_class[i + 1] == "-":
            out.extend(chr(c) for c in range(ord(char_class[i]), ord(char_class[i + 2]) + 1))
            i += 3
        else:
            out.append(char_class[i])
            i += 1
    return "".join(out)


#: Every character some step above changes; the steps leave all others as they are.
_TOUCHED = "".join(
    {
        *(chr(c) for c in (*_DISPLAY_MAP, *_SEARCH_MAP, *_TO_LATIN_DIGITS)),
        *_expand(_DIACRITIC_CHARS),
        *_expand(_INVISIBLE_CHARS),
        _TATWEEL,
        ZWNJ,
    }
)


class _OneScan:
    """A chain of steps that each map one character at a time (translations, removals, single-character
    replacements), applied in one regex scan that looks up only the characters a step changes. ``str.translate``
    walks a dict for every character of non-ASCII text, and ``normalize_text`` made six such walks per call;
    the sync normalises every product name it receives."""

    def __init__(self, fold: Callable[[str], str]) -> None:
        self._map = {c: fold(c) for c in _TOUCHED if fold(c) != c}
        self._pattern = re.compile("[" + "".join(re.escape(c) for c in sorted(self._map)) + "]")

    def __call__(self, text: str) -> str:
        return self._pattern.sub(lambda m: self._map[m.group()], text)


_FOLD_FOR_DISPLAY = _OneScan(_display_fold)
_FOLD_FOR_SEARCH = _OneScan(lambda c: _search_fold(_display_fold(c)))
_REFOLD = _OneScan(_refold)


def to_latin_digits(text: str) -> str:
    """Replace Persian and Arabic-Indic digits with ASCII digits; everything else is kept."""
    return text.translate(_TO_LATIN_DIGITS)


def to_persian_digits(text: str) -> str:
    """Replace ASCII (and Arabic-Indic) digits with Persian digits; everything else is kept."""
    return to_latin_digits(text).translate(_TO_PERSIAN_DIGITS)


def normalize_text(text: str, *, for_search: bool = True) -> str:
    """Normalise Persian text so that equal words compare equal.

    Always: Arabic yeh/kaf to Persian, digits to Latin, tatweel and invisible marks removed, whitespace
    collapsed and stripped. ``for_search`` (default) additionally applies NFKC, drops diacritics, folds
    hamza, teh marbuta and alef variants, turns ZWNJ into a space and lower-cases: use it for search keys
    and matching, never for display. Without it ZWNJ is kept (a run collapses to one; next to a space or at
    the ends it is dropped) and so are diacritics.
    Idempotent in both modes.
    """
    if for_search:
        text = _FOLD_FOR_SEARCH(unicodedata.normalize("NFKC", text))
        # NFKC or lower-casing can produce a character the maps fold again; one more pass reaches the
        # fixpoint, which is what makes the function idempotent.
        text = _REFOLD(unicodedata.normalize("NFKC", text.lower()))
    else:
        text = _FOLD_FOR_DISPLAY(text)
        text = _SPACES.sub(" ", text)
        text = _SPACE_OR_ZWNJ_RUN.sub(lambda m: " " if " " in m.group(0) else ZWNJ, text)
        text = text.strip(" " + ZWNJ)
    return _SPACES.sub(" ", text).strip()


def format_number(value: int, *, grouping: bool = True, separator: str = THOUSANDS_SEPARATOR) -> str:
    """Persian-digit rendering of an integer, grouped by thousands: ``1250000`` → ``۱٬۲۵۰٬۰۰۰``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"format_number takes an int, not {type(value).__name__}")
    text = f"{abs(value):,}" if grouping else str(abs(value))
    text = to_persian_digits(text).replace(",", separator)
    return f"-{text}" if value < 0 else text


def format_toman(amount_rial: int, *, unit: bool = True) -> str:
    """Integer Rial in, Toman for display out: ``1250000`` → ``۱۲۵٬۰۰۰ تومان``.

    A Rial amount that is not a whole number of Toman keeps its tenth (``۱۲۵٬۰۰۰٫۵``) rather than being
    rounded: a displayed price must never differ from the charged one.
    """
    if isinstance(amount_rial, bool) or not isinstance(amount_rial, int):
        raise TypeError(f"amount_rial must be an int, not {type(amount_rial).__name__}")
    toman, tenth = divmod(abs(amount_rial), 10)
    text = format_number(toman)
    if tenth:
        text += DECIMAL_SEPARATOR + to_persian_digits(str(tenth))
    if amount_rial < 0:
        text = "-" + text
    return f"{text} تومان" if unit else text


def format_rial(amount_rial: int, *, unit: bool = True) -> str:
    """``1250000`` → ``۱٬۲۵۰٬۰۰۰ ریال``."""
    text = format_number(amount_rial)
    return f"{text} ریال" if unit else text


# ---------------------------------------------------------------------------------------------- identifiers


class InvalidIdentifier(ValueError):
    """A mobile, postal code or national code that does not pass validation."""


_ID_NOISE = re.compile(r"[\s\-_.()/\u200c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_MOBILE = re.compile(r"09[0-9]{9}")
_TEN_DIGITS = re.compile(r"[0-9]{10}")
_DIGITS = re.compile(r"[0-9]+")
#: Structural rule several validators use (no 0 or 2 in the first block, no 4 equal leading digits).
_POSTAL_STRICT = re.compile(r"(?!(\d)\1{3})[13-9]{4}[1346-9][013-9]{5}", re.ASCII)


def _clean(raw: str) -> str:
    return _ID_NOISE.sub("", to_latin_digits(raw))


def normalize_mobile(raw: str) -> str:
    """Return the Iranian mobile as ``09XXXXXXXXX`` or raise ``InvalidIdentifier``.

    Accepts Persian/Arabic digits, spaces, dashes, dots and brackets, and the prefixes ``+98``,
    ``0098``, ``98`` (also ``+98 0912...``) or none at all (``912...``).
    """
    s = _clean(raw)
    if s.startswith("+98"):
        s = s[3:]
    elif s.startswith("0098"):
        s = s[4:]
    elif s.startswith("98") and len(s) == 12:
        s = s[2:]
    if len(s) == 10 and s.startswith("9"):
        s = "0" + s
    if not _MOBILE.fullmatch(s):
        raise InvalidIdentifier(f"not an Iranian mobile number: {raw!r}")
    return s


def is_valid_mobile(raw: str) -> bool:
    try:
        normalize_mobile(raw)
    except InvalidIdentifier:
        return False
    return True


def mobile_to_e164(raw: str) -> str:
    """``09121234567`` (in any accepted spelling) → ``+989121234567``."""
    return "+98" + normalize_mobile(raw)[1:]


def normalize_postal_code(raw: str) -> str:
    """Return the 10-digit postal code or raise ``InvalidIdentifier``; ``12345-67890`` is accepted."""
    s = _clean(raw)
    if not _TEN_DIGITS.fullmatch(s):
        raise InvalidIdentifier(f"a postal code has 10 digits: {raw!r}")
    return s


def postal_code_looks_valid(code: str) -> bool:
    """The stricter structural check (iran.md §3, M confidence): use it for a warning, not to reject."""
    try:
        return _POSTAL_STRICT.fullmatch(normalize_postal_code(code)) is not None
    except InvalidIdentifier:
        return False


def format_postal_code(code: str, *, persian_digits: bool = False) -> str:
    """``1234567890`` → ``12345-67890`` (optionally in Persian digits)."""
    s = normalize_postal_code(code)
    text = f"{s[:5]}-{s[5:]}"
    return to_persian_digits(text) if persian_digits else text


def normalize_national_code(raw: str) -> str:
    """Return the 10-digit national code (کد ملی) as a string or raise ``InvalidIdentifier``.

    8 or 9 digits are left-padded with zeros (spreadsheets drop leading zeros). The checksum must hold,
    and all-equal codes (``1111111111``), which pass the checksum, are rejected.
    """
    s = _clean(raw)
    if not _DIGITS.fullmatch(s) or not 8 <= len(s) <= 10:
        raise InvalidIdentifier(f"a national code has 10 digits: {raw!r}")
    s = s.zfill(10)
    if len(set(s)) == 1:
        raise InvalidIdentifier(f"national code with all-equal digits: {raw!r}")
    remainder = sum(int(s[i]) * (10 - i) for i in range(9)) % 11
    check = int(s[9])
    if check != (remainder if remainder < 2 else 11 - remainder):
        raise InvalidIdentifier(f"national code checksum fails: {raw!r}")
    return s


def is_valid_national_code(raw: str) -> bool:
    try:
        normalize_national_code(raw)
    except InvalidIdentifier:
        return False
    return True


def normalize_sheba(raw: str) -> str:
    """Return an Iranian IBAN (Sheba) as ``IR`` + 24 digits, checked with ISO 13616 mod-97, or raise."""
    s = _clean(raw).upper()
    if not s.startswith("IR"):
        s = "IR" + s
    if not re.fullmatch(r"IR[0-9]{24}", s):
        raise InvalidIdentifier(f"a Sheba number is IR and 24 digits: {raw!r}")
    rearranged = s[4:] + "1827" + s[2:4]  # I=18, R=27
    if int(rearranged) % 97 != 1:
        raise InvalidIdentifier(f"Sheba checksum fails: {raw!r}")
    return s
