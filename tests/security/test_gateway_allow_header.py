"""A method a path does not serve is answered 405 with an ``Allow`` header naming every method the path does
serve (RFC 9110 §15.5.6), on the API and the pages alike: Starlette named only those of the first route that
matched the path, so a client (or a fuzzer) was told that ``/api/v1/me`` cannot be patched."""

from __future__ import annotations

import httpx2
import pytest

from tests.security.gateway_helpers import served_gateway


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", "/api/v1/me", {"GET", "PATCH"}),
        ("POST", "/api/v1/cart/lines/1", {"PUT", "DELETE"}),
        ("OPTIONS", "/api/v1/admin/dead-letters/1", {"GET", "DELETE"}),
        ("PUT", "/account/addresses", {"GET", "POST"}),
    ],
)
async def test_gateway_names_every_method_a_path_serves_in_a_405(
    database_url: str, method: str, path: str, allowed: set[str]
) -> None:
    async with served_gateway(database_url) as gateway:
        async with httpx2.AsyncClient(base_url=gateway.url) as http:
            response = await http.request(method, path)
    assert response.status_code == 405, response.text[:300]
    assert {m.strip() for m in response.headers.get("allow", "").split(",")} == allowed, response.headers
