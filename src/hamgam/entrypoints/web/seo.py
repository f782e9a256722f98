"""What crawlers and comparison sites read, built for the pages: the site's public origin, canonical URLs,
schema.org Product JSON-LD, sitemap XML (sitemaps.org 0.9) and Torob feed items."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, cast
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from fastapi import Request

from hamgam.domain.site import feed_toman, in_stock, old_price_rial, schema_availability
from hamgam.entrypoints.web.display import display_name
from hamgam.ports.site import FeedProduct
from hamgam.settings import Settings

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_PRODUCT_PATH = re.compile(r"/product/([0-9]{1,18})/?")
#: The version Torob's shop API answers with.
TOROB_API_VERSION = "torob_api_v3"


def site_origin(request: Request, settings: Settings) -> str:
    """The store's public origin: ``store.public_base_url`` when set (it must be, behind a proxy: canonical
    URLs and the sitemap are cached by search engines), else the address this request came to."""
    if settings.store.public_base_url:
        return settings.store.public_base_url.rstrip("/")
    return str(request.base_url).rstrip("/")


#: Builds a picture's address at a width (``install_web``'s ``image_url``, a global of the templates).
ImageUrl = Callable[[dict[str, str] | None, int], str]


def image_url_builder(request: Request) -> ImageUrl:
    return cast(ImageUrl, request.app.state.web.templates.env.globals["image_url"])


def product_url(origin: str, product_id: int) -> str:
    return f"{origin}/product/{product_id}"


def product_json_ld(product: dict[str, Any], origin: str, image_urls: list[str]) -> dict[str, Any]:
    """schema.org ``Product`` with one ``Offer``: the lowest price in Rial (``IRR``), and whether any variant is
    in stock."""
    available = sum(d["available"] for d in product["details"] if d["price_rial"] > 0)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": display_name(product["name"]),
        "url": product_url(origin, product["product_id"]),
        "offers": {
            "@type": "Offer",
            "url": product_url(origin, product["product_id"]),
            "price": int(product["min_price_rial"] or 0),
            "priceCurrency": "IRR",
            "availability": schema_availability(available),
            "itemCondition": "https://schema.org/NewCondition",
        },
    }
    if product.get("code"):
        data["sku"] = str(product["code"])
    if image_urls:
        data["image"] = image_urls
    description = product.get("seo_description") or product.get("description")
    if description:
        data["description"] = description[:5000]
    return data


def _loc(url: str) -> str:
    return f"<loc>{escape(url)}</loc>"


def sitemap_index(locations: Iterable[str]) -> bytes:
    """``<sitemapindex>`` naming each sitemap file."""
    body = "".join(f"<sitemap>{_loc(loc)}</sitemap>" for loc in locations)
    return f'{XML_DECLARATION}<sitemapindex xmlns="{SITEMAP_NS}">{body}</sitemapindex>'.encode()


def url_set(urls: Iterable[tuple[str, str | None]]) -> bytes:
    """``<urlset>`` of ``(loc, lastmod)`` pairs (``lastmod`` a W3C datetime, or None). Written as text with
    each value escaped: a file of 50,000 URLs is built in a few tens of milliseconds, a tenth of an element
    tree's time."""
    body = "".join(
        f"<url>{_loc(loc)}<lastmod>{escape(lastmod)}</lastmod></url>" if lastmod else f"<url>{_loc(loc)}</url>"
        for loc, lastmod in urls
    )
    return f'{XML_DECLARATION}<urlset xmlns="{SITEMAP_NS}">{body}</urlset>'.encode()


def torob_item(product: FeedProduct, origin: str, image_url: ImageUrl) -> dict:
    """One product as Torob's products API (v3) describes it. Prices are whole Toman, as Torob asks; a product
    without a price or stock is unavailable at price 0."""
    available = bool(product.price_rial) and in_stock(product.available)
    old = old_price_rial(product.price_rial, product.list_price_rial) if available else None
    item: dict[str, Any] = {
        "page_unique": str(product.product_id),
        "page_url": product_url(origin, product.product_id),
        "title": display_name(product.name),
        "current_price": feed_toman(product.price_rial) if available and product.price_rial else 0,
        "availability": available,
        "image_links": [origin + image_url(picture, 960) for picture in product.images],
        "spec": {},
        "date_added": product.created_at.isoformat(),
        "date_updated": product.updated_at.isoformat(),
    }
    if old:
        item["old_price"] = feed_toman(old)
    if product.category_name:
        item["category_name"] = display_name(product.category_name)[:200]
    return item


def product_id_of(url: str) -> int | None:
    """The product a storefront product address names (``…/product/101``, with or without a trailing slash)."""
    found = _PRODUCT_PATH.fullmatch(urlsplit(url).path)
    return int(found.group(1)) if found else None
