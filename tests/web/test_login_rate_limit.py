"""A rate-limited login page (the storefront's code request, staff's password step) answers 429 with
``Retry-After``, and tells the visitor in Persian, with Persian digits, how long to wait."""

from __future__ import annotations

import math
import re
from collections.abc import AsyncIterator

import httpx2
import pytest

from hamgam.bootstrap import build
from hamgam.domain.persian import to_persian_digits
from hamgam.entrypoints.api.app import create_app
from hamgam.entrypoints.web.i18n import build_locale
from tests.api.conftest import api_settings
from tests.web.conftest import STAFF_MOBILE, STAFF_PASSWORD, Web
from tests.web.seed import seed_catalogue

BUYER = "09351230000"
OTP_SENDS = 2
LOGIN_ATTEMPTS = 2
_ERROR_BOX = re.compile(r'<p class="error-box" role="alert">([^<]*)</p>')


@pytest.fixture
async def web(database_url: str) -> AsyncIterator[Web]:
    settings = api_settings(database_url, storage={"backend": "memory"})
    settings.auth.otp_sends = OTP_SENDS
    settings.auth.login_attempts = LOGIN_ATTEMPTS
    container = await build(settings)
    await seed_catalogue(container.engine)
    transport = httpx2.ASGITransport(app=create_app(container))
    async with httpx2.AsyncClient(transport=transport, base_url="http://shop.test") as http:
        yield Web(http, container)
    await container.aclose()


def _persian_wait(seconds: int) -> str:
    """The wait as the page words it: seconds below two minutes, else whole minutes rounded up."""
    if seconds < 120:
        return f"{to_persian_digits(str(seconds))} ثانیه"
    return f"{to_persian_digits(str(math.ceil(seconds / 60)))} دقیقه"


def _assert_limited(response: httpx2.Response) -> None:
    assert response.status_code == 429, response.text
    retry_after_s = int(response.headers["retry-after"])
    assert retry_after_s > 0
    [message] = _ERROR_BOX.findall(response.text)
    assert message == f"تلاش‌های زیاد؛ {_persian_wait(retry_after_s)} دیگر دوباره تلاش کنید."
    assert not re.search(r"[0-9]", message), message


async def test_code_requests_past_the_limit_answer_429_in_persian(web: Web) -> None:
    # given a mobile that asked for its allowed codes
    for _ in range(OTP_SENDS):
        sent = await web.post("/login/otp", {"mobile": BUYER, "next": "/"}, from_page="/login")
        assert sent.status_code == 200, sent.text
    # when it asks once more
    limited = await web.post("/login/otp", {"mobile": BUYER, "next": "/"}, from_page="/login")
    # then the login page answers 429 with Retry-After and a Persian message with Persian digits
    _assert_limited(limited)
    assert len(web.container.sms.messages_to(BUYER)) == OTP_SENDS


async def test_staff_password_tries_past_the_limit_answer_429_in_persian(web: Web) -> None:
    # given a staff account and its allowed wrong passwords
    await web.container.store.accounts.ensure_staff(STAFF_MOBILE, STAFF_PASSWORD)
    form = {"mobile": STAFF_MOBILE, "password": "wrong-password-1"}
    for _ in range(LOGIN_ATTEMPTS):
        wrong = await web.post("/login/password", form, from_page="/login?mode=password")
        assert wrong.status_code == 400, wrong.text
    # when even the right password comes once more
    limited = await web.post(
        "/login/password", {"mobile": STAFF_MOBILE, "password": STAFF_PASSWORD}, from_page="/login?mode=password"
    )
    # then it is refused as rate limited, and no code was texted
    _assert_limited(limited)
    assert 'name="challenge"' not in limited.text
    assert web.container.sms.messages_to(STAFF_MOBILE) == []


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(0.2, "۱ ثانیه"), (45, "۴۵ ثانیه"), (119, "۱۱۹ ثانیه"), (120, "۲ دقیقه"), (121, "۳ دقیقه"), (600, "۱۰ دقیقه")],
)
def test_a_wait_is_rounded_up_in_persian(seconds: float, words: str) -> None:
    assert build_locale("fa").wait(seconds) == words
