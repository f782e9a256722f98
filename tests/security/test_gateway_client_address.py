"""The client's address (the key of every per-address limit) and scheme come from ``X-Forwarded-For``/``-Proto``
only through the configured number of trusted proxies, never from the client's own claims. Observed where the
gateway passes them on (remote mode, to a stand-in core) and in the per-address login limit."""

from __future__ import annotations

import httpx2
import pytest

from tests.security.gateway_helpers import echo_core, served_gateway


async def forwarded_by_gateway(database_url: str, hops: int, headers: dict[str, str]) -> dict[str, str]:
    """What the gateway told its core about a request sent with ``headers`` from 127.0.0.1."""
    async with echo_core() as core, served_gateway(database_url, core_url=core.url, trusted_proxy_hops=hops) as gw:
        async with httpx2.AsyncClient(base_url=gw.url) as http:
            response = await http.get("/api/v1/products", headers=headers)
        assert response.status_code == 200, response.text
        (seen,) = core.seen
    return {"for": seen["headers"]["x-forwarded-for"], "proto": seen["headers"]["x-forwarded-proto"]}


async def test_gateway_without_trusted_proxies_ignores_forwarding_headers(database_url: str) -> None:
    # when a client reaching the gateway directly names another address and scheme
    seen = await forwarded_by_gateway(database_url, 0, {"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https"})
    # then the gateway keeps the socket's
    assert seen == {"for": "127.0.0.1", "proto": "http"}


@pytest.mark.parametrize(
    ("hops", "forwarded_for", "expected"),
    [
        (2, "6.6.6.6, 7.7.7.7, 10.1.2.3", "7.7.7.7"),
        (2, "10.1.2.3", "127.0.0.1"),  # fewer entries than proxies: the request skipped one, the peer stands
    ],
)
async def test_gateway_takes_the_address_its_trusted_proxies_saw(
    database_url: str, hops: int, forwarded_for: str, expected: str
) -> None:
    # when the client's own claim (left) is followed by what each trusted proxy appended
    seen = await forwarded_by_gateway(
        database_url, hops, {"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https"}
    )
    # then the address is the one the outermost trusted proxy saw, never the client's claim
    assert seen["for"] == expected


async def test_gateway_login_limit_per_address_cannot_be_escaped_by_naming_addresses(database_url: str) -> None:
    async with served_gateway(database_url, trusted_proxy_hops=1, auth={"login_attempts": 1}) as gateway:
        per_address = gateway.container.settings.auth.login_attempts * 5
        statuses = []
        async with httpx2.AsyncClient(base_url=gateway.url) as http:
            # when one client behind the one trusted proxy (which saw it at 127.0.0.1, this host) tries passwords
            # for many mobiles, naming a new address of its own in front of what the proxy appended each time
            for i in range(per_address + 1):
                response = await http.post(
                    "/api/v1/auth/login",
                    json={"mobile": f"0912000{i:04d}", "password": "wrong-password"},
                    headers={"X-Forwarded-For": f"1.1.1.{i}, 127.0.0.1"},
                )
                statuses.append(response.status_code)
    # then every attempt counts against the one address the proxy saw, and the limit is reached
    assert statuses[-1] == 429, statuses
    assert 429 not in statuses[:per_address], statuses


async def test_gateway_login_limit_keys_on_the_socket_peer_without_proxies(database_url: str) -> None:
    async with served_gateway(database_url, auth={"login_attempts": 1}) as gateway:
        per_address = gateway.container.settings.auth.login_attempts * 5
        async with httpx2.AsyncClient(base_url=gateway.url) as http:
            for i in range(per_address):
                await http.post(
                    "/api/v1/auth/login",
                    json={"mobile": f"0913000{i:04d}", "password": "wrong-password"},
                    headers={"X-Forwarded-For": f"2.2.2.{i}"},
                )
            # when the limit is spent and the client names yet another address
            last = await http.post(
                "/api/v1/auth/login",
                json={"mobile": "09139999999", "password": "wrong-password"},
                headers={"X-Forwarded-For": "3.3.3.3"},
            )
    # then it is still limited: the header is not believed
    assert last.status_code == 429, last.text
