"""Guest carts are created at a limited rate per client address, expire after a time without changes (an
expired token answers like an unknown one), and a job purges them with their lines."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import text

from hamgam.domain.persian import to_persian_digits
from hamgam.services.store import jobs
from tests.security.accounts_helpers import API, bearer, open_site, otp_session, scalar, site_fixture  # noqa: F401
from tests.store.conftest import seed_product

DAY_S = 86_400


async def age_cart(site, cart_id: str, days: int) -> None:
    async with site.container.engine.begin() as conn:
        await conn.execute(
            text("UPDATE cart SET updated_at = now() - make_interval(days => :d) WHERE id = :id"),
            {"d": days, "id": uuid.UUID(cart_id)},
        )


async def test_cart_creation_is_rate_limited_per_client(database_url: str) -> None:
    async with open_site(database_url, shop={"cart_creates": 3}) as site:
        for _ in range(3):
            assert (await site.http.post(f"{API}/cart")).status_code == 201
        limited = await site.http.post(f"{API}/cart")
        assert limited.status_code == 429, limited.text
        assert int(limited.headers["retry-after"]) > 0
        # the message's Persian half counts the wait in Persian digits
        persian, _, _ = limited.json()["error"]["message"].partition(" — ")
        assert to_persian_digits(limited.headers["retry-after"]) in persian and not re.search(r"[0-9]", persian)
        assert await scalar(site, "SELECT count(*) FROM cart") == 3


async def test_an_expired_guest_cart_answers_like_an_unknown_one(database_url: str) -> None:
    async with open_site(database_url, shop={"guest_cart_ttl_s": 30 * DAY_S}) as site:
        detail = await seed_product(site.container.engine, 1, "چای")
        token = (await site.http.post(f"{API}/cart")).json()["cart_token"]
        put = await site.http.put(f"{API}/cart/lines/{detail}", json={"quantity": 1}, headers={"X-Cart-Token": token})
        assert put.status_code == 200, put.text
        # a cart changed 29 days ago still works
        await age_cart(site, token, 29)
        assert (await site.http.get(f"{API}/cart", headers={"X-Cart-Token": token})).status_code == 200
        # when it has not changed for 31 days
        await age_cart(site, token, 31)
        unknown = await site.http.get(f"{API}/cart", headers={"X-Cart-Token": str(uuid.uuid4())})
        expired = await site.http.get(f"{API}/cart", headers={"X-Cart-Token": token})
        # then it answers exactly like an unknown cart, and cannot be changed or merged into an account
        assert expired.status_code == unknown.status_code == 404
        assert expired.json()["error"]["message"] == unknown.json()["error"]["message"]
        again = await site.http.put(f"{API}/cart/lines/{detail}", json={"quantity": 2}, headers={"X-Cart-Token": token})
        assert again.status_code == 404
        code_session = await site.http.post(f"{API}/auth/otp/request", json={"mobile": "09121234567"})
        assert code_session.status_code == 202
        login = await site.http.post(
            f"{API}/auth/otp/verify",
            json={
                "mobile": "09121234567",
                "code": site.container.sms.last_otp("09121234567"),
                "cart_token": token,
            },
        )
        assert login.status_code == 200, login.text
        mine = await site.http.get(f"{API}/cart", headers=bearer(login.json()["access_token"]))
        assert mine.json()["lines"] == []


async def test_the_purge_job_deletes_expired_guest_carts_and_their_lines(site) -> None:
    engine = site.container.engine
    detail = await seed_product(engine, 1, "چای")
    tokens = []
    for _ in range(3):
        token = (await site.http.post(f"{API}/cart")).json()["cart_token"]
        await site.http.put(f"{API}/cart/lines/{detail}", json={"quantity": 1}, headers={"X-Cart-Token": token})
        tokens.append(token)
    old, fresh, also_old = tokens
    # a customer's cart, however old, is never purged
    customer = await otp_session(site, "09121234567")
    await site.http.put(f"{API}/cart/lines/{detail}", json={"quantity": 1}, headers=bearer(customer["access_token"]))
    customer_cart = await scalar(site, "SELECT id FROM cart WHERE customer_id IS NOT NULL")
    await age_cart(site, str(customer_cart), 400)
    ttl = site.container.settings.shop.guest_cart_ttl_s
    await age_cart(site, old, ttl // DAY_S + 1)
    await age_cart(site, also_old, ttl // DAY_S + 1)
    # when the store's jobs run
    await site.container.store.run_jobs_once()
    # then the expired guest carts and their lines are gone, the others are kept
    async with engine.connect() as conn:
        left = {str(r) for r in (await conn.execute(text("SELECT id FROM cart"))).scalars()}
        lines = {str(r) for r in (await conn.execute(text("SELECT cart_id FROM cart_line"))).scalars()}
    assert left == {fresh, str(customer_cart)}
    assert lines == {fresh, str(customer_cart)}
    # and running it again finds nothing more
    assert await jobs.purge_guest_carts(site.container.store.uow, ttl) == 0
