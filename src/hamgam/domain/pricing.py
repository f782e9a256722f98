"""The shop price of a product detail: its price level less Mahak's own discount on the detail.

Mahak's ProductDetail carries ``Discount`` and ``DiscountType``: a percent off (``Discount`` 0–100) or an amount
off (``Discount`` in the Mahak database's money unit). Which ``DiscountType`` value means which is not documented
by Mahak, so both codes are settings (``sync.discount_percent_type``, default 0; ``sync.discount_amount_type``,
default 1); any other code, a missing or a non-positive discount takes nothing off.

This is the one statement of the rule. The catalogue, the cart and checkout read prices in SQL
(``hamgam.adapters.db.catalog_read``), which computes the same expression and names this function; so the price
shown is the price charged, and the order line (and with it the Mahak invoice line) carries it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True, slots=True)
class DiscountCodes:
    """Mahak's ``DiscountType`` codes, and Rial per unit of its money (10 for a Toman database)."""

    percent: int = 0
    amount: int = 1
    rial_per_unit: int = 1


def discount_rial(price_rial: int, discount: float | None, discount_type: int | None, codes: DiscountCodes) -> int:
    """Rial taken off ``price_rial``: a percent rounds down (never promised more than Mahak gives), an amount
    rounds half up to the Rial; never more than the price."""
    if price_rial <= 0 or discount is None or not discount > 0 or discount_type is None:
        return 0
    if discount_type == codes.percent:
        off = math.floor(price_rial * min(discount, 100.0) / 100.0)
    elif discount_type == codes.amount:
        off = int((Decimal(repr(float(discount))) * codes.rial_per_unit).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    else:
        return 0
    return min(off, price_rial)


def shop_price(price_rial: int, discount: float | None, discount_type: int | None, codes: DiscountCodes) -> int:
    """The price the shop shows and charges: the level price less ``discount_rial``."""
    return price_rial - discount_rial(price_rial, discount, discount_type, codes)
