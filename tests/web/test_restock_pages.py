"""«خبرم کن» pages: the button on an out-of-stock product, the login it needs, the account's list and its cancel."""

from __future__ import annotations

import re

from sqlalchemy import text

from tests.web.conftest import Web

MOBILE = "09351234567"
OUT_OF_STOCK = 104  # قوری چینی گل‌سرخی, its one detail at 0


async def test_a_visitor_is_sent_to_log_in_then_asks_once_and_cancels_from_the_account(web: Web) -> None:
    # given an out-of-stock product page: it offers «خبرم کن»; an in-stock one does not
    page = (await web.http.get(f"/product/{OUT_OF_STOCK}")).text
    assert f'action="/product/{OUT_OF_STOCK}/notify"' in page and "خبرم کن" in page
    # and the phone's buy bar, which stays on screen, leads to it
    buybar = page[page.index('id="buybar"') :]
    assert re.search(r'<a class="btn" href="#notify">خبرم کن</a>', buybar) and 'id="notify"' in page
    assert 'action="/product/103/notify"' not in (await web.http.get("/product/103")).text
    # when a visitor presses it, they are asked to log in and brought back to the product
    response = await web.post(f"/product/{OUT_OF_STOCK}/notify", from_page=f"/product/{OUT_OF_STOCK}")
    assert response.status_code == 303 and response.headers["location"] == f"/login?next=/product/{OUT_OF_STOCK}"
    # when they log in with the one-time code and press it twice
    await web.login_otp(MOBILE)
    first = await web.post(f"/product/{OUT_OF_STOCK}/notify", from_page=f"/product/{OUT_OF_STOCK}")
    second = await web.post(f"/product/{OUT_OF_STOCK}/notify", from_page=f"/product/{OUT_OF_STOCK}")
    assert first.status_code == second.status_code == 303
    # then the account lists the one request, in Persian
    account = (await web.http.get("/account")).text
    assert "در انتظار موجود شدن" in account and "قوری چینی" in account
    ids = re.findall(r'action="/account/restock/(\d+)/cancel"', account)
    assert len(ids) == 1
    # when they cancel it (the form sits behind a confirmation), it is gone
    response = await web.post(f"/account/restock/{ids[0]}/cancel", from_page="/account")
    assert response.status_code == 303
    assert "/account/restock/" not in (await web.http.get("/account")).text


async def test_a_variant_out_of_stock_offers_its_own_button(web: Web) -> None:
    # given a product whose variants are listed, when one variant is at 0 its row offers «خبرم کن» for it
    async with web.container.engine.begin() as conn:
        await conn.execute(text("UPDATE visitor_product SET count1 = 0 WHERE product_detail_id = 1012"))
    page = (await web.http.get("/product/101")).text
    assert 'name="detail_id" value="1012"' in page
    assert page.count('action="/product/101/notify"') == 1
