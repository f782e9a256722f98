"""Mahak's invoice arithmetic, and the store's VAT decision that makes it equal what the buyer paid.

Mahak's rule (``docs/invoice-totals.md``): a line's amount is ``price × count − discount``; its tax
(``TaxPercent``, عوارض) and its charge (``ChargePercent``, مالیات) are each that amount times the percent,
rounded half up to the Rial, and added to it — unless Setting 14008 turns tax off, when both are 0. The invoice
total is the sum of the lines plus the order's ``SendCost`` and ``OtherCost``, minus its ``Discount``.

The store decides each line's percents once, at checkout (``line_rates``), and keeps them on the order line:

- shop prices include VAT: the buyer pays ``price × quantity``; the line goes to Mahak with the net unit price
  (the largest whose Mahak amount is not above the paid one) and the percents; the few Rial left over
  (``ExportLine.remainder``) go on the order's ``OtherCost``;
- shop prices exclude VAT: the buyer pays Mahak's line amount (price, plus tax and charge); the line goes with
  the shop price and the percents;
- tax off in Mahak (14008) or the shop charging no VAT: percents 0, the buyer pays ``price × quantity``.

Mahak's own discount on a product detail (``hamgam.domain.pricing``) is already in the shop price the buyer
paid, so the line goes with that price and no line ``Discount``: Mahak's amount is what was charged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
HUNDRED = Decimal(100)

#: Mahak settings: the default TaxPercent (عوارض), the default ChargePercent (مالیات), tax on/off.
SETTING_TAX, SETTING_CHARGE, SETTING_TAX_ON = 14000, 14001, 14008


@dataclass(frozen=True, slots=True)
class Rates:
    """The two percents of a line, as Mahak applies them (``Decimal``, 0 for none)."""

    tax: Decimal = ZERO
    charge: Decimal = ZERO

    @property
    def none(self) -> bool:
        return self.tax == 0 and self.charge == 0


NO_VAT = Rates()


def tax_switch(value: str | None) -> bool:
    """Setting 14008: tax on unless it says ``0``/``false`` (an unsynced setting counts as on)."""
    return (value or "1").strip().lower() not in {"0", "false"}


def resolve_percent(product_value: float | Decimal | None, default: float | Decimal | str | None) -> Decimal:
    """Mahak's per-product tax/charge: −1 (or none) none, 0 the database default (Setting 14000/14001), else
    itself."""
    if product_value is None or product_value < 0:
        return ZERO
    if product_value == 0:
        return _percent(default)
    return _percent(product_value)


def line_rates(
    product_tax: float | Decimal | None,
    product_charge: float | Decimal | None,
    *,
    tax_default: float | Decimal | str | None,
    charge_default: float | Decimal | str | None,
    tax_on: bool,
    charge_vat: bool,
) -> Rates:
    """The percents a line carries: the product's (through Settings 14000/14001) while Mahak's tax is on
    (14008) and the shop charges VAT; none otherwise."""
    if not (tax_on and charge_vat):
        return NO_VAT
    return Rates(resolve_percent(product_tax, tax_default), resolve_percent(product_charge, charge_default))


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One OrderDetail as Mahak holds it, amounts in Rial."""

    price: int
    #: Count1 (whole for the store's own lines; Mahak's may have decimals).
    count: int | Decimal
    discount: int = 0
    tax_percent: Decimal = ZERO
    charge_percent: Decimal = ZERO


def round_rial(amount: Decimal) -> int:
    """Half up to the whole Rial (Mahak rounds each tax and charge, not the total)."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_total(line: InvoiceLine, *, tax_on: bool = True) -> int:
    """Mahak's amount of one line: ``price × count − discount``, plus its tax and charge when tax is on."""
    base = line.price * line.count - line.discount
    if not isinstance(base, int):
        base = round_rial(Decimal(base))
    if not tax_on:
        return base
    return base + round_rial(base * line.tax_percent / HUNDRED) + round_rial(base * line.charge_percent / HUNDRED)


def mahak_invoice_total(
    lines: Iterable[InvoiceLine], *, send_cost: int = 0, other_cost: int = 0, discount: int = 0, tax_on: bool = True
) -> int:
    """The invoice total Mahak computes (Rial): its lines, plus ``SendCost`` and ``OtherCost``, minus
    ``Discount``; ``tax_on`` is Setting 14008."""
    return sum(line_total(line, tax_on=tax_on) for line in lines) + send_cost + other_cost - discount


def charged_line_total(unit_price: int, quantity: int, rates: Rates, *, prices_include_vat: bool) -> int:
    """What the buyer pays for one line: the shop price when it includes VAT, else Mahak's line amount."""
    if prices_include_vat:
        return unit_price * quantity
    return line_total(InvoiceLine(unit_price, quantity, 0, rates.tax, rates.charge))


@dataclass(frozen=True, slots=True)
class ExportLine:
    """What one order line becomes in Mahak, and the Rial of the paid amount its Mahak amount leaves over."""

    line: InvoiceLine
    remainder: int


def export_line(unit_price: int, quantity: int, rates: Rates, *, prices_include_vat: bool) -> ExportLine:
    """The Mahak line for an order line charged under ``rates`` (see the module's rules); its amount plus the
    remainder is exactly what the buyer paid for it."""
    paid = charged_line_total(unit_price, quantity, rates, prices_include_vat=prices_include_vat)
    if not prices_include_vat or rates.none:
        line = InvoiceLine(unit_price, quantity, 0, rates.tax, rates.charge)
        return ExportLine(line, paid - line_total(line))
    net = _net_unit_price(paid, quantity, rates)
    line = InvoiceLine(net, quantity, 0, rates.tax, rates.charge)
    return ExportLine(line, paid - line_total(line))


def _net_unit_price(paid: int, quantity: int, rates: Rates) -> int:
    """The largest unit price whose Mahak line amount is not above ``paid``."""
    factor = HUNDRED + rates.tax + rates.charge
    net = int((Decimal(paid) * HUNDRED / (factor * quantity)).to_integral_value(rounding=ROUND_FLOOR))

    def amount(price: int) -> int:
        return line_total(InvoiceLine(price, quantity, 0, rates.tax, rates.charge))

    while net > 0 and amount(net) > paid:
        net -= 1
    while amount(net + 1) <= paid:
        net += 1
    return net


def _percent(value: float | Decimal | str | None) -> Decimal:
    if value in (None, ""):
        return ZERO
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return ZERO
    return number if number.is_finite() and number > 0 else ZERO
