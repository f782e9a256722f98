"""The gateway app with its pages on a fresh database (in-memory gateway, SMS and object store), driven through
the ASGI transport: fast checks of rendering, CSRF, escaping and uploads without a browser."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx2
import pytest

from hamgam.bootstrap import Container, build
from hamgam.entrypoints.api.app import create_app
from tests.api.conftest import api_settings
from tests.web.seed import seed_catalogue

STAFF_MOBILE = "09120000001"
STAFF_PASSWORD = "staff-password-1"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_CHALLENGE = re.compile(r'name="challenge" value="([^"]+)"')


@dataclass
class Web:
    http: httpx2.AsyncClient
    container: Container

    async def csrf(self, path: str = "/") -> str:
        """The session's CSRF token, read from a form on ``path`` (or the login page / the header's logout)."""
        for candidate in (path, "/login", "/"):
            found = _CSRF.search((await self.http.get(candidate)).text)
            if found:
                return found.group(1)
        raise AssertionError(f"no CSRF token on {path}")

    async def post(self, path: str, data: dict | None = None, *, from_page: str = "/", **kwargs) -> httpx2.Response:
        token = await self.csrf(from_page)
        return await self.http.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)

    async def login_otp(self, mobile: str) -> None:
        await self.post("/login/otp", {"mobile": mobile, "next": "/"}, from_page="/login")
        code = self.container.sms.last_otp(mobile)
        response = await self.post(
            "/login/otp/verify", {"mobile": mobile, "code": code, "next": "/"}, from_page="/login"
        )
        assert response.status_code == 303, response.text

    async def login_staff(self) -> None:
        """Two factors: the password, then the one-time code texted to the staff member's mobile."""
        await self.container.store.accounts.ensure_staff(STAFF_MOBILE, STAFF_PASSWORD)
        response = await self.post(
            "/login/password", {"mobile": STAFF_MOBILE, "password": STAFF_PASSWORD}, from_page="/login?mode=password"
        )
        assert response.status_code == 200, response.text
        challenge = _CHALLENGE.search(response.text)
        assert challenge, response.text
        response = await self.post(
            "/login/password/verify",
            {"challenge": challenge.group(1), "code": self.container.sms.last_otp(STAFF_MOBILE)},
            from_page="/login",
        )
        assert response.status_code == 303, response.text


@pytest.fixture
async def web(database_url: str) -> AsyncIterator[Web]:
    settings = api_settings(database_url, storage={"backend": "memory"})
    container = await build(settings)
    await seed_catalogue(container.engine)
    app = create_app(container)
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://shop.test") as http:
        yield Web(http, container)
    await container.aclose()
