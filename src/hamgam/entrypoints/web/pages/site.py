"""The storefront's trust and discovery: footer pages, ``robots.txt``, the sitemap (an index, a file of the
site's own pages, and product files of at most ``SITEMAP_URLS_MAX`` URLs, keyset-paged by product id) and the
Torob product feed (JSON, keyset-paged by product id)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from hamgam.bootstrap import Container
from hamgam.domain.site import FEED_PAGE_DEFAULT, FEED_PAGE_MAX
from hamgam.entrypoints.web.deps import AnyPage
from hamgam.entrypoints.web.pages.common import Id, page_router
from hamgam.entrypoints.web.seo import (
    TOROB_API_VERSION,
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
#: Crawlers may keep the sitemap and robots for an hour, the feed for five minutes (prices move).
SITEMAP_CACHE = "public, max-age=3600"
FEED_CACHE = "public, max-age=300"
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


@router.get("/feeds/torob.json")
async def torob_feed(
    request: Request,
    after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=FEED_PAGE_MAX)] = FEED_PAGE_DEFAULT,
    page_unique: Annotated[str | None, Query(max_length=20, pattern=r"^[0-9]+$")] = None,
) -> JSONResponse:
    """Listed products with their price, availability, picture and category, in product id order: a page
    holds the products after id ``after``; ``next`` is the next page's address (null at the end).
    ``page_unique`` asks for one product (an empty list when it is not listed)."""
    container = _container(request)
    origin = site_origin(request, container.settings)
    discovery = _discovery(container)
    if page_unique is not None:
        products = await discovery.feed_products([int(page_unique)])
        following = None
    else:
        products = await discovery.feed_page(after, limit)
        last = products[-1].product_id if len(products) == limit else None
        following = f"{origin}/feeds/torob.json?after={last}&limit={limit}" if last is not None else None
    image_url = request.app.state.web.templates.env.globals["image_url"]
    body = {
        "api_version": TOROB_API_VERSION,
        "count": len(products),
        "next": following,
        "products": [torob_item(p, origin, image_url) for p in products],
    }
    return JSONResponse(body, headers={"cache-control": FEED_CACHE})
