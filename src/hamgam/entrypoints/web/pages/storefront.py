"""The storefront: home, category pages, search with as-you-type suggestions, filters, sorting and paging,
and product pages."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import Query

from hamgam.domain.errors import NotFound
from hamgam.entrypoints.web.deps import AnyPage
from hamgam.entrypoints.web.i18n import N_
from hamgam.entrypoints.web.pages.common import (
    MAX_PAGE,
    Id,
    find_category,
    page_router,
    parse_int,
    toman_to_rial,
    with_covers,
)

router = page_router()

SORT_LABELS = {
    "newest": N_("Newest"),
    "price_asc": N_("Cheapest"),
    "price_desc": N_("Most expensive"),
    "name": N_("Name"),
}
Text = Annotated[str | None, Query(max_length=200)]
Low = Annotated[str | None, Query(alias="min", max_length=30)]
High = Annotated[str | None, Query(alias="max", max_length=30)]
PageNo = Annotated[str | None, Query(alias="page", max_length=10)]


@router.get("/")
async def home(page: AnyPage):
    catalog = page.core.catalog
    newest = await catalog.newest(limit=8)
    featured = await catalog.featured(limit=8)
    return page.render(
        "store/home.html",
        categories=await catalog.categories(),
        newest=await with_covers(page, newest),
        featured=await with_covers(page, featured),
    )


async def _listing(page: AnyPage, *, category: int | None, q: str | None, params: dict, template_extra: dict):
    settings = page.container.settings.web
    sort = params.get("sort") if params.get("sort") in SORT_LABELS else ("name" if q else "newest")
    number = parse_int(params.get("page"), low=1, high=MAX_PAGE) or 1
    min_rial, max_rial = toman_to_rial(params.get("min")), toman_to_rial(params.get("max"))
    if min_rial is not None and max_rial is not None and min_rial > max_rial:
        min_rial, max_rial = max_rial, min_rial
    result = await page.core.catalog.search(
        q=q,
        category=category,
        min_price_rial=min_rial,
        max_price_rial=max_rial,
        in_stock=bool(params.get("stock")),
        sort=sort,
        page=number,
        per_page=settings.per_page,
    )
    # past the counted matches, one page more than known is offered; each page counts up to its own end
    pages = max(1, math.ceil(result["total"] / settings.per_page) + (0 if result["total_exact"] else 1))
    context = {
        "products": await with_covers(page, result["items"]),
        "total": result["total"],
        "total_exact": result["total_exact"],
        "page_number": number,
        "pages": pages,
        "sort": sort,
        "sorts": SORT_LABELS,
        "params": {k: v for k, v in params.items() if v},
        "q": q or "",
    } | template_extra
    block = "results" if page.htmx and page.request.headers.get("hx-target", "").split("#")[-1] == "results" else None
    return page.render("store/listing.html", block=block, **context)


@router.get("/category/{code}")
async def category(
    page: AnyPage,
    code: Id,
    sort: Text = None,
    low: Low = None,
    high: High = None,
    stock: Text = None,
    page_: PageNo = None,
):
    tree = await page.core.catalog.categories()
    node, trail = find_category(tree, code)
    if node is None:
        raise NotFound("دسته پیدا نشد — category not found")
    params = {"sort": sort, "min": low, "max": high, "stock": stock, "page": page_}
    return await _listing(
        page,
        category=code,
        q=None,
        params=params,
        template_extra={"category": node, "trail": trail, "categories": tree, "action": f"/category/{code}"},
    )


@router.get("/search")
async def search(
    page: AnyPage,
    q: Text = None,
    sort: Text = None,
    low: Low = None,
    high: High = None,
    stock: Text = None,
    cat: Text = None,
    page_: PageNo = None,
):
    tree = await page.core.catalog.categories()
    code = parse_int(cat)
    node, trail = find_category(tree, code) if code is not None else (None, ())
    params = {"q": q, "sort": sort, "min": low, "max": high, "stock": stock, "cat": cat, "page": page_}
    return await _listing(
        page,
        category=node["code"] if node else None,
        q=q,
        params=params,
        template_extra={"category": node, "trail": trail, "categories": tree, "action": "/search"},
    )


@router.get("/search/suggest")
async def suggest(page: AnyPage, q: Text = None):
    """As-you-type suggestions (an htmx fragment): a few product names for the words typed so far."""
    items = []
    if q and len(q.strip()) >= 2:
        items = (await page.core.catalog.search(q=q, per_page=6))["items"]
    return page.render("store/_suggest.html", items=items, q=q or "")


@router.get("/product/{product_id}")
async def product(page: AnyPage, product_id: Id):
    item = await page.core.catalog.product(product_id)
    images = [i for i in item["images"] if i.get("key") and i.get("hidden") != "true"]
    tree = await page.core.catalog.categories()
    node, trail = find_category(tree, item["category_id"]) if item.get("category_id") is not None else (None, ())
    return page.render("store/product.html", product=item, images=images, category=node, trail=trail)
