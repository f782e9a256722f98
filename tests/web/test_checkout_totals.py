"""Checkout shows what will be paid: the chosen method's cost and the grand total follow the method and the
province (the htmx summary), pickup needs no address, every field error shows at once, saved addresses can be
edited."""

from __future__ import annotations

import dataclasses
import re

from hamgam.domain.persian import format_toman
from tests.web.conftest import Web

SHIRT = 1_250_000  # detail 1011's price in Rial (tests/web/seed.py)


def grand_total(html: str) -> str:
    found = re.search(r'id="grand-total">([^<]+)<', html)
    assert found, html[:2000]
    return found.group(1)


async def test_the_total_follows_the_method_and_the_province(web: Web) -> None:
    # given: post costs 30,000 Toman in Fars instead of 45,000, and a buyer with a shirt in the cart
    shipping = web.container.store.shipping
    post = next(m for m in await shipping.all() if m.code == "post")
    await shipping.update(post.id or 0, dataclasses.replace(post, province_rial={"فارس": 300_000}), actor="t")
    await web.login_otp("09125550001")
    await web.post("/cart/add", {"detail_id": "1011"})
    # when: the checkout opens, the first method is chosen at its base cost
    form = await web.http.get("/checkout")
    assert form.status_code == 200
    assert grand_total(form.text) == format_toman(SHIRT + 450_000)
    assert 'hx-post="/checkout/summary"' in form.text
    # when: the buyer picks Fars as the province (htmx posts the form)
    fars = await web.post(
        "/checkout/summary", {"shipping_method": "post", "address_id": "new", "province": "فارس"}, from_page="/checkout"
    )
    # then: the summary shows Fars's cost, and each method's cost beside it is swapped in too
    assert fars.status_code == 200 and 'id="summary"' in fars.text and "<html" not in fars.text
    assert grand_total(fars.text) == format_toman(SHIRT + 300_000)
    assert re.search(r'id="cost-courier" class="num" hx-swap-oob="true">' + re.escape(format_toman(700_000)), fars.text)
    # when: the buyer picks pickup: shipping is free and the total is the items
    pickup = await web.post(
        "/checkout/summary",
        {"shipping_method": "pickup", "address_id": "new", "province": "فارس"},
        from_page="/checkout",
    )
    assert grand_total(pickup.text) == format_toman(SHIRT)


async def test_every_field_error_shows_at_once_and_nothing_typed_is_lost(web: Web) -> None:
    await web.login_otp("09125550002")
    await web.post("/cart/add", {"detail_id": "1011"})
    form = (await web.http.get("/checkout")).text
    # the fields say what they need: required, digits keyboards for the mobile and the postal code
    for name in ("mobile", "postal_code"):
        tag = re.search(rf'<input id="{name}"[^>]*>', form)
        assert tag and 'inputmode="numeric"' in tag.group(0) and "required" in tag.group(0)
    assert re.search(r'<select id="province" name="province" required', form)
    # when: the buyer sends a mostly empty form with a city of another province
    bad = await web.post(
        "/checkout",
        {"shipping_method": "post", "address_id": "new", "recipient_name": "", "mobile": "0912",
         "province": "تهران", "city": "شیراز", "line": "خیابان آزادی", "postal_code": "12"},
        from_page="/checkout",
    )  # fmt: skip
    # then: each wrong field has its message, all in one answer, and the typed values are kept
    assert bad.status_code == 400
    for field in ("recipient_name", "mobile", "city", "postal_code"):
        assert f'id="{field}-err"' in bad.text, field
    assert 'id="line-err"' not in bad.text and "خیابان آزادی" in bad.text
    assert re.search(r'<option value="تهران" selected>', bad.text)


async def test_pickup_orders_without_an_address(web: Web) -> None:
    await web.login_otp("09125550003")
    await web.post("/cart/add", {"detail_id": "1011"})
    placed = await web.post("/checkout", {"shipping_method": "pickup", "address_id": "new"}, from_page="/checkout")
    assert placed.status_code == 303 and placed.headers["location"].startswith("memory://zarinpal/pg/StartPay/")
    # the order's page says it is collected at the shop instead of showing an empty address
    listing = (await web.http.get("/account/orders")).text
    found = re.search(r'href="/account/orders/(\d+)"', listing)
    assert found
    order = (await web.http.get(f"/account/orders/{found.group(1)}")).text
    assert "نیازی به نشانی نیست" in order and "، ، ،" not in order


async def test_the_city_list_follows_the_province(web: Web) -> None:
    cities = await web.http.get("/places/cities", params={"province": "استان فارس"})
    assert cities.status_code == 200 and 'id="city-field"' in cities.text
    assert '<option value="شیراز"' in cities.text and '<option value="کرج"' not in cities.text


async def test_a_saved_address_can_be_edited_from_checkout(web: Web) -> None:
    await web.login_otp("09125550004")
    await web.post("/cart/add", {"detail_id": "1011"})
    saved = await web.post(
        "/account/addresses",
        {"recipient_name": "سارا", "mobile": "09125550004", "province": "تهران", "city": "تهران",
         "line": "خیابان آزادی", "postal_code": "1314567890"},
        from_page="/account/addresses",
    )  # fmt: skip
    assert saved.status_code == 303
    form = (await web.http.get("/checkout")).text
    link = re.search(r'href="(/account/addresses/(\d+)/edit\?next=/checkout)"', form)
    assert link, "checkout offers to edit the saved address"
    assert (await web.http.get(link.group(1))).status_code == 200
    edited = await web.post(
        f"/account/addresses/{link.group(2)}/edit",
        {"recipient_name": "سارا", "mobile": "09125550004", "province": "فارس", "city": "شیراز",
         "line": "خیابان زند", "postal_code": "7134567890", "next": "/checkout"},
        from_page=link.group(1),
    )  # fmt: skip
    assert edited.status_code == 303 and edited.headers["location"] == "/checkout"
    assert "خیابان زند" in (await web.http.get("/checkout")).text


async def test_a_wrong_address_in_the_address_book_shows_each_error_and_keeps_what_was_typed(web: Web) -> None:
    await web.login_otp("09125550005")
    # when: a new address with a short postal code and no recipient, then an edit of a saved one the same way
    bad = await web.post(
        "/account/addresses",
        {"recipient_name": "", "mobile": "09125550005", "province": "تهران", "city": "تهران",
         "line": "خیابان آزادی", "postal_code": "12", "title": "خانه"},
        from_page="/account/addresses",
    )  # fmt: skip
    # then
    assert bad.status_code == 400
    assert 'id="recipient_name-err"' in bad.text and 'id="postal_code-err"' in bad.text
    assert 'id="line-err"' not in bad.text and "خیابان آزادی" in bad.text and "خانه" in bad.text
