"""Every fault kind of the simulator, and how the client classifies, retries or gives up."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable

import pytest

from hamgam.adapters.db.engine import create_engine
from hamgam.adapters.mahak import (
    Entity,
    MahakCircuitOpen,
    MahakClient,
    MahakRateLimited,
    MahakUnavailable,
    PersonSave,
    SaveAllDataRequest,
    postgres_guards,
)
from hamgam.settings import MahakSettings
from hamgam_sim.mahak.server import RunningSimulator
from tests.mahak.conftest import CountingTransport

GET_ALL = "/api/v3/sync/getalldata"
SAVE_ALL = "/api/v3/sync/savealldata"


def a_new_person(client_id: int = 9001) -> SaveAllDataRequest:
    return SaveAllDataRequest(people=[PersonSave(person_client_id=client_id, person_group_id=1, first_name="سارا")])


async def test_latency_within_the_timeout_is_just_slow(
    mahak: RunningSimulator, client: MahakClient, sent: CountingTransport
) -> None:
    await client.login()
    mahak.control.add_fault("latency", "getalldata", param=0.2)
    assert await client.get_page(Entity.STORE, 0)
    assert sent.paths[GET_ALL] == 1


async def test_timeout_is_retried_then_succeeds(
    mahak: RunningSimulator, client: MahakClient, sent: CountingTransport
) -> None:
    await client.login()
    mahak.control.add_fault("timeout", "getalldata", param=1.0)
    assert await client.get_page(Entity.STORE, 0)
    assert sent.paths[GET_ALL] == 2


async def test_timeouts_every_time_give_up_as_unavailable(
    mahak: RunningSimulator, client: MahakClient, sent: CountingTransport
) -> None:
    await client.login()
    mahak.control.add_fault("timeout", "getalldata", times=None, param=1.0)
    with pytest.raises(MahakUnavailable):
        await client.get_page(Entity.STORE, 0)
    assert sent.paths[GET_ALL] == 3  # read_attempts


async def test_429_waits_for_retry_after(mahak: RunningSimulator, client: MahakClient, sent: CountingTransport) -> None:
    # given
    await client.login()
    mahak.control.add_fault("rate_limit", "getalldata", param=1)
    # when
    started = time.monotonic()
    stores = await client.get_page(Entity.STORE, 0)
    # then
    assert stores and time.monotonic() - started >= 1.0
    assert sent.paths[GET_ALL] == 2


async def test_429_with_a_long_retry_after_is_handed_to_the_caller(
    mahak: RunningSimulator, client: MahakClient, sent: CountingTransport
) -> None:
    await client.login()
    mahak.control.add_fault("rate_limit", "getalldata", param=60)
    with pytest.raises(MahakRateLimited) as caught:
        await client.get_page(Entity.STORE, 0)
    assert caught.value.retry_after_s == 60
    assert sent.paths[GET_ALL] == 1


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_is_retried(
    mahak: RunningSimulator, client: MahakClient, sent: CountingTransport, status: int
) -> None:
    await client.login()
    mahak.control.add_fault("server_error", "getalldata", times=2, param=status)
    assert await client.get_page(Entity.STORE, 0)
    assert sent.paths[GET_ALL] == 3


@pytest.mark.parametrize("kind", ["drop", "malformed_json"])
async def test_dropped_or_garbled_answers_to_reads_are_retried(
    mahak: RunningSimulator, client: MahakClient, sent: CountingTransport, kind: str
) -> None:
    await client.login()
    mahak.control.add_fault(kind, "getalldata")
    assert await client.get_page(Entity.STORE, 0)
    assert sent.paths[GET_ALL] == 2


async def test_malformed_json_every_time_is_unavailable(
    mahak: RunningSimulator, client: MahakClient, sent: CountingTransport
) -> None:
    await client.login()
    mahak.control.add_fault("malformed_json", "getalldata", times=None)
    with pytest.raises(MahakUnavailable, match="JSON"):
        await client.get_page(Entity.STORE, 0)


@pytest.mark.parametrize(("kind", "param"), [("drop", None), ("server_error", 503), ("timeout", 1.0)])
async def test_save_is_not_resent_once_it_may_have_arrived(
    mahak: RunningSimulator, client: MahakClient, sent: CountingTransport, kind: str, param: object
) -> None:
    # given
    await client.login()
    mahak.control.add_fault(kind, "savealldata", param=param)
    # when / then: the exporter must read back before sending again
    with pytest.raises(MahakUnavailable):
        await client.save_all(a_new_person())
    assert sent.paths[SAVE_ALL] == 1


async def test_save_is_retried_after_429(mahak: RunningSimulator, client: MahakClient, sent: CountingTransport) -> None:
    await client.login()
    mahak.control.add_fault("rate_limit", "savealldata", param=0.1)
    result = await client.save_all(a_new_person())
    assert result.ok and sent.paths[SAVE_ALL] == 2


async def test_save_is_retried_when_the_connection_was_refused(
    mahak_settings: Callable[..., MahakSettings], client: MahakClient
) -> None:
    # given: a client logged in, then pointed at a port nobody listens on
    await client.login()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    settings = mahak_settings(base_url=f"http://127.0.0.1:{dead_port}/API/v3")
    sent = CountingTransport()
    async with MahakClient(settings, transport=sent) as dead:
        dead._session = client.session  # skip the login, which would fail first
        # when / then
        with pytest.raises(MahakUnavailable, match="connect"):
            await dead.save_all(a_new_person())
    assert sent.paths["/api/v3/sync/savealldata"] == settings.read_attempts


async def test_circuit_opens_after_n_failures_and_closes_after_the_open_period(
    mahak: RunningSimulator,
    mahak_settings: Callable[..., MahakSettings],
    database_url: str,
    sent: CountingTransport,
) -> None:
    # given: a breaker shared through PostgreSQL that opens after 2 failures for 0.3 s
    settings = mahak_settings(circuit_failures=2, circuit_open_s=0.3)
    engine = create_engine(database_url, pool_size=2)
    limiter, breaker = postgres_guards(engine, settings)
    try:
        async with MahakClient(settings, limiter=limiter, breaker=breaker, transport=sent) as client:
            await client.login()
            mahak.control.add_fault("server_error", "getalldata", times=None)
            # when: two failed attempts open the circuit, the third is refused without a request
            with pytest.raises(MahakCircuitOpen):
                await client.get_page(Entity.STORE, 0)
            assert sent.paths[GET_ALL] == 2
            with pytest.raises(MahakCircuitOpen):
                await client.get_page(Entity.STORE, 0)
            assert sent.paths[GET_ALL] == 2
            # then: Mahak recovers; after the open period the probe goes through and closes the circuit
            mahak.control.clear_faults()
            await asyncio.sleep(0.35)
            assert await client.get_page(Entity.STORE, 0)
            assert await client.get_page(Entity.BANK, 0)
    finally:
        await engine.dispose()
