"""Sign-up proves the mobile with a one-time code before an account gets a password: nobody can create (and keep)
the account of a mobile they do not own."""

from __future__ import annotations

import re

import pytest

from hamgam.domain.errors import Unauthorized
from hamgam.domain.persian import to_persian_digits
from tests.security.accounts_helpers import (  # noqa: F401 (fixture)
    API,
    PASSWORD,
    bearer,
    open_site,
    otp_session,
    scalar,
    sign_up,
    site_fixture,
    texted_code,
)

VICTIM = "09121112233"


async def test_register_without_a_code_creates_no_account(site) -> None:
    # when someone signs up a mobile with a password but no proof that the mobile is theirs
    response = await site.http.post(f"{API}/auth/register", json={"mobile": VICTIM, "password": PASSWORD})
    # then it is refused and no account exists for that mobile
    assert response.status_code == 422, response.text
    assert await scalar(site, "SELECT count(*) FROM customer WHERE mobile = :m", m=VICTIM) == 0
    login = await site.http.post(f"{API}/auth/login", json={"mobile": VICTIM, "password": PASSWORD})
    assert login.status_code == 401


async def test_register_with_a_wrong_code_creates_no_account(site) -> None:
    # given the owner asked for a code (the attacker does not see it)
    code = await texted_code(site, VICTIM)
    wrong = "000000" if code != "000000" else "111111"
    # when the attacker signs up with a guessed code
    response = await site.http.post(
        f"{API}/auth/register", json={"mobile": VICTIM, "code": wrong, "password": PASSWORD}
    )
    # then it is refused, nothing is created, and the guess counts against the code
    assert response.status_code == 401, response.text
    assert await scalar(site, "SELECT count(*) FROM customer WHERE mobile = :m", m=VICTIM) == 0
    assert await scalar(site, "SELECT attempts FROM otp_code WHERE mobile = :m", m=VICTIM) == 1


async def test_register_with_the_texted_code_signs_up_and_spends_the_code(site) -> None:
    # when the owner signs up with the code texted to them
    code = await texted_code(site, VICTIM)
    response = await site.http.post(
        f"{API}/auth/register",
        json={"mobile": VICTIM, "code": code, "password": PASSWORD, "full_name": "مریم"},
    )
    # then the account exists with the password, and the code cannot be used again
    assert response.status_code == 201, response.text
    assert response.json()["customer"]["has_password"] is True
    login = await site.http.post(f"{API}/auth/login", json={"mobile": VICTIM, "password": PASSWORD})
    assert login.status_code == 200, login.text
    again = await site.http.post(f"{API}/auth/otp/verify", json={"mobile": VICTIM, "code": code})
    assert again.status_code == 401


async def test_register_an_existing_mobile_is_a_conflict_and_keeps_its_password(site) -> None:
    # given the owner uses the store through one-time codes (no password)
    owner = await otp_session(site, VICTIM)
    # when someone who got a code for that mobile tries to sign up again with a password
    code = await texted_code(site, VICTIM)
    response = await site.http.post(f"{API}/auth/register", json={"mobile": VICTIM, "code": code, "password": PASSWORD})
    # then it is a conflict, and the account still has no password
    assert response.status_code == 409, response.text
    assert await scalar(site, "SELECT password_hash FROM customer WHERE mobile = :m", m=VICTIM) is None
    assert (await site.http.get(f"{API}/me", headers=bearer(owner["access_token"]))).status_code == 200


async def test_register_is_rate_limited_per_mobile_and_per_client(database_url: str) -> None:
    async with open_site(database_url, auth={"rate_limit_backend": "memory", "register_attempts": 2}) as site:
        # per mobile: two tries, then 429 with Retry-After
        for _ in range(2):
            response = await site.http.post(
                f"{API}/auth/register", json={"mobile": VICTIM, "code": "123456", "password": PASSWORD}
            )
            assert response.status_code == 401, response.text
        limited = await site.http.post(
            f"{API}/auth/register", json={"mobile": VICTIM, "code": "123456", "password": PASSWORD}
        )
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
        persian, _, _ = limited.json()["error"]["message"].partition(" — ")
        assert to_persian_digits(limited.headers["retry-after"]) in persian and not re.search(r"[0-9]", persian)
        # per client address: many mobiles from one client hit the address's limit (5 × per mobile)
        statuses = []
        for n in range(12):
            response = await site.http.post(
                f"{API}/auth/register", json={"mobile": f"0912000{n:04d}", "code": "123456", "password": PASSWORD}
            )
            statuses.append(response.status_code)
        assert statuses[-1] == 429 and set(statuses) == {401, 429}


async def test_service_register_needs_the_code(site) -> None:
    # the service itself refuses a sign-up whose code is not the texted one (no path around the route)
    accounts = site.container.store.accounts
    await texted_code(site, VICTIM)
    with pytest.raises(Unauthorized):
        await accounts.register(VICTIM, "999999x", PASSWORD, client="t")
    assert await scalar(site, "SELECT count(*) FROM customer WHERE mobile = :m", m=VICTIM) == 0
    assert (await sign_up(site, VICTIM))["customer"]["mobile"] == VICTIM
