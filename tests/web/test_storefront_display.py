"""The storefront pages as served: a list price struck through with the percent off, names from Mahak shown
normalised with codes left as they are, and a message for each filter value that could not be used."""

from __future__ import annotations

import re

import httpx2
from sqlalchemy import text

from hamgam.bootstrap import build
from hamgam.domain.persian import format_toman
from hamgam.entrypoints.api.app import create_app
from tests.api.conftest import api_settings
from tests.web.conftest import Web
from tests.web.seed import seed_catalogue


async def _sell_below_list(web: Web) -> None:
    """The Shahnameh (105) at price level 2, 4,500,000 Rial, below its list price (level 1), 5,000,000."""
    async with web.container.engine.begin() as conn:
        await conn.execute(
            text("""UPDATE product_detail SET prices_rial = ARRAY[5000000, 4500000, 0, 0, 0, 0, 0, 0, 0, 0]::bigint[],
                    default_price_level = 2 WHERE mahak_id = 1051""")
        )


async def test_a_price_below_list_is_shown_with_the_list_price_struck_through(web: Web) -> None:
    # given
    await _sell_below_list(web)
    # when
    product = (await web.http.get("/product/105")).text
    listing = (await web.http.get("/category/3")).text
    other = (await web.http.get("/product/102")).text
    # then: the price charged is the level's, beside the list price struck through and the percent off
    for html in (product, listing):
        assert f'<s class="was"><span class="sr">قیمت پیش از تخفیف:</span> {format_toman(5_000_000)}</s>' in html
        assert "۱۰٪ تخفیف" in html
        assert f'<span class="price">{format_toman(4_500_000)}</span>' in html
    assert 'class="was"' not in other and "تخفیف" not in other


async def test_names_from_mahak_are_normalised_and_codes_kept(web: Web) -> None:
    # given: Mahak's Windows-era spelling (Arabic kaf and yeh, Latin digits) and a Latin code
    async with web.container.engine.begin() as conn:
        await conn.execute(
            text("UPDATE product SET name = 'كتاب شاهنامه فردوسي 2 جلدي', code = 'SH-105' WHERE mahak_id = 105")
        )
    # when
    page = (await web.http.get("/product/105")).text
    # then
    assert "<h1>کتاب شاهنامه فردوسی ۲ جلدی</h1>" in page
    assert "<title>کتاب شاهنامه فردوسی ۲ جلدی |" in page
    assert '<bdi dir="ltr">SH-105</bdi>' in page
    assert "كتاب" not in page and "فردوسي" not in page


async def test_bad_filter_values_are_answered_with_a_message(web: Web) -> None:
    # when: letters for a price, a negative bound and an unknown sort
    response = await web.http.get("/search", params={"q": "کتاب", "min": "abc", "max": "-3", "sort": "x"})
    # then: the page still lists the matches and says what was not applied
    assert response.status_code == 200
    page = response.text
    assert "کمترین قیمت باید عددی درست به تومان باشد؛ اعمال نشد." in page
    assert "بیشترین قیمت باید عددی درست به تومان باشد؛ اعمال نشد." in page
    assert "این ترتیب شناخته نیست؛ ترتیب پیش‌فرض به کار رفت." in page
    assert 'aria-invalid="true"' in page and '<details class="panel filter-box" open>' in page
    assert "دیوان حافظ" in page or "شاهنامه" in page


async def test_htmx_filter_answer_carries_the_message(web: Web) -> None:
    # when: the filter form asks for the results block only
    response = await web.http.get(
        "/category/1", params={"min": "2000000", "max": "100"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    # then: the range is used swapped (100 to 2,000,000 Toman) and the block says so
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="results"')
    assert "کمترین قیمت از بیشترین بالاتر بود؛ جای آن دو عوض شد." in response.text
    assert "پیراهن نخی مردانه" in response.text


async def test_valid_filters_keep_the_panel_quiet(web: Web) -> None:
    page = (await web.http.get("/category/1", params={"min": "۵۰٬۰۰۰"})).text
    assert "filter-problems" not in page
    assert "شال زمستانی" in page and "پیراهن نخی مردانه" in page


async def test_product_page_shows_related_products_in_stock(web: Web) -> None:
    # given: the teapot (104) is out of stock, the kettle (103) in the same category is not
    # when
    page = (await web.http.get("/product/104")).text
    # then
    related = page.split('id="related-h"', 1)[1]
    assert 'href="/product/103"' in related and 'href="/product/104"' not in related


async def test_gallery_has_a_thumbnail_link_per_picture(web: Web) -> None:
    # given: a product with three pictures
    async with web.container.engine.begin() as conn:
        await conn.execute(
            text("""INSERT INTO product_listing (product_id, images) VALUES
                    (102, '[{"key": "p/a"}, {"key": "p/b"}, {"key": "p/c"}]'::jsonb)""")
        )
    # when
    page = (await web.http.get("/product/102")).text
    # then: the swipeable strip holds the pictures, and each thumbnail jumps to its own
    assert page.count('<img id="pic-') == 3
    for n in (1, 2, 3):
        assert f'<a href="#pic-{n}">' in page
    assert "تصویر ۳" in page


async def test_paging_links_leave_out_refused_values(database_url: str) -> None:
    # given: one product a page, so a category of two has a pager
    container = await build(api_settings(database_url, storage={"backend": "memory"}, web={"per_page": 1}))
    await seed_catalogue(container.engine)
    transport = httpx2.ASGITransport(app=create_app(container))
    try:
        async with httpx2.AsyncClient(transport=transport, base_url="http://shop.test") as http:
            # when
            page = (await http.get("/category/1", params={"min": "abc", "sort": "price_asc"})).text
    finally:
        await container.aclose()
    # then: the form still shows what was typed, and the pager carries only what was applied
    assert 'name="min" dir="ltr" inputmode="numeric" value="abc"' in page
    assert 'href="?sort=price_asc&amp;page=2"' in page
    assert "min=abc" not in page


async def test_example_numbers_in_fields_are_written_in_persian_digits(web: Web) -> None:
    def placeholders(html: str) -> list[str]:
        return re.findall(r'placeholder="([^"]*)"', html)

    # the login's mobile, then (logged in) the address form's mobile and postal code
    login = placeholders((await web.http.get("/login")).text)
    await web.login_otp("09351112299")
    address = placeholders((await web.http.get("/account/addresses")).text)
    assert "۰۹۱۲۱۲۳۴۵۶۷" in login and {"۰۹۱۲۱۲۳۴۵۶۷", "۱۲۳۴۵۶۷۸۹۰"} <= set(address), (login, address)
    assert not [p for p in login + address if re.search(r"[0-9]", p)], (login, address)


async def test_an_address_reads_in_persian_digits_whatever_digits_it_was_typed_in(web: Web) -> None:
    # given: an address typed with Latin digits (kept as typed, digits made Latin, for the parcel's label)
    await web.login_otp("09351112298")
    await web.post("/cart/add", {"detail_id": "1011"})
    saved = await web.post(
        "/account/addresses",
        {"recipient_name": "سارا", "mobile": "09351112298", "province": "تهران", "city": "تهران",
         "line": "خیابان آزادی، کوچهٔ 4، پلاک 12", "postal_code": "1314567890"},
        from_page="/account/addresses",
    )  # fmt: skip
    assert saved.status_code == 303
    # then: the address book and the checkout show it in Persian digits
    for path in ("/account/addresses", "/checkout"):
        page = (await web.http.get(path)).text
        assert "خیابان آزادی، کوچهٔ ۴، پلاک ۱۲" in page and "پلاک 12" not in page, path
