"""What the store may sell, read inside a store transaction (``hamgam.ports.store.SellableReader``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.adapters.db.catalog_read import SellableDetail, sellable_details
from hamgam.adapters.db.vat_read import product_rates
from hamgam.domain.invoice import Rates
from hamgam.settings import SyncSettings


class SqlSellableReader:
    def __init__(self, connection: AsyncConnection, rules: SyncSettings) -> None:
        self._conn = connection
        self._rules = rules

    async def sellable(self, detail_ids: Sequence[int]) -> list[SellableDetail]:
        return await sellable_details(self._conn, self._rules, list(detail_ids))

    async def product_rates(self, product_ids: Sequence[int], *, charge_vat: bool) -> dict[int, Rates]:
        return await product_rates(self._conn, list(product_ids), charge_vat=charge_vat)
