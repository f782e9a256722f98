"""CSRF is settled before a page's body is read: a cross-site form is refused unread, the htmx header token is
checked before the body, and a plain form's token is still required."""

from __future__ import annotations

import re

import httpx2
import pytest

from tests.security.gateway_helpers import Answer, exchange, page_csrf, served_gateway

FORM = "application/x-www-form-urlencoded"
#: A body length that is declared but never sent: a server that waits for it never answers.
UNSENT_BODY_BYTES = 1000


@pytest.mark.parametrize(
    "browser_says",
    [
        {"Origin": "http://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "null"},
    ],
)
async def test_gateway_refuses_a_cross_site_form_before_reading_its_body(
    database_url: str, browser_says: dict[str, str]
) -> None:
    async with served_gateway(database_url) as gateway:
        cookie, _ = await page_csrf(gateway.port)
        # when another site's form posts to the shop (its body declared, not sent)
        answer = await exchange(
            gateway.port,
            "POST",
            "/cart/add",
            {"Content-Type": FORM, "Content-Length": str(UNSENT_BODY_BYTES), "Cookie": cookie} | browser_says,
        )
    # then the request is refused without waiting for the body
    assert answer.status == 403
    assert "text/html" in answer.headers["content-type"]


async def test_gateway_checks_the_csrf_header_before_the_body_and_a_form_token_after(database_url: str) -> None:
    async with served_gateway(database_url) as gateway:
        cookie, token = await page_csrf(gateway.port)
        headers = {"Content-Type": FORM, "Cookie": cookie, "Sec-Fetch-Site": "same-origin"}
        # when an htmx request for a one-time code carries a wrong token header (its body declared, not sent)
        wrong_header = await exchange(
            gateway.port,
            "POST",
            "/login/otp",
            headers | {"HX-Request": "true", "X-CSRF-Token": "0" * 40, "Content-Length": str(UNSENT_BODY_BYTES)},
        )

        async def post(extra: dict[str, str], body: bytes) -> Answer:
            return await exchange(
                gateway.port, "POST", "/login/otp", headers | extra | {"Content-Length": str(len(body))}, [body]
            )

        # and others carry the right token in the header only, in the form only, or nowhere
        right_header = await post({"HX-Request": "true", "X-CSRF-Token": token}, b"mobile=09121234501")
        right_form = await post({}, b"mobile=09121234502&csrf_token=" + token.encode())
        no_token = await post({}, b"mobile=09121234503")
    # then the wrong header is refused at once, either right token passes, and no token is refused
    assert wrong_header.status == 403
    assert (right_header.status, right_form.status) == (200, 200), (right_header.text[:300], right_form.text[:300])
    assert no_token.status == 403


async def test_gateway_pages_give_htmx_the_csrf_header(database_url: str) -> None:
    async with served_gateway(database_url) as gateway:
        async with httpx2.AsyncClient(base_url=gateway.url) as http:
            page = await http.get("/")
            token = re.search(r'name="csrf_token" value="([^"]+)"', (await http.get("/login")).text)
    # then every page tells htmx to send the session's token as a header
    assert token is not None
    assert f'hx-headers:inherited=\'{{"X-CSRF-Token": "{token.group(1)}"}}\'' in page.text
