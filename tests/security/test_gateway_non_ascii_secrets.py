"""A session cookie or a CSRF token holding bytes outside ASCII (anyone can send them) is a refused secret, never
a server error: the page is served with a fresh session, the form refused as out of date."""

from __future__ import annotations

import pytest

from tests.security.gateway_helpers import exchange, page_csrf, served_gateway

FORM = "application/x-www-form-urlencoded"


async def test_gateway_serves_a_page_to_a_session_cookie_that_is_not_ascii(
    database_url: str, capfd: pytest.CaptureFixture[str]
) -> None:
    async with served_gateway(database_url) as gateway:
        # when a browser sends a session cookie whose signature is not ASCII (headers arrive as Latin-1)
        answer = await exchange(gateway.port, "GET", "/", {"Cookie": "hamgam_session=e30.\xe9\xff"})
    # then it is an unknown session: the page is served and a new session started
    assert answer.status == 200, answer.text[:300]
    assert answer.headers["set-cookie"].startswith("hamgam_session=")
    logged = "".join(capfd.readouterr())
    assert "Traceback" not in logged and "unexpected_error" not in logged


@pytest.mark.parametrize("where", ["form field", "htmx header"])
async def test_gateway_refuses_a_csrf_token_that_is_not_ascii(
    database_url: str, where: str, capfd: pytest.CaptureFixture[str]
) -> None:
    async with served_gateway(database_url) as gateway:
        cookie, _ = await page_csrf(gateway.port)
        headers = {"Content-Type": FORM, "Cookie": cookie, "Sec-Fetch-Site": "same-origin"}
        if where == "form field":
            body = b"mobile=09121234501&csrf_token=%C3%A9t%C3%A9"
        else:
            headers |= {"HX-Request": "true", "X-CSRF-Token": "\xe9t\xe9"}
            body = b"mobile=09121234501"
        # when a form for a one-time code carries a token with letters outside ASCII
        answer = await exchange(
            gateway.port, "POST", "/login/otp", headers | {"Content-Length": str(len(body))}, [body]
        )
    # then it is refused as any wrong token is, and nothing fails on the server
    assert answer.status == 403, answer.text[:300]
    assert "text/html" in answer.headers["content-type"]
    logged = "".join(capfd.readouterr())
    assert "Traceback" not in logged and "unexpected_error" not in logged
