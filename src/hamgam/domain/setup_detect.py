"""The first-run setup's guesses: from a sample of Mahak's own product details, what the merchant would otherwise
have to know — where Mahak keeps the stock (on the visitor's links or in stores, and which stores), whether its
money is Rial or Toman, and which of the ten price levels is the shop price — each with the evidence, so the
merchant can confirm or choose otherwise; and the preview of a few products as the storefront would list them.

Prices here are as Mahak keeps them (its own money unit); the preview turns them into Rial by the chosen unit and
applies the catalogue's own rules (``hamgam.domain.pricing.shop_price``, ``hamgam.domain.stock.for_sale``).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from hamgam.domain.pricing import DiscountCodes, shop_price
from hamgam.domain.stock import for_sale

PRICE_LEVELS = 10
#: A price "looks like Rial" when it is a whole thousand of at least this much (Iranian Rial prices end in 000).
RIAL_ROUND = 1_000
RIAL_FLOOR = 10_000
#: The share of prices that must look like Rial to guess Rial; below, Toman.
RIAL_SHARE = 0.6
#: Below this median a price list cannot be Rial (ten thousand Rial is a thousand Toman: less than any good).
RIAL_MEDIAN_FLOOR = 100_000
#: How many example prices each candidate level shows.
EXAMPLES = 3


@dataclass(frozen=True, slots=True)
class Sample:
    """One product detail as Mahak keeps it."""

    detail_id: int
    name: str
    #: Price1..Price10 in Mahak's money unit (0: not filled).
    prices: tuple[int, ...]
    #: DefaultSellPriceLevel (1..10).
    default_level: int = 1
    discount: float | None = None
    discount_type: int | None = None
    #: VisitorProduct.Count1 of the detail's link (None: no link seen).
    visitor_stock: float | None = None
    #: ProductDetailStoreAsset.Count1 by store id.
    store_stock: Mapping[int, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MoneyGuess:
    unit: str  # "rial" | "toman"
    #: Filled prices looked at, and how many of them are whole thousands of at least ``RIAL_FLOOR``.
    prices: int
    round_prices: int
    median: int
    #: False when the evidence is thin or mixed: the merchant should look at the preview before choosing.
    sure: bool


@dataclass(frozen=True, slots=True)
class StockGuess:
    source: str  # "visitor_product" | "stores"
    #: The stores to sum (those holding stock, most details first); empty for the visitor's links.
    store_ids: tuple[int, ...]
    details: int
    #: Details with stock on the visitor's link, and with stock in each store.
    visitor_in_stock: int
    stores_in_stock: Mapping[int, int]


@dataclass(frozen=True, slots=True)
class LevelCandidate:
    level: int
    #: Details with this level filled (a price above 0), and the median of those prices.
    filled: int
    median: int
    #: A few (name, price) pairs, in Mahak's unit.
    examples: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Detection:
    samples: int
    money: MoneyGuess
    stock: StockGuess
    levels: tuple[LevelCandidate, ...]
    #: The suggested level (0: none filled; the detail's own default level applies).
    level: int


@dataclass(frozen=True, slots=True)
class SetupChoice:
    money_unit: str
    price_level: int
    stock_source: str
    store_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class PreviewRow:
    detail_id: int
    name: str
    price_rial: int
    stock: int

    @property
    def available(self) -> bool:
        return self.price_rial > 0 and self.stock > 0


def _filled(samples: Sequence[Sample]) -> list[int]:
    return [p for s in samples for p in s.prices if p > 0]


def guess_money_unit(samples: Sequence[Sample]) -> MoneyGuess:
    """Rial when most filled prices are whole thousands of at least ten thousand and their median is not tiny;
    else Toman. Unsure when there are few prices or the share is neither clearly high nor clearly low."""
    prices = _filled(samples)
    if not prices:
        return MoneyGuess("rial", 0, 0, 0, sure=False)
    round_prices = sum(1 for p in prices if p % RIAL_ROUND == 0 and p >= RIAL_FLOOR)
    median = int(statistics.median(prices))
    share = round_prices / len(prices)
    rial = share >= RIAL_SHARE and median >= RIAL_MEDIAN_FLOOR
    sure = len(prices) >= 5 and (share >= 0.8 or share <= 0.2 or median < RIAL_MEDIAN_FLOOR)
    return MoneyGuess("rial" if rial else "toman", len(prices), round_prices, median, sure)


def guess_stock_source(samples: Sequence[Sample]) -> StockGuess:
    """The stores when they give stock to more details than the visitor's links do (every store holding stock,
    most details first), else the visitor's links (Mahak's default)."""
    visitor = sum(1 for s in samples if (s.visitor_stock or 0) > 0)
    per_store: dict[int, int] = {}
    for s in samples:
        for store_id, count in s.store_stock.items():
            per_store.setdefault(store_id, 0)
            if count > 0:
                per_store[store_id] += 1
    holding = {k: v for k, v in per_store.items() if v > 0}
    in_stores = sum(1 for s in samples if sum(c for k, c in s.store_stock.items() if k in holding) > 0)
    if in_stores > visitor:
        ids = tuple(sorted(holding, key=lambda k: (-holding[k], k)))
        return StockGuess("stores", ids, len(samples), visitor, dict(sorted(per_store.items())))
    return StockGuess("visitor_product", (), len(samples), visitor, dict(sorted(per_store.items())))


def price_levels(samples: Sequence[Sample]) -> tuple[LevelCandidate, ...]:
    """Every level filled for at least one detail, in level order."""
    out = []
    for level in range(1, PRICE_LEVELS + 1):
        filled = [(s.name, s.prices[level - 1]) for s in samples if len(s.prices) >= level and s.prices[level - 1] > 0]
        if filled:
            median = int(statistics.median(p for _, p in filled))
            out.append(LevelCandidate(level, len(filled), median, tuple(filled[:EXAMPLES])))
    return tuple(out)


def suggest_level(candidates: Sequence[LevelCandidate]) -> int:
    """The level filled for most details; among equals, the highest prices (the list or consumer price)."""
    if not candidates:
        return 0
    return max(candidates, key=lambda c: (c.filled, c.median, -c.level)).level


def detect(samples: Sequence[Sample]) -> Detection:
    levels = price_levels(samples)
    money, stock = guess_money_unit(samples), guess_stock_source(samples)
    return Detection(len(samples), money, stock, levels, suggest_level(levels))


def rial_per_unit(money_unit: str) -> int:
    return 10 if money_unit == "toman" else 1


_CODES = DiscountCodes()


def preview(
    samples: Sequence[Sample], choice: SetupChoice, codes: DiscountCodes = _CODES, limit: int = 6
) -> list[PreviewRow]:
    """The first ``limit`` details as the storefront would show them under ``choice``: the shop price in Rial
    (the level's price, or the detail's own default level for level 0, less Mahak's discount) and the stock
    for sale."""
    factor = rial_per_unit(choice.money_unit)
    codes = DiscountCodes(codes.percent, codes.amount, factor)
    rows = []
    for s in samples[:limit]:
        level = choice.price_level if 1 <= choice.price_level <= PRICE_LEVELS else s.default_level
        price = s.prices[level - 1] * factor if 1 <= level <= len(s.prices) else 0
        if choice.stock_source == "stores":
            on_hand = sum(c for k, c in s.store_stock.items() if k in choice.store_ids)
        else:
            on_hand = s.visitor_stock or 0
        price = shop_price(price, s.discount, s.discount_type, codes)
        rows.append(PreviewRow(s.detail_id, s.name, price, for_sale(on_hand)))
    return rows
