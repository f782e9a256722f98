"""The storefront's trust and discovery: footer pages, ``robots.txt``, the sitemap (an index, a file of the
site's own pages, and product files of at most ``SITEMAP_URLS_MAX`` URLs, keyset-paged by product id) and the
products API of Torob, the price-comparison site (JSON, cursor pages by product id, or numbered pages)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from hamgam.bootstrap import Container
from hamgam.domain.site import FEED_PAGE_MAX, FEED_PAGE_NUMBER_MAX, FEED_PAGE_SIZE, FEED_SORTS
from hamgam.entrypoints.web.deps import AnyPage
from hamgam.entrypoints.web.pages.common import Id, page_router
from hamgam.entrypoints.web.seo import (
    TOROB_API_VERSION,
    image_url_builder,
    product_id_of,
    product_url,
    site_origin,
    sitemap_index,
    torob_item,
    url_set,
)
from hamgam.services.site.discovery import DiscoveryService
from hamgam.services.site.pages import SitePagesService

router = page_router()

Slug = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,40}$")]
#: Crawlers may keep the sitemap and robots for an hour.
SITEMAP_CACHE = "public, max-age=3600"
#: Where Torob's products API is served (the address the shop registers with Torob). Under ``/api/``: a machine's
#: JSON endpoint, not a page (no session, no CSRF token: it changes nothing), answered by the gateway itself
#: (outside ``/api/v1``, which a remote core serves).
TOROB_PATH = "/api/torob/v3/products"
XML = "application/xml"
#: Paths crawlers are asked to skip: personal, transactional and staff pages, and the JSON API.
ROBOTS_DISALLOW = ("/admin", "/account", "/cart", "/checkout", "/login", "/logout", "/api/", "/search/suggest")


def _container(request: Request) -> Container:
    return request.app.state.container


def _site(container: Container) -> SitePagesService:
    assert container.site is not None, "the container was built without the site services"
    return container.site


def _discovery(container: Container) -> DiscoveryService:
    assert container.discovery is not None, "the container was built without the site services"
    return container.discovery


@router.get("/page/{slug}")
async def site_page(page: AnyPage, slug: Slug):
    found = await _site(page.container).published_page(slug)
    origin = site_origin(page.request, page.container.settings)
    return page.render("store/page.html", site_page=found, canonical=f"{origin}/page/{slug}")


@router.get("/robots.txt")
async def robots(request: Request) -> PlainTextResponse:
    origin = site_origin(request, _container(request).settings)
    lines = ["User-agent: *", *(f"Disallow: {p}" for p in ROBOTS_DISALLOW), "", f"Sitemap: {origin}/sitemap.xml"]
    return PlainTextResponse("\n".join(lines) + "\n", headers={"cache-control": SITEMAP_CACHE})


@router.get("/sitemap.xml")
async def sitemap(request: Request) -> Response:
    """The index: the site's own pages, then one file per ``SITEMAP_URLS_MAX`` listed products."""
    container = _container(request)
    origin = site_origin(request, container.settings)
    starts = await _discovery(container).sitemap_starts()
    locations = [f"{origin}/sitemaps/pages.xml", *(f"{origin}/sitemaps/products-{s}.xml" for s in starts)]
    return Response(sitemap_index(locations), media_type=XML, headers={"cache-control": SITEMAP_CACHE})


@router.get("/sitemaps/pages.xml")
async def sitemap_pages(request: Request) -> Response:
    """Home, every category and every published footer page."""
    container = _container(request)
    origin = site_origin(request, container.settings)
    categories = _codes(await container.store.catalog.categories())
    footer = await _site(container).footer()
    urls = [(f"{origin}/", None)]
    urls += [(f"{origin}/category/{code}", None) for code in categories]
    urls += [(f"{origin}/page/{p['slug']}", None) for p in footer.pages]
    return Response(url_set(urls), media_type=XML, headers={"cache-control": SITEMAP_CACHE})


def _codes(tree: list[dict]) -> list[int]:
    """Every category code of the tree, parents before their children."""
    return [code for node in tree for code in (node["code"], *_codes(node["children"]))]


@router.get("/sitemaps/products-{start}.xml")
async def sitemap_products(request: Request, start: Id) -> Response:
    """The listed products from id ``start`` on, at most ``SITEMAP_URLS_MAX`` (one index range read)."""
    container = _container(request)
    origin = site_origin(request, container.settings)
    products = await _discovery(container).sitemap_page(start)
    body = url_set((product_url(origin, p.product_id), p.lastmod) for p in products)
    return Response(body, media_type=XML, headers={"cache-control": SITEMAP_CACHE})


@dataclass(frozen=True, slots=True)
class TorobRequest:
    """What Torob asked for: some products (``product_ids``), or a cursor page (``cursor``: the lowest id of
    the previous page, None for the first)."""

    product_ids: list[int] | None = None
    cursor: int | None = None
    #: A numbered page (from 1) in ``sort`` order, instead of a cursor page.
    page: int | None = None
    sort: str = "product_id_desc"


class BadTorobRequest(ValueError):
    """A request body Torob's contract does not allow; the message is sent back as ``error``."""


def _strings(body: dict[str, Any], key: str) -> list[str]:
    values = body[key]
    if not isinstance(values, list) or not values or len(values) > FEED_PAGE_MAX:
        raise BadTorobRequest(f"{key} must be a list of 1 to {FEED_PAGE_MAX} strings")
    if not all(isinstance(v, str) for v in values):
        raise BadTorobRequest(f"{key} must be a list of strings")
    return values


def parse_torob_request(body: Any) -> TorobRequest:
    """Torob's products API v3 request: ``page_urls``, ``page_uniques``, numbered pages (``page`` from 1 and a
    ``sort`` of ``FEED_SORTS``), or cursor pages (``sort`` ``product_id_desc`` and the previous answer's
    ``cursor``, no ``page``, ``limit`` nor ``size``). Nothing is defaulted: anything else is a ``BadTorobRequest``."""
    if not isinstance(body, dict) or not body:
        raise BadTorobRequest("request body is empty")
    if "page_urls" in body:
        ids = [product_id_of(url) for url in _strings(body, "page_urls")]
        return TorobRequest(product_ids=[i for i in ids if i is not None])
    if "page_uniques" in body:
        uniques = _strings(body, "page_uniques")
        return TorobRequest(product_ids=[int(u) for u in uniques if u.isascii() and u.isdigit() and len(u) <= 18])
    sort = body.get("sort")
    if sort is None:
        raise BadTorobRequest("sort parameter is not provided")
    if sort not in FEED_SORTS:
        raise BadTorobRequest(f"sort must be one of {', '.join(FEED_SORTS)}")
    if "page" in body:
        page = body["page"]
        if type(page) is not int or not 1 <= page <= FEED_PAGE_NUMBER_MAX:
            raise BadTorobRequest("page must be an integer from 1")
        if any(k in body for k in ("cursor", "limit", "size")):
            raise BadTorobRequest("a page request carries no cursor, limit or size (pages hold 100 products)")
        return TorobRequest(page=page, sort=sort)
    if sort != "product_id_desc":
        raise BadTorobRequest("page parameter is not provided (cursor pages are sorted by product_id_desc)")
    if any(k in body for k in ("limit", "size")):
        raise BadTorobRequest("cursor pages hold 100 products: send no limit or size")
    cursor = body.get("cursor")
    if cursor is None:
        return TorobRequest()
    if not isinstance(cursor, str) or not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 18):
        raise BadTorobRequest("cursor must be the next_cursor of the previous response")
    return TorobRequest(cursor=int(cursor))


@router.post(TOROB_PATH)
async def torob_products(request: Request) -> JSONResponse:
    """Torob's products API (v3): listed products with their price in Toman, availability, pictures and
    category. Cursor pages hold 100 products, highest id first (each one index range read); ``next_cursor`` is
    null after the last. Numbered pages hold 100 products in the asked order with ``current_page``, ``total``
    and ``max_pages`` (``DiscoveryService.feed_numbered_page``). A product not listed (hidden, deleted, not on
    sale) is left out."""
    try:
        wanted = parse_torob_request(await request.json())
    except ValueError as exc:  # a body that is not JSON, or not Torob's
        message = str(exc) if isinstance(exc, BadTorobRequest) else "request body is not JSON"
        return JSONResponse({"error": message}, status_code=400)
    container = _container(request)
    origin = site_origin(request, container.settings)
    discovery = _discovery(container)
    image_url = image_url_builder(request)
    body: dict[str, Any] = {"api_version": TOROB_API_VERSION}
    if wanted.product_ids is not None:
        products = await discovery.feed_products(wanted.product_ids)
        body |= {"current_page": 1, "total": len(products), "max_pages": 1, "next_cursor": None}
    elif wanted.page is not None:
        numbered = await discovery.feed_numbered_page(wanted.page, wanted.sort)
        products = numbered.products
        body |= {"current_page": numbered.page, "total": numbered.total, "max_pages": numbered.max_pages}
        body["next_cursor"] = None
    else:
        products = await discovery.feed_page(wanted.cursor, FEED_PAGE_SIZE)
        following = str(products[-1].product_id) if len(products) == FEED_PAGE_SIZE else None
        body |= {"total": None, "max_pages": None, "next_cursor": following}
    body["products"] = [torob_item(p, origin, image_url) for p in products]
    return JSONResponse(body, headers={"cache-control": "no-store"})
