"""Footer pages, badges, the sitemap's and the feed's keyset pages, over the in-memory site ports; and what
crawlers and Torob read, built from plain rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
from xml.etree import ElementTree as ET

import pytest

from hamgam.domain.errors import InvalidInput, NotFound
from hamgam.domain.site import Badges, feed_toman
from hamgam.entrypoints.web.markdown import render_markdown
from hamgam.entrypoints.web.pages.site import BadTorobRequest, TorobRequest, parse_torob_request
from hamgam.entrypoints.web.seo import product_json_ld, sitemap_index, torob_item, url_set
from hamgam.ports.site import FeedProduct
from hamgam.services.site.discovery import DiscoveryService
from hamgam.services.site.pages import FOOTER_TTL_S, SitePagesService
from tests.fakes.site import SiteData

ACTOR = "staff:7"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def data() -> SiteData:
    return SiteData()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def site(data: SiteData, clock: Clock) -> SitePagesService:
    return SitePagesService(data.uow, clock=clock)


async def test_the_footer_links_pages_with_text_only_in_footer_order(site: SitePagesService, data: SiteData) -> None:
    data.pages["returns"]["body_md"] = "هفت روز"
    data.pages["contact"]["body_md"] = "۰۲۱"
    footer = await site.footer()
    assert footer.pages == [
        {"slug": "contact", "title": "تماس با ما"},
        {"slug": "returns", "title": "رویه بازگرداندن کالا"},
    ]
    assert footer.badges == Badges()


async def test_the_footer_is_reused_until_it_expires_or_is_edited_here(
    site: SitePagesService, data: SiteData, clock: Clock
) -> None:
    # given
    await site.footer()
    opened = data.opened
    # when another process edits a page
    data.pages["about"]["body_md"] = "ما"
    # then: this process sees it once its copy expires
    assert (await site.footer()).pages == [] and data.opened == opened
    clock.now += FOOTER_TTL_S + 1
    assert [p["slug"] for p in (await site.footer()).pages] == ["about"]
    # and an edit made here shows at once
    await site.save_page("contact", "تماس", "تلفن", ACTOR)
    assert [p["slug"] for p in (await site.footer()).pages] == ["contact", "about"]


async def test_a_page_edit_is_saved_with_its_audit_entry(site: SitePagesService, data: SiteData) -> None:
    page = await site.save_page("about", "  درباره ما  ", "متن\r\nدوم", ACTOR)
    assert page["title"] == "درباره ما" and page["body_md"] == "متن\nدوم" and page["updated_by"] == ACTOR
    assert data.audit == [
        {"actor": ACTOR, "action": "site_page.update", "target": "site_page:about",
         "details": {"title": "درباره ما", "body": "متن\nدوم"}}
    ]  # fmt: skip


async def test_a_page_edit_is_undone_when_its_audit_entry_fails(
    site: SitePagesService, data: SiteData, monkeypatch
) -> None:
    async def broken(*args, **kwargs) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("tests.fakes.site.FakeAuditLog.record", broken)
    with pytest.raises(RuntimeError):
        await site.save_page("about", "درباره", "متن", ACTOR)
    assert data.pages["about"]["body_md"] == "" and data.pages["about"]["title"] == "درباره ما"


async def test_unusable_page_edits_are_refused_and_nothing_is_written(site: SitePagesService, data: SiteData) -> None:
    with pytest.raises(InvalidInput) as untitled:
        await site.save_page("about", " ", "متن", ACTOR)
    with pytest.raises(InvalidInput) as long:
        await site.save_page("about", "عنوان", "x" * 50_001, ACTOR)
    with pytest.raises(NotFound):
        await site.save_page("terms", "عنوان", "متن", ACTOR)
    with pytest.raises(NotFound):
        await site.published_page("about")  # no text yet
    assert untitled.value.details == {"field": "title"} and long.value.details == {"field": "body"}
    assert data.audit == [] and data.pages["about"]["body_md"] == ""


async def test_badge_codes_are_saved_audited_and_shown_only_in_pairs(site: SitePagesService, data: SiteData) -> None:
    # when
    badges = await site.save_badges({"enamad_id": " 123 ", "enamad_code": "AbC9", "samandehi_id": "55"}, ACTOR)
    again = await site.save_badges({"enamad_id": "123", "enamad_code": "AbC9", "samandehi_id": "55"}, ACTOR)
    # then
    assert badges.enamad and not badges.samandehi and again == badges
    assert data.settings == {"enamad_id": "123", "enamad_code": "AbC9", "samandehi_id": "55"}
    assert len(data.audit) == 1 and data.audit[0]["action"] == "site_setting.update"  # the unchanged save: no entry
    # and clearing one code hides its badge
    assert not (await site.save_badges({"enamad_id": "123"}, ACTOR)).enamad
    assert "enamad_code" not in data.settings


@pytest.mark.parametrize("code", ['1"><script>', "12 34", "کد", "a" * 65])
async def test_badge_codes_other_than_letters_and_digits_are_refused(
    site: SitePagesService, data: SiteData, code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await site.save_badges({"enamad_id": "1", "enamad_code": code}, ACTOR)
    assert refused.value.details == {"field": "enamad_code"}
    assert data.settings == {} and data.audit == []


def _product(pid: int, price: int | None = 1_250_000, available: int = 3) -> FeedProduct:
    stamp = dt.datetime(2026, 3, 21, 5, 30, tzinfo=dt.UTC)
    return FeedProduct(pid, f"کالا {pid}", "پوشاک", price, 1_500_000, available, [{"key": f"k{pid}"}], stamp, stamp)


async def test_feed_and_sitemap_pages_walk_the_listed_products_by_id(data: SiteData) -> None:
    # given
    data.listed = {pid: _product(pid) for pid in (3, 5, 8, 13, 21)}
    discovery = DiscoveryService(data.uow, sitemap_page_size=2)
    # when
    starts = await discovery.sitemap_starts()
    files = [[p.product_id for p in await discovery.sitemap_page(s)] for s in starts]
    first = await discovery.feed_page(None, 3)
    second = await discovery.feed_page(first[-1].product_id, 3)
    # then
    assert starts == [3, 8, 21] and files == [[3, 5], [8, 13], [21]]
    assert [p.product_id for p in first] == [21, 13, 8] and [p.product_id for p in second] == [5, 3]
    with pytest.raises(ValueError):
        DiscoveryService(data.uow, sitemap_page_size=50_001)


def test_a_torob_item_is_in_whole_toman_rounded_up_and_unavailable_at_0_without_price_or_stock() -> None:
    image_url = lambda entry, width: f"/media/{entry['key']}/{width}.webp"  # noqa: E731
    item = torob_item(_product(7, price=1_250_005), "https://shop.example.ir", image_url)
    free = torob_item(_product(8, price=None), "https://shop.example.ir", image_url)
    sold_out = torob_item(_product(9, available=0), "https://shop.example.ir", image_url)
    assert item == {
        "page_unique": "7", "page_url": "https://shop.example.ir/product/7", "title": "کالا ۷",
        "current_price": 125_001, "old_price": 150_000, "availability": True,
        "image_links": ["https://shop.example.ir/media/k7/960.webp"], "category_name": "پوشاک", "spec": {},
        "date_added": "2026-03-21T05:30:00+00:00", "date_updated": "2026-03-21T05:30:00+00:00",
    }  # fmt: skip
    assert free["current_price"] == 0 and free["availability"] is False and "old_price" not in free
    assert sold_out["current_price"] == 0 and sold_out["availability"] is False
    assert feed_toman(10) == 1 and feed_toman(11) == 2 and feed_toman(0) == 0


async def test_numbered_feed_pages_walk_every_product_once_each_page_after_the_last(data: SiteData) -> None:
    # given: 250 listed products, each changed at its own time (id 7 most recently)
    base = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    data.listed = {
        pid: dataclasses.replace(
            _product(pid), updated_at=base + dt.timedelta(minutes=(pid * 37) % 250 + (pid == 7) * 999)
        )
        for pid in range(1, 251)
    }
    clock = Clock()
    discovery = DiscoveryService(data.uow, clock=clock)
    for sort in ("date_added_desc", "date_updated_desc", "product_id_desc"):
        data.feed_reads.clear()
        # when: a crawler walks the pages in order, then one past the end
        pages = [await discovery.feed_numbered_page(n, sort) for n in (1, 2, 3, 4)]
        # then: 100, 100, 50 and none, every product once, in the asked order; each page starts after the last
        walked = [p for page in pages for p in page.products]
        assert [len(page.products) for page in pages] == [100, 100, 50, 0]
        assert {(page.total, page.max_pages) for page in pages} == {(250, 3)}
        assert sorted(p.product_id for p in walked) == list(range(1, 251))
        if sort == "date_updated_desc":
            assert walked[0].product_id == 7
            assert [(p.updated_at, p.product_id) for p in walked] == sorted(
                ((p.updated_at, p.product_id) for p in walked), reverse=True
            )
        else:
            assert [p.product_id for p in walked] == list(range(250, 0, -1))
        assert [offset for _, offset in data.feed_reads] == [0, 0, 0, 0]
    # a page asked without its predecessor (another process served it, or it was forgotten) counts from the start
    data.feed_reads.clear()
    clock.now += 3601
    again = await discovery.feed_numbered_page(2, "date_added_desc")
    assert data.feed_reads == [(None, 100)] and again.products[0].product_id == 150
    with pytest.raises(ValueError):
        await discovery.feed_numbered_page(0, "date_added_desc")


@pytest.mark.parametrize(
    ("body", "wanted"),
    [
        ({"sort": "product_id_desc"}, TorobRequest()),
        ({"sort": "product_id_desc", "cursor": "12345"}, TorobRequest(cursor=12345)),
        ({"page_uniques": ["101", "x", "102"]}, TorobRequest(product_ids=[101, 102])),
        ({"page_urls": ["https://s.ir/product/34/", "https://s.ir/page/about"]}, TorobRequest(product_ids=[34])),
        ({"page": 1, "sort": "date_added_desc"}, TorobRequest(page=1, sort="date_added_desc")),
        ({"page": 7, "sort": "date_updated_desc"}, TorobRequest(page=7, sort="date_updated_desc")),
        ({"sort": "product_id_desc", "page": 2}, TorobRequest(page=2, sort="product_id_desc")),
    ],
)
def test_torob_requests_are_read_as_the_contract_says(body: dict, wanted: TorobRequest) -> None:
    assert parse_torob_request(body) == wanted


@pytest.mark.parametrize(
    "body",
    [
        {},
        [],
        {"page": 1},
        {"page": 0, "sort": "date_added_desc"},
        {"page": "2", "sort": "date_added_desc"},
        {"page": True, "sort": "date_added_desc"},
        {"page": 1, "sort": "price_asc"},
        {"page": 1, "sort": "date_added_desc", "cursor": "5"},
        {"page": 1, "sort": "date_added_desc", "limit": 50},
        {"sort": "date_added_desc"},
        {"sort": "product_id_desc", "limit": 50},
        {"sort": "product_id_desc", "cursor": 5},
        {"sort": "product_id_desc", "cursor": "1; drop"},
        {"page_uniques": []},
        {"page_urls": "https://s.ir/product/1"},
    ],
)
def test_torob_requests_outside_the_contract_are_refused(body: object) -> None:
    with pytest.raises(BadTorobRequest):
        parse_torob_request(body)


def test_product_json_ld_offers_the_lowest_price_in_rial_and_says_whether_any_variant_is_in_stock() -> None:
    product = {
        "product_id": 5, "name": "كتاب", "code": "P5", "min_price_rial": 900_000, "description": None,
        "details": [{"price_rial": 900_000, "available": 0}, {"price_rial": 1_000_000, "available": 2}],
    }  # fmt: skip
    data = product_json_ld(product, "https://shop.example.ir", ["https://shop.example.ir/media/a/960.webp"])
    assert data["@type"] == "Product" and data["name"] == "کتاب" and data["sku"] == "P5"
    assert data["offers"] == {
        "@type": "Offer", "url": "https://shop.example.ir/product/5", "price": 900_000, "priceCurrency": "IRR",
        "availability": "https://schema.org/InStock", "itemCondition": "https://schema.org/NewCondition",
    }  # fmt: skip
    product["details"][1]["available"] = 0
    assert product_json_ld(product, "https://x", [])["offers"]["availability"] == "https://schema.org/OutOfStock"


def test_markdown_renders_formatting_and_shows_tags_as_text() -> None:
    html = render_markdown("**پررنگ**\n\n<script>alert(1)</script>\n\n[a](javascript:alert(1)) [b](https://x.ir)")
    assert "<strong>پررنگ</strong>" in html and "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html and '<a href="https://x.ir">b</a>' in html


def test_sitemap_files_are_well_formed_xml_with_their_values_escaped() -> None:
    ns = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = ET.fromstring(url_set([("https://x.ir/page/a?b=1&c=<2>", "2026-03-21T09:00:00Z"), ("https://x.ir/", None)]))
    index = ET.fromstring(sitemap_index(["https://x.ir/sitemaps/pages.xml"]))
    assert [u.text for u in urls.findall("sm:url/sm:loc", ns)] == ["https://x.ir/page/a?b=1&c=<2>", "https://x.ir/"]
    assert [u.text for u in urls.findall("sm:url/sm:lastmod", ns)] == ["2026-03-21T09:00:00Z"]
    assert [s.text for s in index.findall("sm:sitemap/sm:loc", ns)] == ["https://x.ir/sitemaps/pages.xml"]
