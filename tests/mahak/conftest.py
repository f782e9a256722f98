"""The Mahak simulator over real HTTP on loopback, and clients tuned for fast tests."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx2
import pytest

from hamgam.adapters.mahak import MahakClient
from hamgam.settings import MahakSettings
from hamgam_sim.mahak.server import RunningSimulator, serve_in_thread
from hamgam_sim.mahak.simulator import MahakSimulator

#: Small timeouts and backoffs so fault tests finish in well under a second each.
FAST = {
    "timeout_s": 0.5,
    "connect_timeout_s": 0.5,
    "read_attempts": 3,
    "backoff_initial_s": 0.01,
    "backoff_max_s": 2.0,
    "rate_per_s": 1000.0,
    "rate_burst": 1000,
    "circuit_failures": 100,
    "circuit_open_s": 1.0,
}


@pytest.fixture(scope="session")
def mahak_server() -> Iterator[RunningSimulator]:
    with serve_in_thread(MahakSimulator(products=0)) as server:
        yield server


@pytest.fixture
def mahak(mahak_server: RunningSimulator) -> RunningSimulator:
    """The simulator, reset to a small demo database with default switches and no faults."""
    mahak_server.control.reset(products=30)
    return mahak_server


@pytest.fixture
def mahak_settings(mahak: RunningSimulator) -> Callable[..., MahakSettings]:
    def build(**overrides: Any) -> MahakSettings:
        return MahakSettings(**{"base_url": mahak.base_url, **FAST, **overrides})

    return build


class CountingTransport(httpx2.AsyncHTTPTransport):
    """Counts the HTTP requests a client tries to send, by lower-cased path (refused connections too)."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.paths[request.url.path.lower()] += 1
        return await super().handle_async_request(request)


@pytest.fixture
def sent() -> CountingTransport:
    return CountingTransport()


@pytest.fixture
async def client(mahak_settings: Callable[..., MahakSettings], sent: CountingTransport) -> AsyncIterator[MahakClient]:
    async with MahakClient(mahak_settings(), transport=sent) as mahak_client:
        yield mahak_client
