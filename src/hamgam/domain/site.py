"""The site's trust and discovery rules: footer pages, trust-badge codes, sitemap and price-comparison feed
sizes, and how a product's offer reads to search engines and comparison sites."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from hamgam.domain.errors import InvalidInput

#: A sitemap file holds at most this many URLs (sitemaps.org protocol).
SITEMAP_URLS_MAX = 50_000
#: Products per page of the price-comparison feed: Torob's cursor pages hold exactly 100.
FEED_PAGE_SIZE = 100
#: Torob's page-number orders: newest added first (product ids are Mahak's, given in the order products are
#: created, so this is the id order, highest first), latest changed first, and highest id first.
FEED_SORTS = ("date_added_desc", "date_updated_desc", "product_id_desc")
#: Highest page number read (a million pages of 100 is far more than any shop lists).
FEED_PAGE_NUMBER_MAX = 1_000_000
#: Most products one feed request may name (``page_uniques``, ``page_urls``).
FEED_PAGE_MAX = 1_000
#: Longest footer page title and body staff may save (characters).
PAGE_TITLE_MAX = 120
PAGE_BODY_MAX = 50_000

#: The badge codes staff may set: Enamad's ``id`` and ``Code``, Samandehi's ``id`` and ``p``.
BADGE_KEYS = ("enamad_id", "enamad_code", "samandehi_id", "samandehi_p")
_BADGE_CODE = re.compile(r"[A-Za-z0-9]{1,64}")


@dataclass(frozen=True, slots=True)
class Badges:
    """The trust badges' codes; a badge shows only when all of its codes are set."""

    enamad_id: str = ""
    enamad_code: str = ""
    samandehi_id: str = ""
    samandehi_p: str = ""

    @classmethod
    def from_settings(cls, values: dict[str, str]) -> Badges:
        return cls(**{k: values.get(k, "") for k in BADGE_KEYS})

    @property
    def enamad(self) -> bool:
        return bool(self.enamad_id and self.enamad_code)

    @property
    def samandehi(self) -> bool:
        return bool(self.samandehi_id and self.samandehi_p)


def clean_badge_codes(values: Mapping[str, str | None]) -> dict[str, str]:
    """The badge codes to store (``""`` clears one): letters and digits only, as the issuers hand them out;
    ``InvalidInput`` naming the field otherwise (the codes go into the badges' links and image addresses)."""
    cleaned: dict[str, str] = {}
    for key in BADGE_KEYS:
        value = (values.get(key) or "").strip()
        if value and not _BADGE_CODE.fullmatch(value):
            raise InvalidInput("کد نماد فقط حرف و رقم لاتین است — a badge code is letters and digits only", field=key)
        cleaned[key] = value
    return cleaned


def clean_page(title: str | None, body_md: str | None) -> tuple[str, str]:
    """A footer page's title and Markdown body to store; ``InvalidInput`` naming the field when unusable."""
    title = (title or "").strip()
    body = (body_md or "").replace("\r\n", "\n").strip()
    if not title:
        raise InvalidInput("عنوان صفحه را بنویسید — the page needs a title", field="title")
    if len(title) > PAGE_TITLE_MAX:
        raise InvalidInput("عنوان صفحه بیش از اندازه بلند است — the title is too long", field="title")
    if len(body) > PAGE_BODY_MAX:
        raise InvalidInput("متن صفحه بیش از اندازه بلند است — the text is too long", field="body")
    return title, body


def in_stock(available: int | None) -> bool:
    return bool(available and available > 0)


def schema_availability(available: int | None) -> str:
    """schema.org's ``ItemAvailability`` URL for an offer."""
    return "https://schema.org/InStock" if in_stock(available) else "https://schema.org/OutOfStock"


def old_price_rial(price_rial: int | None, list_price_rial: int | None) -> int | None:
    """The list price shown struck through, when it is above the selling price."""
    if price_rial and list_price_rial and list_price_rial > price_rial:
        return list_price_rial
    return None


def feed_toman(amount_rial: int) -> int:
    """A Rial price in whole Toman for a comparison site, rounded up: never advertised below what is charged."""
    return -(-amount_rial // 10)
