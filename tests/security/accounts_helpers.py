"""Helpers of the account security tests: the gateway app on a fresh database (in-memory SMS and payments),
driven over ASGI, and the steps a person takes to sign up and log in."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx2
import pytest
from sqlalchemy import text

from hamgam.bootstrap import build
from hamgam.entrypoints.api.app import create_app
from tests.api.conftest import Api, api_settings
from tests.web.conftest import Web
from tests.web.seed import seed_catalogue

API = "/api/v1"
PASSWORD = "a-long-passphrase-1"


@contextlib.asynccontextmanager
async def open_site(database_url: str, base_url: str = "http://test", **overrides: object) -> AsyncIterator[Api]:
    auth = overrides.pop("auth", {})
    settings = api_settings(database_url, **overrides)
    settings.auth = settings.auth.model_copy(update=auth)  # type: ignore[arg-type]
    container = await build(settings)
    app = create_app(container)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=base_url) as http:
        yield Api(http, container)
    await container.aclose()


@pytest.fixture(name="site")
async def site_fixture(database_url: str) -> AsyncIterator[Api]:
    """The JSON API and pages of a fresh store (import ``site_fixture`` into a test module to use ``site``)."""
    async with open_site(database_url) as opened:
        yield opened


@pytest.fixture(name="web")
async def web_fixture(database_url: str) -> AsyncIterator[Web]:
    """The pages driven like a browser (``tests.web``'s ``Web``), with a small catalogue."""
    async with open_site(database_url, "http://shop.test", storage={"backend": "memory"}) as opened:
        await seed_catalogue(opened.container.engine)
        yield Web(opened.http, opened.container)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def texted_code(site: Api, mobile: str) -> str:
    response = await site.http.post(f"{API}/auth/otp/request", json={"mobile": mobile})
    assert response.status_code == 202, response.text
    code = site.container.sms.last_otp(mobile)
    assert code
    return code


async def otp_session(site: Api, mobile: str) -> dict:
    """Log in with a one-time code (signing up on first use); the token answer."""
    code = await texted_code(site, mobile)
    response = await site.http.post(f"{API}/auth/otp/verify", json={"mobile": mobile, "code": code})
    assert response.status_code == 200, response.text
    return response.json()


async def sign_up(site: Api, mobile: str, password: str = PASSWORD) -> dict:
    """Sign up with a password, proving the mobile with the code texted to it; the token answer."""
    code = await texted_code(site, mobile)
    response = await site.http.post(f"{API}/auth/register", json={"mobile": mobile, "code": code, "password": password})
    assert response.status_code == 201, response.text
    return response.json()


async def make_staff(site: Api | Web, mobile: str, role: str = "admin", password: str = PASSWORD) -> int:
    """A staff account as the operator's CLI creates it (``hamgam admin create``)."""
    return (await site.container.store.accounts.ensure_staff(mobile, password, role))["id"]


async def staff_session(site: Api, mobile: str, password: str = PASSWORD) -> dict:
    """The two-step staff login: password (202 and a challenge), then the code texted to the mobile."""
    first = await site.http.post(f"{API}/auth/login", json={"mobile": mobile, "password": password})
    assert first.status_code == 202, first.text
    code = site.container.sms.last_otp(mobile)
    second = await site.http.post(
        f"{API}/auth/login/verify", json={"challenge": first.json()["challenge"], "code": code}
    )
    assert second.status_code == 200, second.text
    return second.json()


async def scalar(site: Api | Web, sql: str, **params: object) -> object:
    async with site.container.engine.connect() as conn:
        return await conn.scalar(text(sql), params)
