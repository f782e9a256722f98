"""One simulator server for the whole suite, reset to a small fresh database before each test."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from hamgam_sim.mahak.server import RunningSimulator, serve_in_thread
from hamgam_sim.mahak.simulator import MahakSimulator

TEST_PRODUCTS = 300


class MahakWire:
    """A deliberately thin Mahak client for tests: logs in once, then posts raw bodies."""

    def __init__(self, base_url: str, *, timeout_s: float = 10.0) -> None:
        self.http = httpx2.Client(base_url=base_url, timeout=timeout_s)
        self.token: str | None = None

    def login(self, user: str = "demo", password: str = "demo") -> dict[str, Any]:
        body = {"userName": user, "password": hashlib.md5(password.encode()).hexdigest()}
        answer = self.http.post("/Sync/Login", json=body).json()
        if answer["Result"]:
            self.token = answer["Data"]["UserToken"]
        return answer

    def post(
        self, path: str, body: dict[str, Any], *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx2.Response:
        auth = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return self.http.post(path, json=body, headers={**auth, **(headers or {})}, **kwargs)

    def pull(self, **body: Any) -> dict[str, Any]:
        """GetAllData ``Data.Objects``; fails the test on anything but a successful answer."""
        response = self.post("/Sync/GetAllData", body)
        assert response.status_code == 200, response.text
        return response.json()["Data"]["Objects"]

    def save(self, **lists: Any) -> dict[str, Any]:
        response = self.post("/Sync/SaveAllData", lists)
        assert response.status_code == 200, response.text
        return response.json()

    def close(self) -> None:
        self.http.close()


@pytest.fixture(scope="session")
def server() -> Iterator[RunningSimulator]:
    with serve_in_thread(MahakSimulator(products=TEST_PRODUCTS)) as running:
        yield running


@pytest.fixture
def sim(server: RunningSimulator) -> RunningSimulator:
    """The running simulator, freshly reset (default switches, no faults)."""
    server.control.reset(products=TEST_PRODUCTS, seed=1)
    return server


@pytest.fixture
def mahak(sim: RunningSimulator) -> Iterator[MahakWire]:
    """A logged-in wire client against the freshly reset simulator."""
    wire = MahakWire(sim.base_url)
    assert wire.login()["Result"]
    yield wire
    wire.close()


@pytest.fixture
def new_wire(sim: RunningSimulator) -> Iterator[Any]:
    """Factory of extra (not logged-in) wire clients, closed after the test."""
    wires: list[MahakWire] = []

    def make(**kwargs: Any) -> MahakWire:
        wires.append(MahakWire(sim.base_url, **kwargs))
        return wires[-1]

    yield make
    for wire in wires:
        wire.close()


@pytest.fixture
def pull_all() -> Any:
    return _pull_all


def _pull_all(wire: MahakWire, entity: str, list_key: str, *, page_size: int, **extra: Any) -> list[dict]:
    """Page through one entity the way Hamgam must: never cut a RowVersion group, dedupe by id."""
    rows: dict[int, dict] = {}
    cursor = 0
    while True:
        page = wire.pull(**{f"from{entity}Version": cursor, "pageSize": page_size, **extra})[list_key]
        for row in page:
            rows[row[f"{entity}Id"]] = row
        if len(page) < page_size:
            return list(rows.values())
        last = max(row["RowVersion"] for row in page)
        cursor = last - 1 if any(r["RowVersion"] < last for r in page) else last
