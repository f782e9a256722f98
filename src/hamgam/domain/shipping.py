"""Shipping an order: the carriers the shop hands parcels to, what a tracking code of each looks like, and where
the buyer follows it.

``TRACKING_URLS`` is the one table of the carriers' public tracking pages (no setting: they are the carriers',
not the merchant's). The national post's tracking site is ``tracking.post.ir``; its barcode is 20 or 24 digits.
Tipax tracks by its consignment number at ``tipaxco.com/tracking``. Both pages are the public ones merchants
send buyers to; the query parameter that pre-fills the code (``?id=``) is not documented by either carrier: check
it before going live (a page that ignores it still opens the right form). A courier (پیک) has no public
tracking: its code is the shop's own reference and carries no link.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

from hamgam.domain.errors import InvalidInput
from hamgam.domain.persian import to_latin_digits


class Carrier(StrEnum):
    POST = "post"
    TIPAX = "tipax"
    COURIER = "courier"


#: The carrier's name as buyers know it (SMS, PDF; the pages use the catalogue's translations).
CARRIER_NAMES: dict[Carrier, str] = {
    Carrier.POST: "پست",
    Carrier.TIPAX: "تیپاکس",
    Carrier.COURIER: "پیک",
}

#: The public tracking page of each carrier, ``{code}`` replaced by the tracking code; None: no public page.
TRACKING_URLS: dict[Carrier, str | None] = {
    Carrier.POST: "https://tracking.post.ir/?id={code}",
    Carrier.TIPAX: "https://tipaxco.com/tracking?id={code}",
    Carrier.COURIER: None,
}

#: What a tracking code of each carrier looks like (after digits are made Latin and spaces removed).
_CODE_PATTERNS: dict[Carrier, re.Pattern[str]] = {
    Carrier.POST: re.compile(r"\d{20}|\d{24}"),
    Carrier.TIPAX: re.compile(r"\d{8,20}"),
    Carrier.COURIER: re.compile(r"[A-Za-z0-9-]{1,40}"),
}

_SEPARATORS = re.compile(r"[\s\u200c\u200f\u200e-]+")


def parse_carrier(raw: str) -> Carrier:
    try:
        return Carrier(raw.strip().lower())
    except ValueError:
        raise InvalidInput("شرکت حمل معتبر نیست — unknown carrier", field="carrier") from None


def normalize_tracking_code(carrier: Carrier, raw: str) -> str:
    """The code in the carrier's form (Persian or Arabic digits made Latin; spaces, and dashes in numeric codes,
    removed); ``InvalidInput`` on ``tracking_code`` when it does not look like one of that carrier's codes."""
    text = to_latin_digits(raw.strip())
    code = _SEPARATORS.sub("", text) if carrier is not Carrier.COURIER else re.sub(r"\s+", "", text)
    if not _CODE_PATTERNS[carrier].fullmatch(code):
        raise InvalidInput(
            f"کد رهگیری برای «{CARRIER_NAMES[carrier]}» معتبر نیست — not a {carrier} tracking code",
            field="tracking_code",
        )
    return code


def tracking_url(carrier: Carrier | str, code: str) -> str | None:
    """The carrier's public page for the code, or None when it has none."""
    template = TRACKING_URLS[Carrier(carrier)]
    return None if template is None else template.format(code=quote(code, safe=""))


@dataclass(frozen=True, slots=True)
class Shipment:
    """An order handed to a carrier."""

    order_id: int
    carrier: Carrier
    tracking_code: str
    shipped_at: dt.datetime

    @property
    def tracking_url(self) -> str | None:
        return tracking_url(self.carrier, self.tracking_code)
