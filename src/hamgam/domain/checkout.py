"""Checkout rules without I/O: delivery addresses, cart lines and integer-Rial totals."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hamgam.domain.errors import InvalidInput
from hamgam.domain.invoice import NO_VAT, Rates, charged_line_total
from hamgam.domain.persian import InvalidIdentifier, normalize_mobile, normalize_postal_code, normalize_text


@dataclass(frozen=True, slots=True)
class Address:
    """A delivery address with a normalised mobile (``09…``) and a 10-digit postal code."""

    recipient_name: str
    mobile: str
    province: str
    city: str
    line: str
    postal_code: str
    title: str | None = None

    @classmethod
    def parse(
        cls,
        *,
        recipient_name: str,
        mobile: str,
        province: str,
        city: str,
        line: str,
        postal_code: str,
        title: str | None = None,
    ) -> Address:
        """Validate and normalise user input (Persian/Arabic digits, spaces, dashes); ``InvalidInput`` names
        the offending field."""
        try:
            mobile_n = normalize_mobile(mobile)
        except InvalidIdentifier:
            raise InvalidInput(
                "شماره موبایل معتبر نیست (مثال: ۰۹۱۲۱۲۳۴۵۶۷) — invalid mobile number", field="mobile"
            ) from None
        try:
            postal_n = normalize_postal_code(postal_code)
        except InvalidIdentifier:
            raise InvalidInput(
                "کد پستی باید ۱۰ رقم باشد — postal code must be 10 digits", field="postal_code"
            ) from None
        texts = {"recipient_name": recipient_name, "province": province, "city": city, "line": line}
        for name, value in texts.items():
            if not normalize_text(value or "", for_search=False):
                raise InvalidInput(f"فیلد «{name}» خالی است — {name} is required", field=name)
        return cls(
            recipient_name=normalize_text(recipient_name, for_search=False),
            mobile=mobile_n,
            province=normalize_text(province, for_search=False),
            city=normalize_text(city, for_search=False),
            line=normalize_text(line, for_search=False),
            postal_code=postal_n,
            title=normalize_text(title, for_search=False) if title else None,
        )

    def as_dict(self) -> dict[str, str | None]:
        return {
            "title": self.title,
            "recipient_name": self.recipient_name,
            "mobile": self.mobile,
            "province": self.province,
            "city": self.city,
            "line": self.line,
            "postal_code": self.postal_code,
        }


@dataclass(frozen=True, slots=True)
class PricedLine:
    product_detail_id: int
    product_id: int
    name: str
    quantity: int
    unit_price_rial: int
    #: Mahak's tax and charge percents of the line, decided at checkout (``invoice.line_rates``).
    rates: Rates = NO_VAT
    #: The variant as the buyer chose it (``رنگ: صورتی، سایز: XL``), kept as it was at checkout.
    variant: str = ""

    @property
    def total_rial(self) -> int:
        return self.quantity * self.unit_price_rial

    def charged_rial(self, *, prices_include_vat: bool) -> int:
        """What the buyer pays for the line (the shop price, plus VAT when prices exclude it)."""
        return charged_line_total(
            self.unit_price_rial, self.quantity, self.rates, prices_include_vat=prices_include_vat
        )


@dataclass(frozen=True, slots=True)
class Totals:
    items_rial: int
    shipping_rial: int
    #: VAT added on top of the items (0 when the shop's prices include it).
    vat_rial: int = 0

    @property
    def total_rial(self) -> int:
        return self.items_rial + self.vat_rial + self.shipping_rial


def totals(lines: Iterable[PricedLine], shipping_rial: int, *, prices_include_vat: bool = True) -> Totals:
    """Integer Rial all the way; the total is the invoice total Mahak computes for the exported order."""
    lines = list(lines)
    items = sum(line.total_rial for line in lines)
    charged = sum(line.charged_rial(prices_include_vat=prices_include_vat) for line in lines)
    return Totals(items_rial=items, shipping_rial=shipping_rial, vat_rial=charged - items)


def check_quantity(quantity: int, max_quantity: int) -> None:
    if not 1 <= quantity <= max_quantity:
        raise InvalidInput(
            f"تعداد باید بین ۱ و {max_quantity} باشد — quantity must be between 1 and {max_quantity}",
            field="quantity",
        )
