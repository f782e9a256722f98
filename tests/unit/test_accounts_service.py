"""Sign-up, one-time codes, logins, sessions and the admin guard, against in-memory repositories (no database)."""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher

from hamgam.adapters.ratelimit.memory import MemoryRateLimiter
from hamgam.adapters.sms.memory import InMemorySms
from hamgam.domain.accounts import Factor, Role
from hamgam.domain.errors import Conflict, Forbidden, NotFound, RateLimited, Unauthorized
from hamgam.services.auth.tokens import TokenService
from hamgam.services.store.accounts import AccountService
from hamgam.settings import AuthSettings, ShopSettings
from tests.fakes.accounts import AccountsData

MOBILE = "09121234567"
PASSWORD = "a long enough password"
PEPPER = b"unit-test-pepper"


@pytest.fixture
def data() -> AccountsData:
    return AccountsData()


@pytest.fixture
def sms() -> InMemorySms:
    return InMemorySms()


@pytest.fixture
def accounts(data: AccountsData, sms: InMemorySms) -> AccountService:
    return AccountService(
        data.uow, sms, MemoryRateLimiter(), shop=ShopSettings(), auth=AuthSettings(), pepper=PEPPER,
        hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),  # cheap: the rules are under test
    )  # fmt: skip


@pytest.fixture
def tokens(data: AccountsData) -> TokenService:
    return TokenService(data.uow, secret="s" * 40, issuer="hamgam", access_ttl_s=900, refresh_ttl_s=3600, pepper=PEPPER)


async def _code(accounts: AccountService, sms: InMemorySms, mobile: str = MOBILE) -> str:
    await accounts.request_otp(mobile, client="10.0.0.1")
    code = sms.last_otp(mobile)
    assert code is not None
    return code


async def _admin(accounts: AccountService, mobile: str) -> int:
    return (await accounts.ensure_staff(mobile, PASSWORD, Role.ADMIN))["id"]


# --- sign-up and one-time codes ---


async def test_register_with_the_texted_code_creates_an_account_with_a_password(
    accounts: AccountService, sms: InMemorySms
) -> None:
    code = await _code(accounts, sms)
    customer = await accounts.register(MOBILE, code, PASSWORD, "مریم", client="10.0.0.1")
    assert customer["mobile"] == MOBILE and customer["has_password"] and customer["role"] == "customer"
    assert (await accounts.login_password(MOBILE, PASSWORD, client="10.0.0.1"))["id"] == customer["id"]


async def test_a_code_works_once(accounts: AccountService, sms: InMemorySms) -> None:
    code = await _code(accounts, sms)
    await accounts.register(MOBILE, code, PASSWORD, client="10.0.0.1")
    with pytest.raises(Unauthorized):
        await accounts.verify_otp(MOBILE, code)


async def test_register_with_a_wrong_code_is_refused_and_creates_nothing(
    accounts: AccountService, sms: InMemorySms, data: AccountsData
) -> None:
    code = await _code(accounts, sms)
    wrong = "0" * len(code) if code != "0" * len(code) else "1" * len(code)
    with pytest.raises(Unauthorized):
        await accounts.register(MOBILE, wrong, PASSWORD, client="10.0.0.1")
    assert data.customers == {}


async def test_wrong_guesses_use_up_the_code(accounts: AccountService, sms: InMemorySms) -> None:
    code = await _code(accounts, sms)
    wrong = "0" * len(code) if code != "0" * len(code) else "1" * len(code)
    for _ in range(ShopSettings().otp_max_attempts):
        with pytest.raises(Unauthorized):
            await accounts.verify_otp(MOBILE, wrong)
    with pytest.raises(Unauthorized):
        await accounts.verify_otp(MOBILE, code)


async def test_an_expired_code_is_refused(accounts: AccountService, sms: InMemorySms, data: AccountsData) -> None:
    code = await _code(accounts, sms)
    data.now += dt.timedelta(seconds=ShopSettings().otp_ttl_s + 1)
    with pytest.raises(Unauthorized):
        await accounts.verify_otp(MOBILE, code)


async def test_a_new_code_retires_the_earlier_one(accounts: AccountService, sms: InMemorySms) -> None:
    first = await _code(accounts, sms)
    second = await _code(accounts, sms)
    if first != second:
        with pytest.raises(Unauthorized):
            await accounts.verify_otp(MOBILE, first)
    assert (await accounts.verify_otp(MOBILE, second))["mobile"] == MOBILE


async def test_registering_a_taken_mobile_is_a_conflict_and_leaves_the_code_usable(
    accounts: AccountService, sms: InMemorySms
) -> None:
    await accounts.register(MOBILE, await _code(accounts, sms), PASSWORD, client="10.0.0.1")
    code = await _code(accounts, sms)
    with pytest.raises(Conflict):
        await accounts.register(MOBILE, code, "another good password", client="10.0.0.1")
    # the refused sign-up rolled back with the code: the code still logs the owner in
    assert (await accounts.verify_otp(MOBILE, code))["mobile"] == MOBILE


async def test_the_first_code_login_creates_the_customer_without_a_password(
    accounts: AccountService, sms: InMemorySms
) -> None:
    customer = await accounts.verify_otp(MOBILE, await _code(accounts, sms))
    assert customer["role"] == "customer" and not customer["has_password"]


async def test_codes_sent_are_rate_limited_per_mobile(accounts: AccountService) -> None:
    for _ in range(AuthSettings().otp_sends):
        await accounts.request_otp(MOBILE, client="10.0.0.1")
    with pytest.raises(RateLimited):
        await accounts.request_otp(MOBILE, client="10.0.0.2")


# --- password login ---


async def test_a_wrong_password_an_unknown_mobile_and_a_disabled_account_are_all_refused(
    accounts: AccountService, sms: InMemorySms
) -> None:
    admin = await _admin(accounts, "09120000001")
    customer = await accounts.register(MOBILE, await _code(accounts, sms), PASSWORD, client="10.0.0.1")
    with pytest.raises(Unauthorized):
        await accounts.login_password(MOBILE, "not the password", client="10.0.0.1")
    with pytest.raises(Unauthorized):
        await accounts.login_password("09129999999", PASSWORD, client="10.0.0.1")
    await accounts.set_disabled(admin, customer["id"], True)
    with pytest.raises(Unauthorized):
        await accounts.login_password(MOBILE, PASSWORD, client="10.0.0.1")


async def test_password_logins_are_rate_limited_per_mobile(accounts: AccountService) -> None:
    for _ in range(AuthSettings().login_attempts):
        with pytest.raises(Unauthorized):
            await accounts.login_password(MOBILE, "not the password", client="10.0.0.1")
    with pytest.raises(RateLimited):
        await accounts.login_password(MOBILE, PASSWORD, client="10.0.0.1")


# --- sessions ---


async def test_refresh_rotates_and_a_reused_token_revokes_the_family(tokens: TokenService, data: AccountsData) -> None:
    customer_id = await _customer(data)
    first = await tokens.issue(customer_id, factors=[Factor.OTP])
    second = await tokens.refresh(first.refresh_token)
    assert (await tokens.authenticate(second.access_token)).customer_id == customer_id
    with pytest.raises(Unauthorized):
        await tokens.refresh(first.refresh_token)  # copied: the whole family ends
    with pytest.raises(Unauthorized):
        await tokens.authenticate(second.access_token)
    with pytest.raises(Unauthorized):
        await tokens.refresh(second.refresh_token)


async def test_logout_ends_the_session_at_once(tokens: TokenService, data: AccountsData) -> None:
    pair = await tokens.issue(await _customer(data), factors=[Factor.PASSWORD])
    await tokens.revoke(pair.refresh_token)
    with pytest.raises(Unauthorized):
        await tokens.authenticate(pair.access_token)


async def test_staff_act_as_staff_only_in_a_session_proved_by_both_factors(
    accounts: AccountService, tokens: TokenService
) -> None:
    staff = (await accounts.ensure_staff("09120000002", PASSWORD, Role.STAFF))["id"]
    one = await tokens.issue(staff, factors=[Factor.PASSWORD])
    both = await tokens.issue(staff, factors=[Factor.PASSWORD, Factor.OTP])
    assert (await tokens.authenticate(one.access_token)).role is Role.CUSTOMER
    assert (await tokens.authenticate(both.access_token)).role is Role.STAFF


async def test_setting_a_password_ends_every_other_session(
    accounts: AccountService, tokens: TokenService, data: AccountsData
) -> None:
    customer_id = await _customer(data)
    mine = await tokens.issue(customer_id, factors=[Factor.OTP])
    other = await tokens.issue(customer_id, factors=[Factor.OTP])
    me = await tokens.authenticate(mine.access_token)
    await accounts.set_password(customer_id, PASSWORD, session=me.session_id, two_factor=me.two_factor)
    assert (await tokens.authenticate(mine.access_token)).customer_id == customer_id
    with pytest.raises(Unauthorized):
        await tokens.authenticate(other.access_token)


async def test_staff_need_both_factors_to_change_their_password(accounts: AccountService) -> None:
    staff = (await accounts.ensure_staff("09120000002", PASSWORD, Role.STAFF))["id"]
    with pytest.raises(Forbidden):
        await accounts.set_password(staff, "a different password", session=None, two_factor=False)


# --- admins ---


async def test_an_admin_cannot_change_their_own_role(accounts: AccountService) -> None:
    admin = await _admin(accounts, "09120000001")
    with pytest.raises(Forbidden):
        await accounts.set_role(admin, admin, Role.STAFF)


async def test_the_last_active_admin_cannot_be_removed(accounts: AccountService) -> None:
    admin = await _admin(accounts, "09120000001")
    with pytest.raises(Conflict):
        await accounts.set_role(None, admin, Role.STAFF)
    with pytest.raises(Conflict):
        await accounts.set_disabled(None, admin, True)


async def test_only_an_active_admin_changes_roles(accounts: AccountService) -> None:
    await _admin(accounts, "09120000001")
    staff = (await accounts.ensure_staff("09120000002", PASSWORD, Role.STAFF))["id"]
    other = (await accounts.ensure_staff("09120000003", PASSWORD, Role.STAFF))["id"]
    with pytest.raises(Forbidden):
        await accounts.set_role(staff, other, Role.ADMIN)
    with pytest.raises(NotFound):
        await accounts.set_role(None, 999_999, Role.STAFF)


async def test_a_role_change_is_audited_with_it_and_logs_the_account_out(
    accounts: AccountService, tokens: TokenService, data: AccountsData
) -> None:
    admin = await _admin(accounts, "09120000001")
    customer_id = await _customer(data)
    pair = await tokens.issue(customer_id, factors=[Factor.OTP])
    await accounts.set_role(admin, customer_id, Role.STAFF, actor=f"admin:{admin}")
    assert data.audit == [
        {"actor": f"admin:{admin}", "action": "customer.role", "target": f"customer:{customer_id}",
         "details": {"role": "staff"}}
    ]  # fmt: skip
    with pytest.raises(Unauthorized):
        await tokens.authenticate(pair.access_token)


async def test_a_refused_change_writes_no_audit_entry(accounts: AccountService, data: AccountsData) -> None:
    admin = await _admin(accounts, "09120000001")
    with pytest.raises(Forbidden):
        await accounts.set_disabled(admin, admin, True, actor=f"admin:{admin}")
    assert data.audit == []


async def _customer(data: AccountsData) -> int:
    async with data.uow() as uow:
        await uow.customers.add_if_missing(MOBILE)
        customer_id = await uow.customers.id_by_mobile(MOBILE)
    assert customer_id is not None
    return customer_id
