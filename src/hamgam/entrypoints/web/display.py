"""How catalogue text and codes look on the pages: names from Mahak normalised for reading, codes kept as they
are, and every left-to-right run (codes, card masks, Latin words) isolated so that the right-to-left page cannot
reorder it (iran.md §3: «502229******5995» must not come out reversed)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape

from hamgam.domain.persian import normalize_text, to_persian_digits

#: A left-to-right run inside Persian text: Latin letters or digits, with the spaces and marks between them
#: (``Galaxy A54 5G``, ``USB-C``) but not at its ends. Brackets stay out: half a pair inside an isolated run
#: would be drawn facing the wrong way.
_LTR_RUN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9 .,:/+\-_*#&']*[A-Za-z0-9])?")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
#: Names kept cut up: a listing shows the same products and the whole category tree on every request, and
#: cutting a name (normalising, Persian digits) costs more than rendering its card.
SEGMENTED_NAMES = 8192


@lru_cache(maxsize=SEGMENTED_NAMES)
def _segments(name: str | None) -> tuple[tuple[str, bool], ...]:
    """The normalised name cut into ``(text, is_latin)`` pieces: a Latin piece is a run holding a Latin
    letter (``iPhone 15``, ``A54``), kept exactly; other pieces are Persian text with Persian digits."""
    text = normalize_text(name or "", for_search=False)
    pieces: list[tuple[str, bool]] = []
    last = 0
    for m in _LTR_RUN.finditer(text):
        if _LATIN_LETTER.search(m.group(0)):
            pieces.append((to_persian_digits(text[last : m.start()]), False))
            pieces.append((m.group(0), True))
            last = m.end()
    pieces.append((to_persian_digits(text[last:]), False))
    return tuple((t, latin) for t, latin in pieces if t)


def display_name(name: str | None) -> str:
    """A product or category name as Mahak stores it, made readable: Arabic ي/ك become Persian ی/ک, stray
    invisible marks and tatweel go, spaces collapse, and numbers in the Persian text take Persian digits;
    a Latin phrase (``iPhone 15``, ``Galaxy A54 5G``) keeps its digits. For attributes and titles."""
    return "".join(text for text, _ in _segments(name))


def rich_name(name: str | None) -> Markup:
    """``display_name`` as HTML, each Latin phrase in ``<bdi dir="ltr">`` so the marks around it stay put."""
    return Markup("").join(
        Markup('<bdi dir="ltr">') + escape(text) + Markup("</bdi>") if latin else escape(text)
        for text, latin in _segments(name)
    )


def ltr(value: object) -> Markup:
    """A code, card mask, reference or number kept exactly as it is, isolated left to right."""
    text = "" if value is None else str(value)
    return Markup('<bdi dir="ltr">') + escape(text) + Markup("</bdi>")


@dataclass(frozen=True)
class Discount:
    """A price the store sells below its list price: ``percent`` off, rounded down (never promised larger)."""

    before_rial: int
    price_rial: int

    @property
    def percent(self) -> int:
        return (self.before_rial - self.price_rial) * 100 // self.before_rial


def discount(price_rial: int | None, list_price_rial: int | None) -> Discount | None:
    """The discount to show, or None: only when the list price is above the price charged and the saving is at
    least one percent (a rounding difference is no discount)."""
    if not price_rial or not list_price_rial or list_price_rial <= price_rial:
        return None
    found = Discount(int(list_price_rial), int(price_rial))
    return found if found.percent >= 1 else None
