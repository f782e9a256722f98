"""Staff and admins sign in with their password and a one-time code: a code alone, or a password alone, never
opens the admin (API and pages)."""

from __future__ import annotations

import re

from tests.security.accounts_helpers import (  # noqa: F401 (fixtures)
    API,
    PASSWORD,
    bearer,
    make_staff,
    otp_session,
    site_fixture,
    staff_session,
    web_fixture,
)
from tests.web.conftest import Web

ADMIN = "09350000000"
ADMIN_ROUTES = ("/admin/orders", "/admin/customers", "/admin/settings")


async def test_a_code_alone_gives_an_admin_only_a_customer_session(site) -> None:
    # given an admin, and someone who receives the admin's texts (a swapped SIM)
    await make_staff(site, ADMIN, "admin")
    # when they log in with a one-time code
    session = await otp_session(site, ADMIN)
    # then the session acts as a customer: no admin route opens
    for path in ADMIN_ROUTES:
        response = await site.http.get(API + path, headers=bearer(session["access_token"]))
        assert response.status_code == 403, (path, response.text)
    assert (await site.http.get(f"{API}/me", headers=bearer(session["access_token"]))).status_code == 200


async def test_a_password_alone_gets_a_challenge_and_a_code_not_tokens(site) -> None:
    await make_staff(site, ADMIN, "staff")
    # when staff log in with the right password
    response = await site.http.post(f"{API}/auth/login", json={"mobile": ADMIN, "password": PASSWORD})
    # then no token is issued: a challenge comes back and a code is texted to the staff member's mobile
    assert response.status_code == 202, response.text
    body = response.json()
    assert "access_token" not in body and "refresh_token" not in body
    assert body["challenge"] and body["mobile"] == ADMIN and body["expires_in"] > 0
    assert site.container.sms.last_otp(ADMIN)


async def test_password_and_code_open_the_admin(site) -> None:
    await make_staff(site, ADMIN, "admin")
    session = await staff_session(site, ADMIN)
    for path in ADMIN_ROUTES:
        response = await site.http.get(API + path, headers=bearer(session["access_token"]))
        assert response.status_code == 200, (path, response.text)
    # the two factors survive refreshing the session
    rotated = await site.http.post(f"{API}/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert rotated.status_code == 200, rotated.text
    settings = await site.http.get(f"{API}/admin/settings", headers=bearer(rotated.json()["access_token"]))
    assert settings.status_code == 200


async def test_the_second_step_needs_the_right_code_and_a_genuine_challenge(site) -> None:
    await make_staff(site, ADMIN, "admin")
    first = await site.http.post(f"{API}/auth/login", json={"mobile": ADMIN, "password": PASSWORD})
    challenge = first.json()["challenge"]
    code = site.container.sms.last_otp(ADMIN)
    wrong = "000000" if code != "000000" else "111111"
    # a wrong code is refused
    bad_code = await site.http.post(f"{API}/auth/login/verify", json={"challenge": challenge, "code": wrong})
    assert bad_code.status_code == 401
    # a forged challenge (or an access token passed as one) is refused, even with the right code
    customer = await otp_session(site, "09121234567")
    for fake in (challenge[:-3] + "abc", customer["access_token"], "garbage"):
        forged = await site.http.post(f"{API}/auth/login/verify", json={"challenge": fake, "code": code})
        assert forged.status_code == 401, fake
    # a customer's own code does not complete the admin's challenge
    other = site.container.sms.last_otp("09121234567")
    assert (
        await site.http.post(f"{API}/auth/login/verify", json={"challenge": challenge, "code": other})
    ).status_code == 401


async def test_web_staff_login_asks_for_the_code_after_the_password(web: Web) -> None:
    await make_staff(web, ADMIN, "admin")
    # when staff give the right password on the login page
    response = await web.post(
        "/login/password", {"mobile": ADMIN, "password": PASSWORD, "next": "/admin"}, from_page="/login?mode=password"
    )
    # then they are not logged in yet: the page asks for the code texted to them
    assert response.status_code == 200, response.text
    assert "ورود کارکنان دومرحله‌ای است" in response.text
    assert (await web.http.get("/admin")).status_code in (303, 403)
    challenge = re.search(r'name="challenge" value="([^"]+)"', response.text)
    assert challenge
    # when they enter the code, the admin opens
    done = await web.post(
        "/login/password/verify",
        {"challenge": challenge.group(1), "code": web.container.sms.last_otp(ADMIN), "next": "/admin"},
        from_page="/login",
    )
    assert done.status_code == 303 and done.headers["location"] == "/admin"
    assert (await web.http.get("/admin")).status_code == 200


async def test_web_code_login_of_an_admin_does_not_open_the_admin(web: Web) -> None:
    await make_staff(web, ADMIN, "admin")
    await web.login_otp(ADMIN)
    assert (await web.http.get("/account")).status_code == 200
    assert (await web.http.get("/admin")).status_code == 403
