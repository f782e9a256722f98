"""The storefront: home, category pages, search with as-you-type suggestions, filters, sorting and paging,
and product pages."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import Form, Query

from hamgam.domain.errors import NotFound
from hamgam.domain.listing import is_shown
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
from hamgam.entrypoints.web.seo import image_url_builder, product_json_ld, product_url, site_origin

router = page_router()

SORT_LABELS = {
    "relevance": N_("Best match"),
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
        canonical=site_origin(page.request, page.container.settings) + "/",
    )


def _given(raw: str | None) -> bool:
    return bool(raw and raw.strip())


def read_filters(params: dict[str, str | None], *, default_sort: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The listing's filters from the query string, and a message (a catalogue msgid) for each value that
    could not be used, by field: a bad value is dropped and said so, never silently ignored."""
    problems: dict[str, str] = {}
    sort = params.get("sort")
    if _given(sort) and sort not in SORT_LABELS:
        problems["sort"] = N_("That sort order is unknown, so the default order is used.")
    number = parse_int(params.get("page"), low=1, high=MAX_PAGE)
    if _given(params.get("page")) and number is None:
        problems["page"] = N_("That page number is not valid, so the first page is shown.")
    bounds = {}
    for field, message in (
        ("min", N_("The lowest price must be a whole number of Toman; it was not applied.")),
        ("max", N_("The highest price must be a whole number of Toman; it was not applied.")),
    ):
        bounds[field] = toman_to_rial(params.get(field))
        if _given(params.get(field)) and bounds[field] is None:
            problems[field] = message
    low, high = bounds["min"], bounds["max"]
    if low is not None and high is not None and low > high:
        low, high = high, low
        problems["range"] = N_("The lowest price was above the highest, so the two were swapped.")
    filters = {
        "sort": sort if sort in SORT_LABELS else default_sort,
        "page": number or 1,
        "min_price_rial": low,
        "max_price_rial": high,
        "in_stock": bool(params.get("stock")),
    }
    return filters, problems


async def _listing(
    page: AnyPage,
    *,
    category: int | None,
    q: str | None,
    params: dict,
    template_extra: dict,
    problems: dict[str, str] | None = None,
):
    settings = page.container.settings.web
    filters, found_problems = read_filters(params, default_sort="relevance" if q else "newest")
    problems = (problems or {}) | found_problems
    sort, number = filters["sort"], filters["page"]
    result = await page.core.catalog.search(
        q=q,
        category=category,
        min_price_rial=filters["min_price_rial"],
        max_price_rial=filters["max_price_rial"],
        in_stock=filters["in_stock"],
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
        "problems": problems,
        # paging links carry the filters that were applied, not the values refused
        "link_params": {k: v for k, v in params.items() if v and k not in problems},
        "filters_open": bool(problems) or any(params.get(k) for k in ("min", "max", "stock", "sort", "cat")),
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
        template_extra={
            "category": node,
            "trail": trail,
            "categories": tree,
            "action": f"/category/{code}",
            "canonical": _category_canonical(page, code, page_),
        },
    )


def _category_canonical(page: AnyPage, code: int, page_number: str | None) -> str:
    """A category page's one address: filters and orders are views of it; later pages keep their number."""
    url = f"{site_origin(page.request, page.container.settings)}/category/{code}"
    number = parse_int(page_number, low=1, high=MAX_PAGE)
    return f"{url}?page={number}" if number and number > 1 else url


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
    problems = {}
    if _given(cat) and node is None:
        problems["cat"] = N_("That category was not found, so every category is searched.")
    params = {"q": q, "sort": sort, "min": low, "max": high, "stock": stock, "cat": cat, "page": page_}
    return await _listing(
        page,
        category=node["code"] if node else None,
        q=q,
        params=params,
        template_extra={"category": node, "trail": trail, "categories": tree, "action": "/search"},
        problems=problems,
    )


@router.get("/search/suggest")
async def suggest(page: AnyPage, q: Text = None):
    """As-you-type suggestions (an htmx fragment): a few product names for the words typed so far."""
    items = []
    if q and len(q.strip()) >= 2:
        items = (await page.core.catalog.search(q=q, sort="relevance", per_page=6))["items"]
    return page.render("store/_suggest.html", items=items, q=q or "")


@router.get("/product/{product_id}")
async def product(page: AnyPage, product_id: Id):
    item = await page.core.catalog.product(product_id)
    images = [i for i in item["images"] if is_shown(i)]
    tree = await page.core.catalog.categories()
    node, trail = find_category(tree, item["category_id"]) if item.get("category_id") is not None else (None, ())
    related = await page.core.catalog.related(item) if node is not None else []
    origin = site_origin(page.request, page.container.settings)
    image_url = image_url_builder(page.request)
    pictures = [origin + image_url(i, 960) for i in images]
    return page.render(
        "store/product.html",
        product=item,
        images=images,
        category=node,
        trail=trail,
        related=related,
        canonical=product_url(origin, product_id),
        og_image=pictures[0] if pictures else None,
        json_ld=product_json_ld(item, origin, pictures),
    )


@router.post("/product/{product_id}/notify")
async def notify_me(page: AnyPage, product_id: Id, detail_id: Annotated[str | None, Form(max_length=20)] = None):
    """«خبرم کن»: text me when this product (or this variant) is back. A visitor logs in first (the one-time code
    proves the mobile) and comes back to the product page."""
    back = f"/product/{product_id}"
    if page.user is None:
        return page.redirect(
            f"/login?next={back}", flash=N_("Log in with your mobile, then ask again to be told when it is back.")
        )
    profile = await page.core.accounts.profile(page.user.customer_id)
    try:
        created = await page.core.restock.request(
            page.user.customer_id, profile["mobile"], product_id, parse_int(detail_id) if detail_id else None
        )
    except NotFound as exc:
        return page.redirect(back, flash=page.error_text(exc), kind="error")
    if created:
        return page.redirect(back, flash=N_("We will text you once, when it is back in stock."))
    return page.redirect(back, flash=N_("You are already on the list: we will text you when it is back."))
