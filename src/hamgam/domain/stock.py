"""What the store may still sell of a product detail: Mahak's stock less the store's own holds.

This is the one statement of the rule. Python callers use ``available``; the SQL that must decide it inside
the database (the conditional reservation ``UPDATE`` and the catalogue's per-product sums, in
``hamgam.adapters.db.catalog_read``) computes the same expression and names this function.
"""

from __future__ import annotations

import math


def for_sale(on_hand: float) -> int:
    """Whole units Mahak has for sale: Mahak may send fractions and negatives (stock owed between warehouses);
    only the net is clamped to zero."""
    return max(math.floor(on_hand), 0)


def available(on_hand: float, reserved: int) -> int:
    """Units a buyer may still reserve: ``for_sale(on_hand)`` less what the store holds, never below zero."""
    return max(for_sale(on_hand) - reserved, 0)
