"""Load shedding: past ``HAMGAM_API_LIMIT_CONCURRENCY`` an HTTP role answers 503 at once rather than queue work
whose client may have given up. Driven over a real socket (uvicorn), with a request held open by a body that
never finishes."""

from __future__ import annotations

import asyncio
import contextlib

from tests.queue_helpers import eventually
from tests.security.gateway_helpers import Served, exchange, request_head, served_gateway


def in_flight(gateway: Served) -> tuple[int, int]:
    """The server's open connections and running requests."""
    state = gateway.server.server_state
    return len(state.connections), len(state.tasks)


async def test_over_the_bound_a_request_is_answered_503_at_once(database_url: str) -> None:
    async with served_gateway(database_url, api_limit_concurrency=2) as gateway:
        # given a bound of 2 and one request in flight, its body still coming
        _, held = await asyncio.open_connection("127.0.0.1", gateway.port)
        head = {"Content-Type": "application/json", "Content-Length": "100"}
        held.write(request_head("POST", "/api/v1/auth/register", head) + b'{"mobile": ')
        await held.drain()
        await eventually(lambda: in_flight(gateway) == (1, 1))
        # when another client asks, while that request still waits for its body
        shed = await exchange(gateway.port, "GET", "/api/v1/products", {})
        # then it is answered 503 without reaching the app, and its connection closed
        assert shed.status == 503, shed.text
        assert shed.text == "Service Unavailable" and shed.headers["connection"] == "close"
        assert in_flight(gateway)[1] == 1  # the held request is still running
        # and once the held request has gone, the same request is served
        held.close()
        with contextlib.suppress(ConnectionError, OSError):
            await held.wait_closed()
        await eventually(lambda: in_flight(gateway) == (0, 0))
        served = await exchange(gateway.port, "GET", "/api/v1/products", {})
        assert served.status == 200, served.text


async def test_the_default_bound_serves_a_hundred_clients_at_once(database_url: str) -> None:
    # given the default bound, which the closed-loop benchmarks' 100 clients must stay under
    async with served_gateway(database_url) as gateway:
        assert gateway.server.config.limit_concurrency == 256
        # when 100 requests are held open at once
        writers = []
        for _ in range(100):
            _, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
            writer.write(request_head("POST", "/api/v1/auth/register", {"Content-Length": "100"}) + b"{")
            writers.append(writer)
        await eventually(lambda: in_flight(gateway) == (100, 100))
        # then one more is still served
        answer = await exchange(gateway.port, "GET", "/api/v1/products", {})
        assert answer.status == 200, answer.text
        for writer in writers:
            writer.close()
