"""An admin cannot demote or disable themselves, and the last active admin can never be removed (API, pages,
the service and the operator's CLI path), even when two admins act at once."""

from __future__ import annotations

import asyncio

import pytest

from hamgam.domain.accounts import Role
from hamgam.domain.errors import Conflict
from tests.security.accounts_helpers import (  # noqa: F401 (fixtures)
    API,
    PASSWORD,
    bearer,
    make_staff,
    scalar,
    site_fixture,
    staff_session,
    web_fixture,
)
from tests.web.conftest import Web

FIRST, SECOND = "09350000001", "09350000002"


async def active_admins(site) -> int:
    return await scalar(site, "SELECT count(*) FROM customer WHERE role = 'admin' AND disabled_at IS NULL")


async def test_an_admin_cannot_change_their_own_role_or_disable_themselves(site) -> None:
    me = await make_staff(site, FIRST, "admin")
    await make_staff(site, SECOND, "admin")  # not the last admin: the refusal is about acting on oneself
    session = bearer((await staff_session(site, FIRST))["access_token"])
    demoted = await site.http.put(f"{API}/admin/customers/{me}/role", json={"role": "customer"}, headers=session)
    assert demoted.status_code == 403, demoted.text
    assert "cannot change your own" in demoted.json()["error"]["message"]
    disabled = await site.http.put(f"{API}/admin/customers/{me}/disabled", json={"disabled": True}, headers=session)
    assert disabled.status_code == 403, disabled.text
    assert await scalar(site, "SELECT role FROM customer WHERE id = :i", i=me) == "admin"
    assert await scalar(site, "SELECT disabled_at FROM customer WHERE id = :i", i=me) is None
    assert (await site.http.get(f"{API}/admin/settings", headers=session)).status_code == 200


async def test_an_admin_can_still_manage_other_admins(site) -> None:
    await make_staff(site, FIRST, "admin")
    other = await make_staff(site, SECOND, "admin")
    session = bearer((await staff_session(site, FIRST))["access_token"])
    response = await site.http.put(f"{API}/admin/customers/{other}/role", json={"role": "staff"}, headers=session)
    assert response.status_code == 200, response.text
    assert await active_admins(site) == 1


async def test_the_last_active_admin_cannot_be_removed(site) -> None:
    accounts = site.container.store.accounts
    last = await make_staff(site, FIRST, "admin")
    await make_staff(site, SECOND, "staff")
    # whoever asks (here the operator, with no acting admin), the last active admin stays
    with pytest.raises(Conflict):
        await accounts.set_role(None, last, Role.STAFF)
    with pytest.raises(Conflict):
        await accounts.set_disabled(None, last, True)
    with pytest.raises(Conflict):
        await accounts.ensure_staff(FIRST, PASSWORD, Role.STAFF)
    assert await active_admins(site) == 1


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(site) -> None:
    first = await make_staff(site, FIRST, "admin")
    second = await make_staff(site, SECOND, "admin")
    first_session = bearer((await staff_session(site, FIRST))["access_token"])
    second_session = bearer((await staff_session(site, SECOND))["access_token"])
    # when each demotes the other at the same moment
    answers = await asyncio.gather(
        site.http.put(f"{API}/admin/customers/{second}/role", json={"role": "customer"}, headers=first_session),
        site.http.put(f"{API}/admin/customers/{first}/role", json={"role": "customer"}, headers=second_session),
    )
    # then one wins and the other is refused: an active admin is always left
    assert sorted(a.status_code for a in answers) in ([200, 401], [200, 403]), [a.text for a in answers]
    assert await active_admins(site) == 1


async def test_admin_pages_refuse_self_demotion_and_self_disabling(web: Web) -> None:
    me = await make_staff(web, "09120000001", "admin")  # the pages' staff login uses this mobile
    await make_staff(web, SECOND, "admin")
    await web.login_staff()
    page = f"/admin/customers/{me}"
    response = await web.post(f"{page}/role", {"role": "customer"}, from_page=page)
    assert response.status_code == 303
    assert "خودتان" in (await web.http.get(page)).text
    response = await web.post(f"{page}/disabled", {"disabled": "1"}, from_page=page)
    assert response.status_code == 303
    assert await scalar(web, "SELECT role FROM customer WHERE id = :i", i=me) == "admin"
    assert await scalar(web, "SELECT disabled_at FROM customer WHERE id = :i", i=me) is None
    assert (await web.http.get("/admin")).status_code == 200
