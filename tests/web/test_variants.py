"""A product with two properties: one selector per property and one add button that resolves the chosen
combination to its detail; the variant («رنگ: صورتی، سایز: XL») then follows the line through the cart,
checkout, the buyer's and the staff's order pages and the order SMS."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import urlsplit

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hamgam.domain.persian import normalize_text
from tests.queue_helpers import eventually
from tests.web.conftest import Web

POT = 201
#: (detail id, colour, size, stock): pink L is sold out, there is no blue L.
POT_DETAILS = [(2011, "صورتی", "XL", 4), (2012, "صورتی", "L", 0), (2013, "آبی", "XL", 5)]
BUYER = "09125550011"


async def seed_pot(web: Web) -> None:
    await seed_pot_into(web.container.engine)


async def seed_pot_into(engine: AsyncEngine, *, with_colour_name: bool = False) -> None:
    """A pot in colours and sizes; property 1 (رنگ) is the web seed's (``with_colour_name`` adds it), 3 (سایز)
    is new."""
    async with engine.begin() as conn:
        if with_colour_name:
            await conn.execute(
                text("INSERT INTO property_description (mahak_id, code, name, row_version) VALUES (1, '1', 'رنگ', 1)")
            )
        await conn.execute(
            text("INSERT INTO property_description (mahak_id, code, name, row_version) VALUES (3, '3', 'سایز', 1)")
        )
        await conn.execute(
            text("""INSERT INTO product (mahak_id, name, name_search, code, category_id, unit_name, row_version)
                    VALUES (:p, :n, :s, 'P201', NULL, 'عدد', 1)"""),
            {"p": POT, "n": "قابلمه رامک", "s": normalize_text("قابلمه رامک")},
        )
        for detail, colour, size, stock in POT_DETAILS:
            props = [{"code": 1, "value": colour}, {"code": 3, "value": size}]
            await conn.execute(
                text("""INSERT INTO product_detail (mahak_id, product_id, properties, prices_rial, default_price_level,
                            row_version) VALUES (:d, :p, CAST(:props AS jsonb), :prices, 1, 1)"""),
                {"d": detail, "p": POT, "props": orjson.dumps(props).decode(), "prices": [3_000_000] + [0] * 9},
            )
            await conn.execute(
                text("""INSERT INTO visitor_product (mahak_id, product_detail_id, visitor_id, count1, row_version)
                        VALUES (:d, :d, 1, :s, 1)"""),
                {"d": detail, "s": stock},
            )


async def add_choice(web: Web, colour: str, size: str):
    return await web.post(
        "/cart/add",
        {"product_id": str(POT), "prop:1": colour, "prop:3": size, "quantity": "1", "back": f"/product/{POT}"},
        from_page=f"/product/{POT}",
    )


async def cart_details(web: Web) -> list[int]:
    cart = await web.http.get("/cart")
    return list(dict.fromkeys(int(d) for d in re.findall(r'name="detail_id" value="(\d+)"', cart.text)))


async def test_product_page_has_one_selector_per_property_and_one_add_button(web: Web) -> None:
    await seed_pot(web)
    html = (await web.http.get(f"/product/{POT}")).text
    assert "<legend>رنگ</legend>" in html and "<legend>سایز</legend>" in html
    assert re.findall(r'name="prop:1" value="([^"]+)"', html) == ["صورتی", "آبی"]
    assert re.findall(r'name="prop:3" value="([^"]+)"', html) == ["XL", "L"]
    assert html.count("افزودن به سبد") == 1
    # the first combination on sale is chosen to start with
    assert 'name="prop:1" value="صورتی" checked' in html
    assert 'name="prop:3" value="XL" checked' in html
    # every combination is listed by its property names, with its availability
    assert "رنگ: صورتی، سایز: XL" in html and "رنگ: آبی، سایز: XL" in html and "ناموجود" in html


async def test_adding_resolves_the_chosen_combination_to_its_detail(web: Web) -> None:
    await seed_pot(web)
    added = await add_choice(web, "آبی", "XL")
    assert added.status_code == 303 and added.headers["location"] == "/cart"
    assert await cart_details(web) == [2013]
    # Arabic spellings and stray spaces, as a form may send them, name the same detail
    await add_choice(web, "صورتي", " XL ")
    assert sorted(await cart_details(web)) == [2011, 2013]


async def test_an_unavailable_combination_says_so(web: Web) -> None:
    await seed_pot(web)
    missing = await add_choice(web, "آبی", "L")
    assert missing.status_code == 303 and missing.headers["location"] == f"/product/{POT}"
    page = await web.http.get(f"/product/{POT}")
    assert "این ترکیب از کالا موجود نیست" in page.text
    sold_out = await add_choice(web, "صورتی", "L")
    assert sold_out.headers["location"] == f"/product/{POT}"
    assert "موجودی برای این تعداد کافی نیست" in (await web.http.get(f"/product/{POT}")).text
    assert await cart_details(web) == []


async def test_the_variant_follows_the_line_to_every_page_and_the_sms(web: Web) -> None:
    await seed_pot(web)
    await web.login_otp(BUYER)
    await add_choice(web, "صورتی", "XL")
    # cart (page and API) and checkout
    assert "رنگ: صورتی، سایز: XL" in (await web.http.get("/cart")).text
    assert "رنگ: صورتی، سایز: XL" in (await web.http.get("/checkout")).text
    placed = await web.post(
        "/checkout",
        {
            "shipping_method": "post",
            "address_id": "new",
            "recipient_name": "سارا",
            "mobile": BUYER,
            "province": "تهران",
            "city": "تهران",
            "line": "خیابان انقلاب",
            "postal_code": "1314567890",
        },
        from_page="/checkout",
    )
    assert placed.status_code == 303, placed.text
    authority = placed.headers["location"].rsplit("/", 1)[1]
    # a later rename in Mahak does not change the order: the label was kept at checkout
    async with web.container.engine.begin() as conn:
        order_id = (await conn.execute(text("SELECT max(order_id) FROM order_line"))).scalar_one()
        await conn.execute(text("UPDATE property_description SET name = 'فام' WHERE mahak_id = 1"))
    # buyer's order page
    mine = await web.http.get(f"/account/orders/{order_id}")
    assert "قابلمه رامک" in mine.text and "رنگ: صورتی، سایز: XL" in mine.text
    # paid: the SMS names the variant
    back = urlsplit(web.container.payment_gateway.pay(authority))
    returned = await web.http.get(f"{back.path}?{back.query}")
    assert returned.status_code == 303
    notifier = web.container.store.notifier()
    task = asyncio.create_task(notifier.run())
    try:
        await web.container.store.publish_events()
        await eventually(lambda: any("پرداخت شد" in m.text for m in web.container.sms.messages_to(BUYER)))
    finally:
        notifier.stop()
        task.cancel()
    (paid,) = [m.text for m in web.container.sms.messages_to(BUYER) if "پرداخت شد" in m.text]
    assert "قابلمه رامک (رنگ: صورتی، سایز: XL) × ۱" in paid
    # staff's order page
    await web.login_staff()
    admin = await web.http.get(f"/admin/orders/{order_id}")
    assert admin.status_code == 200 and "رنگ: صورتی، سایز: XL" in admin.text
