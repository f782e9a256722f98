"""Headers of every answer (nosniff on the API too, HSTS under https, no-store on private answers) and a missing
static file answered as a plain 404."""

from __future__ import annotations

import httpx2
import pytest

from tests.security.gateway_helpers import served_gateway


async def test_gateway_answers_a_missing_static_file_with_404(
    database_url: str, capfd: pytest.CaptureFixture[str]
) -> None:
    async with served_gateway(database_url) as gateway:
        async with httpx2.AsyncClient(base_url=gateway.url) as http:
            response = await http.get("/static/css/missing.css")
            present = await http.get("/static/css/site.css")
    logged = "".join(capfd.readouterr())
    assert response.status_code == 404
    assert present.status_code == 200 and present.headers["cache-control"].startswith("public")
    assert "Traceback" not in logged and "unexpected_error" not in logged


async def test_gateway_marks_every_api_answer_nosniff(database_url: str) -> None:
    async with served_gateway(database_url) as gateway:
        async with httpx2.AsyncClient(base_url=gateway.url) as http:
            answers = [
                await http.get("/api/v1/products"),
                await http.get("/api/v1/no-such-thing"),
                await http.post("/api/v1/auth/login", json={}),
                await http.get("/healthz"),
            ]
    assert [a.headers.get("x-content-type-options") for a in answers] == ["nosniff"] * 4


async def test_gateway_sends_hsts_only_when_the_request_came_over_https(database_url: str) -> None:
    async with served_gateway(database_url, trusted_proxy_hops=1) as gateway:
        async with httpx2.AsyncClient(base_url=gateway.url) as http:
            # when the one trusted proxy says the client used https, and when it says http
            secure = await http.get("/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.9"})
            plain = await http.get("/", headers={"X-Forwarded-Proto": "http", "X-Forwarded-For": "10.0.0.9"})
            api = await http.get("/api/v1/products", headers={"X-Forwarded-Proto": "https"})
    async with served_gateway(database_url) as gateway:  # no trusted proxy: the client's claim is not believed
        async with httpx2.AsyncClient(base_url=gateway.url) as http:
            claimed = await http.get("/", headers={"X-Forwarded-Proto": "https"})
    assert secure.headers["strict-transport-security"].startswith("max-age=")
    assert api.headers["strict-transport-security"].startswith("max-age=")
    assert "strict-transport-security" not in plain.headers
    assert "strict-transport-security" not in claimed.headers


@pytest.mark.parametrize(
    ("method", "path", "json"),
    [
        ("POST", "/api/v1/auth/otp/verify", {"mobile": "09120000000", "code": "000000"}),
        ("POST", "/api/v1/auth/register", {"mobile": "09121112233", "password": "long-password-1"}),
        ("GET", "/api/v1/me", None),
        ("GET", "/api/v1/admin/orders", None),
        ("GET", "/account", None),
        ("GET", "/admin", None),
        ("GET", "/login", None),
    ],
)
async def test_gateway_forbids_storing_private_answers(
    database_url: str, method: str, path: str, json: dict | None
) -> None:
    async with served_gateway(database_url) as gateway:
        async with httpx2.AsyncClient(base_url=gateway.url) as http:
            response = await http.request(method, path, json=json)
    assert response.headers.get("cache-control") == "no-store", (response.status_code, response.headers)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/cart"),  # the guest cart's token: a bearer secret
        ("GET", "/api/v1/cart"),
        ("GET", "/api/v1/payments/callback?Authority=A00000000000000000000000000000000001&Status=OK"),
        ("GET", "/cart"),
    ],
)
async def test_gateway_forbids_storing_carts_and_payment_answers(database_url: str, method: str, path: str) -> None:
    async with served_gateway(database_url) as gateway:
        async with httpx2.AsyncClient(base_url=gateway.url) as http:
            response = await http.request(method, path)
    assert response.headers.get("cache-control") == "no-store", (response.status_code, response.headers)
