"""The store found and trusted: the sitemap (index and keyset-paged product files), robots.txt, canonical and
OpenGraph tags, schema.org Product JSON-LD, the Torob feed, and the footer pages and badges staff edit."""

from __future__ import annotations

import json
import re
from functools import partial
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import httpx2
from sqlalchemy import text

from hamgam.adapters.db.site_uow import SqlSiteUnitOfWork
from hamgam.services.site.discovery import DiscoveryService
from tests.web.conftest import Web
from tests.web.seed import PRODUCTS

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
LISTED = sorted(p[0] for p in PRODUCTS)
_JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def _path(url: str) -> str:
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "shop.test", url  # absolute, on the store's origin
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def _xml(web: Web, url: str) -> ET.Element:
    response = await web.http.get(_path(url))
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("application/xml")
    return ET.fromstring(response.content)


def _small_sitemap_pages(web: Web, size: int) -> None:
    settings = web.container.settings
    web.container.discovery = DiscoveryService(
        partial(SqlSiteUnitOfWork, web.container.engine, settings.sync), sitemap_page_size=size
    )


async def test_sitemap_index_names_pages_of_at_most_the_page_size_covering_every_listed_product(web: Web) -> None:
    # given: pages of 4 products, so the 6 listed products take two files
    _small_sitemap_pages(web, 4)
    # when
    index = await _xml(web, "http://shop.test/sitemap.xml")
    # then
    assert index.tag == f"{{{NS['sm']}}}sitemapindex"
    files = [loc.text for loc in index.findall("sm:sitemap/sm:loc", NS)]
    assert len(index.findall("sm:sitemap", NS)) == len(files) == 3
    assert files[0] == "http://shop.test/sitemaps/pages.xml"
    products: list[str] = []
    for file in files[1:]:
        urlset = await _xml(web, file)
        assert urlset.tag == f"{{{NS['sm']}}}urlset"
        locs = [loc.text for loc in urlset.findall("sm:url/sm:loc", NS)]
        assert 1 <= len(locs) <= 4
        assert all(url.find("sm:lastmod", NS) is not None for url in urlset.findall("sm:url", NS))
        products += locs
    assert products == [f"http://shop.test/product/{pid}" for pid in LISTED]
    own = [loc.text for loc in (await _xml(web, files[0])).findall("sm:url/sm:loc", NS)]
    assert "http://shop.test/" in own and "http://shop.test/category/1" in own


async def test_sitemap_leaves_out_hidden_products(web: Web) -> None:
    # given
    async with web.container.engine.begin() as conn:
        await conn.execute(text("INSERT INTO product_listing (product_id, hidden) VALUES (103, true)"))
    # when
    index = await _xml(web, "http://shop.test/sitemap.xml")
    files = [loc.text for loc in index.findall("sm:sitemap/sm:loc", NS)]
    locs = [loc.text for f in files[1:] for loc in (await _xml(web, f)).findall("sm:url/sm:loc", NS)]
    # then: one file at the default size
    assert len(files) == 2
    assert locs == [f"http://shop.test/product/{pid}" for pid in LISTED if pid != 103]


async def test_robots_allows_the_store_and_names_the_sitemap(web: Web) -> None:
    response = await web.http.get("/robots.txt")
    lines = response.text.splitlines()
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert "User-agent: *" in lines and "Disallow: /admin" in lines and "Disallow: /checkout" in lines
    assert "Sitemap: http://shop.test/sitemap.xml" in lines
    assert "Disallow: /" not in lines and "Disallow: /product" not in lines
    assert "set-cookie" not in response.headers  # cacheable: no session is started


async def test_listing_pages_name_one_canonical_address_and_search_is_not_indexed(web: Web) -> None:
    home = (await web.http.get("/")).text
    filtered = (await web.http.get("/category/1", params={"sort": "price_asc", "stock": "1"})).text
    later = (await web.http.get("/category/1", params={"page": "2"})).text
    search = (await web.http.get("/search", params={"q": "کتاب"})).text
    assert '<link rel="canonical" href="http://shop.test/">' in home
    assert '<link rel="canonical" href="http://shop.test/category/1">' in filtered
    assert '<link rel="canonical" href="http://shop.test/category/1?page=2">' in later
    assert '<meta name="robots" content="noindex, follow">' in search and 'rel="canonical"' not in search
    assert 'name="robots"' not in filtered


async def test_product_page_has_canonical_opengraph_and_product_json_ld(web: Web) -> None:
    # when
    page = (await web.http.get("/product/101")).text
    # then
    assert '<link rel="canonical" href="http://shop.test/product/101">' in page
    assert '<meta property="og:type" content="product">' in page
    assert '<meta property="og:url" content="http://shop.test/product/101">' in page
    scripts = _JSON_LD.findall(page)
    assert len(scripts) == 1
    data = json.loads(scripts[0])
    assert data["@context"] == "https://schema.org" and data["@type"] == "Product"
    assert data["name"] == "پیراهن نخی مردانه" and data["url"] == "http://shop.test/product/101"
    assert data["offers"]["@type"] == "Offer"
    assert data["offers"]["price"] == 1_250_000 and data["offers"]["priceCurrency"] == "IRR"
    assert data["offers"]["availability"] == "https://schema.org/InStock"


async def test_json_ld_says_out_of_stock_and_cannot_be_broken_out_of(web: Web) -> None:
    # given: a description that tries to close the script element
    async with web.container.engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO product_listing (product_id, seo_description) VALUES (104, :d)"),
            {"d": '</script><script>alert("x")</script>'},
        )
    # when
    page = (await web.http.get("/product/104")).text
    # then
    data = json.loads(_JSON_LD.findall(page)[0])
    assert data["offers"]["availability"] == "https://schema.org/OutOfStock"
    assert data["description"] == '</script><script>alert("x")</script>'
    assert '<script>alert("x")' not in page


async def _torob(web: Web, body: object) -> httpx2.Response:
    return await web.http.post("/api/torob/v3/products", json=body)


async def test_torob_cursor_pages_walk_every_listed_product_highest_id_first(web: Web, monkeypatch) -> None:
    # given: pages of 4 (Torob's are 100), so the 6 listed products take two
    monkeypatch.setattr("hamgam.entrypoints.web.pages.site.FEED_PAGE_SIZE", 4)
    # when: following next_cursor to the end, as Torob does
    seen: list[dict] = []
    request: dict = {"sort": "product_id_desc"}
    for _ in range(3):
        response = await _torob(web, request)
        assert response.status_code == 200, response.text
        assert "set-cookie" not in response.headers
        body = response.json()
        assert body["api_version"] == "torob_api_v3" and len(body["products"]) <= 4
        assert body["total"] is None and body["max_pages"] is None
        seen += body["products"]
        if body["next_cursor"] is None:
            break
        assert isinstance(body["next_cursor"], str)
        request = {"sort": "product_id_desc", "cursor": body["next_cursor"]}
    # then
    assert [p["page_unique"] for p in seen] == [str(pid) for pid in reversed(LISTED)]
    by_id = {p["page_unique"]: p for p in seen}
    shirt = by_id["101"]
    assert set(shirt) >= {
        "page_unique", "page_url", "title", "current_price", "availability", "image_links", "spec", "date_added",
        "category_name",
    }  # fmt: skip
    assert shirt["page_url"] == "http://shop.test/product/101" and shirt["title"] == "پیراهن نخی مردانه"
    assert shirt["current_price"] == 125_000 and shirt["availability"] is True  # Toman
    assert shirt["category_name"] == "پوشاک" and "old_price" not in shirt and shirt["spec"] == {}
    assert shirt["image_links"] == [] and "+00:00" in shirt["date_added"]
    assert by_id["104"]["availability"] is False and by_id["104"]["current_price"] == 0


async def test_torob_asks_for_some_products_by_unique_or_url(web: Web) -> None:
    async with web.container.engine.begin() as conn:
        await conn.execute(text("INSERT INTO product_listing (product_id, hidden) VALUES (103, true)"))
    uniques = (await _torob(web, {"page_uniques": ["105", "103", "999"]})).json()
    urls = (await _torob(web, {"page_urls": ["http://shop.test/product/102/", "http://shop.test/cart"]})).json()
    assert [p["page_unique"] for p in uniques["products"]] == ["105"]  # hidden and unknown ones left out
    assert uniques["total"] == 1 and uniques["max_pages"] == 1 and uniques["next_cursor"] is None
    assert [p["page_unique"] for p in urls["products"]] == ["102"]


async def test_torob_numbered_pages_walk_every_listed_product_in_the_asked_order(web: Web, monkeypatch) -> None:
    # given: pages of 4 (Torob's are 100), so the 6 listed products take two; 102 changed last
    monkeypatch.setattr("hamgam.services.site.discovery.FEED_PAGE_SIZE", 4)
    async with web.container.engine.begin() as conn:
        await conn.execute(text("UPDATE product SET updated_at = now() + interval '1 hour' WHERE mahak_id = 102"))
    # when: a page asked straight away (counted from the start), then the walk from page 1 (each after the last)
    direct = (await _torob(web, {"page": 2, "sort": "date_updated_desc"})).json()
    walks: dict[str, list[str]] = {}
    for sort in ("date_added_desc", "date_updated_desc"):
        walks[sort] = []
        for page in (1, 2, 3):
            response = await _torob(web, {"page": page, "sort": sort})
            assert response.status_code == 200, response.text
            body = response.json()
            assert (body["current_page"], body["total"], body["max_pages"]) == (page, len(LISTED), 2)
            assert body["next_cursor"] is None and len(body["products"]) == [4, 2, 0][page - 1]
            walks[sort] += [p["page_unique"] for p in body["products"]]
    # then: every listed product once; newest added (highest id) first, or latest changed first
    assert walks["date_added_desc"] == [str(pid) for pid in reversed(LISTED)]
    assert walks["date_updated_desc"][0] == "102"
    assert sorted(walks["date_updated_desc"]) == sorted(str(pid) for pid in LISTED)
    assert [p["page_unique"] for p in direct["products"]] == walks["date_updated_desc"][4:]


async def test_torob_requests_outside_the_contract_get_400_with_an_error(web: Web) -> None:
    for body in (
        {},
        {"page": 1},
        {"page": 0, "sort": "date_added_desc"},
        {"page": 1, "sort": "price_asc"},
        {"sort": "date_added_desc"},
        {"sort": "product_id_desc", "cursor": 3},
    ):
        response = await _torob(web, body)
        assert response.status_code == 400 and isinstance(response.json()["error"], str), body
    not_json = await web.http.post("/api/torob/v3/products", content=b"{", headers={"content-type": "application/json"})
    assert not_json.status_code == 400 and not_json.json() == {"error": "request body is not JSON"}


async def test_staff_edit_a_footer_page_and_no_script_they_type_runs(web: Web) -> None:
    # given: empty pages are not linked
    assert 'href="/page/about"' not in (await web.http.get("/")).text
    assert (await web.http.get("/page/about")).status_code == 404
    await web.login_staff()
    admin = (await web.http.get("/admin/site")).text
    assert "درباره ما" in admin and "صفحه‌های سایت و نمادها" in admin and "نمادهای اعتماد" in admin
    # when
    body = (
        '**همگام** از ۱۴۰۵.\n\n<script>alert("xss")</script>\n\n'
        "[پیوند](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )
    saved = await web.post(
        "/admin/site/pages/about", {"title": "درباره فروشگاه", "body": body}, from_page="/admin/site"
    )
    # then: shown at once, rendered as Markdown, the tags as text
    assert saved.status_code == 303
    page = (await web.http.get("/page/about")).text
    assert "<strong>همگام</strong>" in page
    assert '<script>alert("xss")</script>' not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page and 'href="javascript:' not in page
    assert '<link rel="canonical" href="http://shop.test/page/about">' in page
    home = (await web.http.get("/")).text
    assert '<a href="/page/about">درباره فروشگاه</a>' in home
    async with web.container.engine.connect() as conn:
        audit = (
            await conn.execute(text("SELECT actor, target FROM audit_log WHERE action = 'site_page.update'"))
        ).all()
    assert len(audit) == 1 and audit[0].target == "site_page:about"


async def test_a_page_without_a_title_is_refused_with_a_persian_message(web: Web) -> None:
    await web.login_staff()
    response = await web.post("/admin/site/pages/contact", {"title": " ", "body": "x"}, from_page="/admin/site")
    assert response.status_code == 400 and "عنوان صفحه را بنویسید" in response.text
    assert (await web.http.get("/page/contact")).status_code == 404


async def test_badges_show_only_when_their_codes_are_set(web: Web) -> None:
    # given
    assert "trustseal.enamad.ir" not in (await web.http.get("/")).text
    await web.login_staff()
    # when: Enamad's two codes, Samandehi's id only
    saved = await web.post(
        "/admin/site/badges",
        {"enamad_id": "123456", "enamad_code": "AbC123xyz", "samandehi_id": "987", "samandehi_p": ""},
        from_page="/admin/site",
    )
    refused = await web.post("/admin/site/badges", {"enamad_id": '1"><script>'}, from_page="/admin/site")
    # then
    assert saved.status_code == 303 and refused.status_code == 400
    home = (await web.http.get("/")).text
    assert 'src="https://trustseal.enamad.ir/logo.aspx?id=123456&amp;Code=AbC123xyz"' in home
    assert "logo.samandehi.ir" not in home
    csp = (await web.http.get("/")).headers["content-security-policy"]
    assert "https://trustseal.enamad.ir" in csp
    async with web.container.engine.connect() as conn:
        actions = (
            await conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'site_setting.update'"))
        ).scalar()
    assert actions == 1
