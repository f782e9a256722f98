"""Checkout rules without I/O: delivery addresses, cart lines and integer-Rial totals."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hamgam.domain.errors import InvalidInput
from hamgam.domain.invoice import NO_VAT, Rates, charged_line_total
from hamgam.domain.persian import InvalidIdentifier, normalize_mobile, normalize_postal_code, normalize_text
from hamgam.domain.places import canonical_city, canonical_province

#: The address fields that must not be empty, by the name the buyer sees.
_LABELS = {"recipient_name": "نام گیرنده", "province": "استان", "city": "شهر", "line": "نشانی"}


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
        """Validate and normalise user input (Persian/Arabic digits, spaces, dashes). The province must be one
        of Iran's 31 and the city one of its cities (``domain.places``). Every mistake is reported at once:
        ``InvalidInput`` names the first offending field and ``details["errors"]`` maps each field to its
        message."""
        errors: dict[str, str] = {}
        mobile_n = postal_n = ""
        try:
            mobile_n = normalize_mobile(mobile)
        except InvalidIdentifier:
            errors["mobile"] = "شماره موبایل معتبر نیست (مثال: ۰۹۱۲۱۲۳۴۵۶۷) — invalid mobile number"
        try:
            postal_n = normalize_postal_code(postal_code)
        except InvalidIdentifier:
            errors["postal_code"] = "کد پستی باید ۱۰ رقم باشد — postal code must be 10 digits"
        texts = {"recipient_name": recipient_name, "province": province, "city": city, "line": line}
        clean = {name: normalize_text(value or "", for_search=False) for name, value in texts.items()}
        for name, label in _LABELS.items():
            if not clean[name]:
                errors[name] = f"{label} را بنویسید — {name} is required"
        province_n = canonical_province(clean["province"]) if clean["province"] else None
        if clean["province"] and province_n is None:
            errors["province"] = "استان را از فهرست انتخاب کنید — unknown province"
        city_n = canonical_city(province_n, clean["city"]) if province_n and clean["city"] else None
        if province_n and clean["city"] and city_n is None:
            errors["city"] = "شهر را از فهرست شهرهای استان انتخاب کنید — the city is not in that province"
        if errors:
            first = next(iter(errors))
            raise InvalidInput(errors[first], field=first, errors=errors)
        assert province_n is not None and city_n is not None
        return cls(
            recipient_name=clean["recipient_name"],
            mobile=mobile_n,
            province=province_n,
            city=city_n,
            line=clean["line"],
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
