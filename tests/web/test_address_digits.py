"""An address's text is kept with Latin digits (``normalize_text``); every page shows its digits in Persian: the
buyer's saved addresses, the checkout's choice of them and the customer's page in the admin."""

from __future__ import annotations

import re

from tests.web.conftest import Web


async def test_a_saved_address_reads_with_persian_digits(web: Web) -> None:
    await web.login_otp("09125550031")
    await web.post("/cart/add", {"detail_id": "1011"})
    saved = await web.post(
        "/account/addresses",
        {"recipient_name": "سارا", "mobile": "09125550031", "province": "تهران", "city": "تهران",
         "line": "خیابان آزادی، کوچهٔ ۴، پلاک 12", "postal_code": "1314567890"},
        from_page="/account/addresses",
    )  # fmt: skip
    assert saved.status_code == 303
    for path in ("/account/addresses", "/checkout"):
        html = (await web.http.get(path)).text
        assert "خیابان آزادی، کوچهٔ ۴، پلاک ۱۲" in html, path
        assert "پلاک 12" not in html and "کوچهٔ 4" not in html, path
    (customer,), _ = await web.container.store.accounts.list_customers(q="09125550031", offset=0, limit=1)
    web.http.cookies.clear()
    await web.login_staff()
    html = (await web.http.get(f"/admin/customers/{customer['id']}")).text
    assert "خیابان آزادی، کوچهٔ ۴، پلاک ۱۲" in html
    assert not re.search(r"پلاک\s*12", html)
