"""Setting or changing a password ends every other session of the account (refresh families and their access
tokens), and a session's token must belong to a session that exists."""

from __future__ import annotations

import datetime as dt
import uuid

import jwt

from tests.security.accounts_helpers import (  # noqa: F401 (fixtures)
    API,
    PASSWORD,
    bearer,
    make_staff,
    otp_session,
    site_fixture,
    web_fixture,
)
from tests.store.conftest import JWT_SECRET
from tests.web.conftest import Web

MOBILE = "09123456789"


async def test_password_change_ends_every_other_session(site) -> None:
    # given the owner logged in twice (phone and laptop), and a copy of the phone's tokens
    phone = await otp_session(site, MOBILE)
    laptop = await otp_session(site, MOBILE)
    # when the owner sets a password from the laptop
    changed = await site.http.put(
        f"{API}/me/password", json={"password": PASSWORD}, headers=bearer(laptop["access_token"])
    )
    assert changed.status_code == 204, changed.text
    # then the phone's access token and refresh token stop working at once
    assert (await site.http.get(f"{API}/me", headers=bearer(phone["access_token"]))).status_code == 401
    refreshed = await site.http.post(f"{API}/auth/refresh", json={"refresh_token": phone["refresh_token"]})
    assert refreshed.status_code == 401
    # and the laptop, which changed it, stays logged in (access and refresh)
    assert (await site.http.get(f"{API}/me", headers=bearer(laptop["access_token"]))).status_code == 200
    rotated = await site.http.post(f"{API}/auth/refresh", json={"refresh_token": laptop["refresh_token"]})
    assert rotated.status_code == 200, rotated.text
    assert (await site.http.get(f"{API}/me", headers=bearer(rotated.json()["access_token"]))).status_code == 200


async def test_web_account_page_sets_the_password_and_ends_other_sessions(web: Web) -> None:
    http, container = web.http, web.container
    # given the owner has an API session on another device and logs in on the web
    await http.post(f"{API}/auth/otp/request", json={"mobile": MOBILE})
    other = (
        await http.post(f"{API}/auth/otp/verify", json={"mobile": MOBILE, "code": container.sms.last_otp(MOBILE)})
    ).json()
    await web.login_otp(MOBILE)
    # when they set a password on their account page
    response = await web.post("/account/password", {"password": PASSWORD}, from_page="/account")
    # then it is saved, the other device is logged out, and the web session stays
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/account"
    assert (await http.get(f"{API}/me", headers=bearer(other["access_token"]))).status_code == 401
    page = await http.get("/account")
    assert page.status_code == 200 and "رمز عبور ذخیره شد" in page.text
    login = await http.post(f"{API}/auth/login", json={"mobile": MOBILE, "password": PASSWORD})
    assert login.status_code == 200, login.text


async def test_a_code_alone_cannot_set_a_staff_password(site) -> None:
    # given an admin, and someone who can read the admin's texts (a code-only session)
    await make_staff(site, MOBILE, "admin")
    code_only = await otp_session(site, MOBILE)
    # when they try to set the admin's password (which would give them both factors)
    response = await site.http.put(
        f"{API}/me/password", json={"password": "attacker-password"}, headers=bearer(code_only["access_token"])
    )
    # then it is refused and the admin's password is unchanged
    assert response.status_code == 403, response.text
    login = await site.http.post(f"{API}/auth/login", json={"mobile": MOBILE, "password": "attacker-password"})
    assert login.status_code == 401


async def test_an_access_token_of_an_unknown_session_is_refused(site) -> None:
    # given a validly signed access token whose session (refresh family) was never started
    customer = await otp_session(site, MOBILE)
    now = dt.datetime.now(dt.UTC)
    token = jwt.encode(
        {
            "sub": str(customer["customer"]["id"]),
            "sid": str(uuid.uuid4()),
            "iss": "hamgam",
            "typ": "access",
            "iat": now,
            "exp": now + dt.timedelta(minutes=5),
        },
        JWT_SECRET,
        algorithm="HS256",
    )
    # then it opens nothing
    assert (await site.http.get(f"{API}/me", headers=bearer(token))).status_code == 401
