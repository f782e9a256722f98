"""Public catalogue: categories, product search and pages, shipping methods."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from hamgam.entrypoints.api.deps import Core, Id
from hamgam.entrypoints.api.errors import ERROR_RESPONSES
from hamgam.entrypoints.api.responses import ProductPageOut

router = APIRouter(tags=["catalogue"], responses=ERROR_RESPONSES)
Money = Annotated[int | None, Query(ge=0, le=10**15)]


@router.get("/categories")
async def categories(core: Core) -> list[dict[str, Any]]:
    """The category tree (Mahak's ExtraData 130), roots first."""
    return await core.catalog.categories()


@router.get("/products", response_model=ProductPageOut)
async def products(
    core: Core,
    q: Annotated[str | None, Query(max_length=200, description="Words in any spelling (ی/ي, ک/ك, digits)")] = None,
    category: Annotated[int | None, Query(ge=0, le=2**63 - 1)] = None,
    min_price: Money = None,
    max_price: Money = None,
    in_stock: bool = False,
    sort: Literal["relevance", "name", "price_asc", "price_desc", "newest"] = "name",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 24,
) -> dict[str, Any]:
    """Sellable products; prices are integer Rial (``*_rial``), display them as Toman. ``total`` counts the
    matches when ``total_exact`` is true; otherwise more than ``total`` match (listings stop counting at 1,000,
    searches without a price or stock filter count every match)."""
    return await core.catalog.search(
        q=q,
        category=category,
        min_price_rial=min_price,
        max_price_rial=max_price,
        in_stock=in_stock,
        sort=sort,
        page=page,
        per_page=per_page,
    )


@router.get("/products/{product_id}")
async def product(core: Core, product_id: Id) -> dict[str, Any]:
    return await core.catalog.product(product_id)


@router.get("/shipping-methods")
async def shipping_methods(core: Core) -> list[dict[str, Any]]:
    """The methods on offer, by the merchant's order. ``cost_rial`` is the base cost: the cost of a cart (per
    province, weight, free over ``free_over_rial``) is what ``POST /checkout/quote`` answers. A ``pickup``
    method needs no address."""
    return [
        {
            "code": m.code,
            "title": m.title,
            "kind": str(m.kind),
            "needs_address": m.needs_address,
            "cost_rial": m.base_rial,
            "free_over_rial": m.free_over_rial,
        }
        for m in await core.checkout.shipping_methods()
    ]
