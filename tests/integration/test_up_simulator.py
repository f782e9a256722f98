"""``hamgam up`` keeps the Mahak simulator's database in the data directory: a restart finds the store and the
simulator where they were, instead of a fresh simulator behind the store."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

import httpx2
import pytest

from tests.integration.role_process import free_port, role_env, running_hamgam, wait_for_http

pytestmark = pytest.mark.postgres


def hamgam_up(env: dict[str, str]) -> contextlib.AbstractContextManager[subprocess.Popen]:
    return running_hamgam(["up", "--roles", "worker"], env, log_stdout=True)


async def test_hamgam_up_restarted_finds_the_simulator_as_it_left_it(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = role_env(
        database_url,
        tmp_path,
        HAMGAM_MAHAK__SIMULATOR_PORT=str(port),
        HAMGAM_MAHAK__SIMULATOR_PRODUCTS="40",
        HAMGAM_HEALTH_PORT="0",
    )
    env.pop("HAMGAM_MAHAK__BASE_URL")  # hamgam up starts the simulator and points its roles at it
    control = f"http://127.0.0.1:{port}/_control"
    # given hamgam up, and a price changed in its simulated Mahak
    with hamgam_up(env) as process:
        await wait_for_http(f"{control}/max-row-version", process)
        with httpx2.Client(base_url=control) as http:
            changed = http.post("/rows/ProductDetail", json={"rows": [{"ProductDetailId": 3, "Price1": 7_770_000}]})
            top = changed.json()["max_row_version"]
    # when it is stopped and started again on the same data directory
    with hamgam_up(env) as process:
        await wait_for_http(f"{control}/max-row-version", process)
        with httpx2.Client(base_url=control) as http:
            # then the simulator serves the database it had, counter included
            assert http.get("/max-row-version").json()["max_row_version"] == top
            assert http.get("/rows/ProductDetail", params={"ids": "3"}).json()["rows"][0]["Price1"] == 7_770_000
