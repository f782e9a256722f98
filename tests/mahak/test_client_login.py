"""Login, token renewal on 401 (once), and refused credentials."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from hamgam.adapters.mahak import Entity, MahakAuthError, MahakClient
from hamgam.settings import MahakSettings
from hamgam_sim.mahak.server import RunningSimulator


async def test_login_returns_the_site_identity(mahak: RunningSimulator, client: MahakClient) -> None:
    # when
    session = await client.login()
    # then
    assert session.user_token and session.visitor_id == 1 and session.database_id == 4321
    assert client.session == session
    assert mahak.control.stats()["logins_ok"] == 1


async def test_first_call_logs_in_lazily(mahak: RunningSimulator, client: MahakClient) -> None:
    await client.get_page(Entity.STORE, 0)
    await client.get_page(Entity.BANK, 0)
    assert mahak.control.stats()["logins_ok"] == 1


async def test_login_refused_is_an_auth_error_with_mahaks_message(
    mahak: RunningSimulator, mahak_settings: Callable[..., MahakSettings]
) -> None:
    async with MahakClient(mahak_settings(password="wrong")) as client:
        with pytest.raises(MahakAuthError, match="رمز عبور"):
            await client.get_page(Entity.STORE, 0)
    assert mahak.control.stats()["logins_failed"] == 1


async def test_expired_token_is_renewed(mahak: RunningSimulator, mahak_settings: Callable[..., MahakSettings]) -> None:
    # given: tokens live 0.2 s
    mahak.control.set_switches(token_lifetime_s=0.2)
    async with MahakClient(mahak_settings()) as client:
        await client.get_page(Entity.STORE, 0)
        first_token = client.session.user_token
        await asyncio.sleep(0.3)
        # when
        stores = await client.get_page(Entity.STORE, 0)
    # then
    assert stores and client.session.user_token != first_token
    stats = mahak.control.stats()
    assert stats["logins_ok"] == 2 and stats["unauthorized"] == 1


async def test_401_mid_run_renews_once_and_the_walk_goes_on(mahak: RunningSimulator, client: MahakClient) -> None:
    # given: the 3rd GetAllData finds every token dead
    mahak.control.add_fault("token_expiry", "getalldata", after=2)
    # when
    pages = [page async for page in client.iter_changes(Entity.REGION, 0, 10)]
    # then
    assert sum(len(page.rows) for page in pages) == len(mahak.control.rows("Region"))
    assert mahak.control.stats()["logins_ok"] == 2


async def test_a_renewed_token_refused_again_is_an_auth_error(mahak: RunningSimulator, client: MahakClient) -> None:
    # given: every GetAllData kills all tokens
    await client.login()
    mahak.control.add_fault("token_expiry", "getalldata", times=None)
    # when / then
    with pytest.raises(MahakAuthError):
        await client.get_page(Entity.STORE, 0)
    assert mahak.control.stats()["logins_ok"] == 2  # renewed exactly once


async def test_concurrent_401s_renew_the_token_once(mahak: RunningSimulator, client: MahakClient) -> None:
    await client.login()
    mahak.control.expire_tokens()
    await asyncio.gather(*(client.get_page(entity, 0) for entity in (Entity.STORE, Entity.BANK, Entity.REGION)))
    assert mahak.control.stats()["logins_ok"] == 2
