"""The gateway app on a fresh database with the full container (in-memory payment gateway and SMS)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx2
import pytest

from hamgam.bootstrap import Container, build
from hamgam.entrypoints.api.app import create_app
from hamgam.settings import PaymentProvider, Settings, SmsProvider
from tests.store.conftest import JWT_SECRET


def api_settings(database_url: str, **overrides: object) -> Settings:
    return Settings(
        database_url=database_url,
        payments={"provider": PaymentProvider.MEMORY},
        sms={"provider": SmsProvider.MEMORY},
        auth={"jwt_secret": JWT_SECRET, "rate_limit_backend": "memory"},
        **overrides,
    )


@dataclass
class Api:
    http: httpx2.AsyncClient
    container: Container

    async def login(self, mobile: str, role: str = "customer") -> dict[str, str]:
        """A customer logged in by one-time code, or a staff member with a two-factor session (password and
        code, as ``POST /auth/login`` + ``/auth/login/verify`` start); returns the Authorization header."""
        await self.http.post("/api/v1/auth/otp/request", json={"mobile": mobile})
        code = self.container.sms.last_otp(mobile)
        response = await self.http.post("/api/v1/auth/otp/verify", json={"mobile": mobile, "code": code})
        assert response.status_code == 200, response.text
        if role == "customer":
            return {"Authorization": f"Bearer {response.json()['access_token']}"}
        from sqlalchemy import text

        async with self.container.engine.begin() as conn:
            customer_id = await conn.scalar(
                text("UPDATE customer SET role = :r WHERE mobile = :m RETURNING id"), {"m": mobile, "r": role}
            )
        pair = await self.container.store.tokens.issue(customer_id, factors=("password", "otp"))
        return {"Authorization": f"Bearer {pair.access_token}"}


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    container = await build(api_settings(database_url))
    app = create_app(container)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://test") as http:
        yield Api(http, container)
    await container.aclose()
