"""The first-run setup's sample read straight from Mahak (``hamgam.ports.sync.SetupSamples``), for a shop whose
first sync has not run yet: one page of each of ProductDetail, Product, VisitorProduct and
ProductDetailStoreAsset, prices in Mahak's own money unit."""

from __future__ import annotations

from typing import Any

from hamgam.adapters.mahak.wire import Entity
from hamgam.domain.setup_detect import Sample


class MahakSetupSamples:
    def __init__(self, client: Any, page_size: int = 200) -> None:
        #: ``hamgam.adapters.mahak.client.MahakClient`` (its parsed ``get_page``).
        self._client = client
        self._page_size = page_size

    async def setup_samples(self, limit: int) -> list[Sample]:
        size = max(self._page_size, limit)
        details = [d for d in await self._client.get_page(Entity.PRODUCT_DETAIL, 0, size) if not d.deleted]
        names = {p.product_id: str(p.name) for p in await self._client.get_page(Entity.PRODUCT, 0, size)}
        links: dict[int, float] = {}
        for link in await self._client.get_page(Entity.VISITOR_PRODUCT, 0, size):
            if not link.deleted:
                links[link.product_detail_id] = float(link.count1)
        stores: dict[int, dict[int, float]] = {}
        for asset in await self._client.get_page(Entity.PRODUCT_DETAIL_STORE_ASSET, 0, size):
            if not asset.deleted:
                stores.setdefault(asset.product_detail_id, {})[asset.store_id] = float(asset.count1)
        on_sale = [d for d in details if d.product_detail_id in links] or details
        return [
            Sample(
                detail_id=d.product_detail_id,
                name=names.get(d.product_id, str(d.product_detail_id)),
                prices=tuple(int(getattr(d, f"price{level}") or 0) for level in range(1, 11)),
                default_level=d.default_sell_price_level if 1 <= d.default_sell_price_level <= 10 else 1,
                discount=float(d.discount),
                discount_type=d.discount_type,
                visitor_stock=links.get(d.product_detail_id),
                store_stock=stores.get(d.product_detail_id, {}),
            )
            for d in sorted(on_sale, key=lambda d: (d.product_id, d.product_detail_id))[:limit]
        ]
