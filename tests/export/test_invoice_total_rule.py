"""Mahak's invoice total equals what the buyer paid, for every combination of Mahak's tax settings
(14000/14001/14008), the products' own percents and the shop's VAT settings, and any cart (docs/invoice-totals.md).
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from hamgam.domain.checkout import PricedLine, totals
from hamgam.domain.invoice import (
    InvoiceLine,
    Rates,
    export_line,
    line_rates,
    line_total,
    mahak_invoice_total,
    resolve_percent,
)

# Mahak's percents: −1 none, 0 the setting's default, else the product's own (decimals happen).
product_percent = st.one_of(
    st.none(), st.sampled_from([-1.0, 0.0]), st.decimals(min_value=Decimal("0.5"), max_value=Decimal(30), places=2)
)
setting_value = st.sampled_from([None, "", "0", "1", "3", "6", "9", "10", "2.5", "bad"])
cart_line = st.tuples(
    st.integers(min_value=1, max_value=5_000_000_000),  # unit price, Rial
    st.integers(min_value=1, max_value=100),  # quantity
    product_percent,  # TaxPercent
    product_percent,  # ChargePercent
)


def test_the_contract_rule_on_worked_examples() -> None:
    # 2 × 1,000,000 Rial with 1% tax and 9% charge: 2,000,000 + 20,000 + 180,000
    line = InvoiceLine(1_000_000, 2, 0, Decimal(1), Decimal(9))
    assert line_total(line) == 2_200_000
    assert line_total(line, tax_on=False) == 2_000_000  # Setting 14008 off: no tax, no charge
    # each levy rounds half up to the Rial on its own: 15 × 9% = 1.35 → 1, 15 × 10% = 1.5 → 2
    assert line_total(InvoiceLine(15, 1, 0, Decimal(0), Decimal(9))) == 16
    assert line_total(InvoiceLine(15, 1, 0, Decimal(10), Decimal(0))) == 17
    # the discount comes off before the levies; the order adds SendCost and OtherCost and takes its Discount
    assert line_total(InvoiceLine(1000, 3, 500, Decimal(10), Decimal(0))) == 2750
    assert mahak_invoice_total([line], send_cost=450_000, other_cost=7, discount=1000) == 2_649_007
    # a product's −1 is none, 0 is the setting's default
    assert resolve_percent(-1, "9") == 0 and resolve_percent(0, "9") == 9
    assert resolve_percent(3.5, "9") == Decimal("3.5")


@settings(max_examples=400, deadline=None)
@given(
    cart=st.lists(cart_line, min_size=1, max_size=8),
    shipping=st.integers(min_value=0, max_value=10_000_000),
    tax_default=setting_value,
    charge_default=setting_value,
    tax_on=st.booleans(),
    charge_vat=st.booleans(),
    prices_include_vat=st.booleans(),
)
def test_mahak_total_of_the_exported_order_is_what_the_buyer_paid(
    cart, shipping, tax_default, charge_default, tax_on, charge_vat, prices_include_vat
) -> None:
    # given the percents checkout decides for each line under these settings
    lines = [
        PricedLine(
            i,
            i,
            f"p{i}",
            quantity,
            price,
            line_rates(
                tax,
                charge,
                tax_default=tax_default,
                charge_default=charge_default,
                tax_on=tax_on,
                charge_vat=charge_vat,
            ),
        )
        for i, (price, quantity, tax, charge) in enumerate(cart)
    ]
    # when the buyer pays the checkout total and the order is exported as the export builds it
    paid = totals(lines, shipping, prices_include_vat=prices_include_vat).total_rial
    exported = [
        export_line(ln.unit_price_rial, ln.quantity, ln.rates, prices_include_vat=prices_include_vat) for ln in lines
    ]
    other_cost = sum(e.remainder for e in exported)
    # then Mahak, computing the invoice by its rule with its own 14008, charges exactly what was paid
    mahak = mahak_invoice_total([e.line for e in exported], send_cost=shipping, other_cost=other_cost, tax_on=tax_on)
    assert mahak == paid
    for ln, e in zip(lines, exported, strict=True):
        assert e.line.count == ln.quantity and 0 <= e.line.price <= ln.unit_price_rial
        assert (e.line.tax_percent, e.line.charge_percent) == (ln.rates.tax, ln.rates.charge)
        # the remainder is a rounding leftover: less than one more net unit price (plus its levies)
        assert 0 <= e.remainder <= line_total(InvoiceLine(1, ln.quantity, 0, ln.rates.tax, ln.rates.charge)) + 2
        if not prices_include_vat or ln.rates.none:
            assert e.remainder == 0 and e.line.price == ln.unit_price_rial
    if not (tax_on and charge_vat):
        # no VAT in Mahak or in the shop: every line at its shop price with no percents, the buyer pays the prices
        assert all(e.line.tax_percent == e.line.charge_percent == 0 for e in exported)
        assert paid == sum(ln.total_rial for ln in lines) + shipping


def test_prices_without_vat_charge_the_buyer_mahaks_tax_and_charge() -> None:
    line = PricedLine(1, 1, "p", 3, 333_333, Rates(Decimal(1), Decimal(9)))
    sums = totals([line], 450_000, prices_include_vat=False)
    assert sums.items_rial == 999_999 and sums.vat_rial == 10_000 + 90_000 and sums.total_rial == 1_549_999
    included = totals([line], 450_000, prices_include_vat=True)
    assert included.vat_rial == 0 and included.total_rial == 1_449_999
