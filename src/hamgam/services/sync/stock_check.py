"""Which stock the shop sells from, and whether that choice fits the Mahak it talks to.

Mahak keeps stock either on the visitor's product links (``VisitorProduct.Count1``) or per warehouse
(``ProductDetailStoreAsset``); which one is the shop's is a merchant choice (``sync.stock_source``, contract §4).
A Mahak that keeps stock in its stores makes the default source show 0 for every product, and the ``stores``
source without store ids sums nothing. The connection test and ``hamgam sync status`` report the source in use
and warn in those cases, from what the sync has already brought in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hamgam.ports.sync import SyncReadModel
from hamgam.settings import StockSource, SyncSettings

#: Warnings, as message ids the admin panel translates (the CLI prints them as they are).
NO_WAREHOUSE_IDS = (
    "The stock source is 'stores' but no store ids are set (HAMGAM_SYNC__STOCK_STORE_IDS): every product shows "
    "a stock of 0."
)
ALL_ZERO_WHILE_WAREHOUSES_HOLD = (
    "Every product shows a stock of 0 with this stock source, while Mahak's stores hold stock: set "
    "HAMGAM_SYNC__STOCK_SOURCE=stores and HAMGAM_SYNC__STOCK_STORE_IDS to the stores to sell from."
)
#: The stock source line of the connection test (``%(source)s``, ``%(in_stock)s`` of ``%(details)s``).
SOURCE_LINE = "Stock source: %(source)s; %(in_stock)s of %(details)s products on sale have stock."


@dataclass(frozen=True)
class StockReport:
    source: str
    #: The field names are the keys of `hamgam sync status --json`'s "stock" object, spelled as Mahak and
    #: the settings spell a warehouse ("store").
    store_ids: list[int]
    #: Details on sale (a live VisitorProduct link) and how many of them have stock under the source.
    details: int
    details_in_stock: int
    #: Warehouse id -> details with stock there, whatever the source.
    stores_holding: dict[int, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def source_name(self) -> str:
        """The source as a setting value, with the store ids it sums."""
        if self.source == StockSource.STORES:
            return f"stores [{', '.join(map(str, self.store_ids))}]"
        return "visitor_product (VisitorProduct.Count1)"

    def describe(self) -> str:
        """The report in one line (English; the CLI's wording)."""
        holding = ", ".join(f"{warehouse}: {n}" for warehouse, n in self.stores_holding.items()) or "none"
        return (
            SOURCE_LINE % {"source": self.source_name, "in_stock": self.details_in_stock, "details": self.details}
            + f" Details with stock per Mahak store: {holding}."
        )


async def stock_report(reads: SyncReadModel, rules: SyncSettings) -> StockReport:
    """The stock source in use, how many details it gives stock to, and the warnings that apply."""
    counts = await reads.stock_counts(rules)
    warnings = []
    if rules.stock_source is StockSource.STORES and not rules.stock_store_ids:
        warnings.append(NO_WAREHOUSE_IDS)
    elif counts.details and not counts.in_stock and counts.warehouses_holding:
        warnings.append(ALL_ZERO_WHILE_WAREHOUSES_HOLD)
    return StockReport(
        source=str(rules.stock_source),
        store_ids=list(rules.stock_store_ids),
        details=counts.details,
        details_in_stock=counts.in_stock,
        stores_holding=counts.warehouses_holding,
        warnings=warnings,
    )
