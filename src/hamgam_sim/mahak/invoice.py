"""The invoice total a Mahak database computes for an order (docs/invoice-totals.md), from its own rows.

Each live OrderDetail: ``Price × Count1 − Discount``, plus ``TaxPercent`` and ``ChargePercent`` of that amount,
each rounded half up to a whole unit, both 0 while Setting 14008 is off; then the order's ``SendCost`` and
``OtherCost`` are added and its ``Discount`` taken off. Written apart from Hamgam's own rule on purpose: the
export tests compare the two.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hamgam_sim.mahak.store import Database

_TAX_ON_SETTING = 14008


def _dec(value: object) -> Decimal:
    return Decimal(str(value or 0))


def _levy(amount: Decimal, percent: object) -> Decimal:
    return (amount * _dec(percent) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def tax_is_on(db: Database) -> bool:
    table = db["Setting"]
    index = table.entity.index
    values = [
        row[index["Value"]]
        for row in sorted(table.rows.values(), key=lambda r: r[0])
        if row[index["SettingCode"]] == _TAX_ON_SETTING and not row[index["Deleted"]]
    ]
    return not values or str(values[-1]).strip().lower() not in {"0", "false"}


def invoice_total(db: Database, order_id: int) -> Decimal | None:
    """The order's total as Mahak computes it, in the database's money unit; None for no such order."""
    orders = db["Order"]
    order = orders.get(order_id)
    if order is None:
        return None
    o = orders.entity.index
    details = db["OrderDetail"]
    d = details.entity.index
    tax_on = tax_is_on(db)
    total = Decimal(0)
    for row in details.rows.values():
        if row[d["OrderId"]] != order_id or row[d["Deleted"]]:
            continue
        amount = _dec(row[d["Price"]]) * _dec(row[d["Count1"]]) - _dec(row[d["Discount"]])
        total += amount
        if tax_on:
            total += _levy(amount, row[d["TaxPercent"]]) + _levy(amount, row[d["ChargePercent"]])
    return total + _dec(order[o["SendCost"]]) + _dec(order[o["OtherCost"]]) - _dec(order[o["Discount"]])
