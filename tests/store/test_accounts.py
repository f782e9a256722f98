"""Accounts and tokens: passwords, one-time codes with limits, rotating refresh tokens with reuse detection."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from sqlalchemy import text

from hamgam.domain.errors import Conflict, RateLimited, Unauthorized
from tests.store.conftest import JWT_SECRET, StoreWorld


async def register(world: StoreWorld, mobile: str, password: str, full_name: str | None = None) -> dict:
    """Sign up with a password the way a person does: the code texted to the mobile proves it first."""
    await world.core.accounts.request_otp(mobile, client="t")
    code = world.sms.last_otp(mobile.replace("+98 ", "0").replace(" ", ""))
    return await world.core.accounts.register(mobile, code, password, full_name, client="t")


async def test_register_and_login_with_password(world: StoreWorld) -> None:
    accounts = world.core.accounts
    created = await register(world, "+98 912 123 4567", "s3cret-pass", "مریم")
    assert created["mobile"] == "09121234567" and created["role"] == "customer"
    assert (await accounts.login_password("۰۹۱۲۱۲۳۴۵۶۷", "s3cret-pass", client="t"))["id"] == created["id"]
    stored = await world.engine.connect()
    assert (await stored.scalar(text("SELECT password_hash FROM customer"))).startswith("$argon2id$")
    await stored.close()
    with pytest.raises(Unauthorized):
        await accounts.login_password("09121234567", "wrong-pass", client="t")
    with pytest.raises(Conflict):
        await register(world, "09121234567", "another-pass")


async def test_login_password_is_rate_limited(world: StoreWorld) -> None:
    await register(world, "09121234567", "s3cret-pass")
    for _ in range(world.settings.auth.login_attempts):
        with pytest.raises(Unauthorized):
            await world.core.accounts.login_password("09121234567", "nope-nope", client="t")
    with pytest.raises(RateLimited):
        await world.core.accounts.login_password("09121234567", "s3cret-pass", client="t")


async def test_otp_login_creates_customer_and_codes_are_single_use(world: StoreWorld) -> None:
    accounts = world.core.accounts
    await accounts.request_otp("09121234567", client="t")
    code = world.sms.last_otp("09121234567")
    assert code and len(code) == 6
    stored = await world.engine.connect()
    assert code not in (await stored.scalar(text("SELECT code_hash FROM otp_code")))
    await stored.close()
    customer = await accounts.verify_otp("09121234567", code)
    assert customer["mobile"] == "09121234567"
    with pytest.raises(Unauthorized):
        await accounts.verify_otp("09121234567", code)


async def test_otp_wrong_guesses_burn_the_code(world: StoreWorld) -> None:
    accounts = world.core.accounts
    await accounts.request_otp("09121234567", client="t")
    code = world.sms.last_otp("09121234567")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(world.settings.shop.otp_max_attempts):
        with pytest.raises(Unauthorized):
            await accounts.verify_otp("09121234567", wrong)
    with pytest.raises(Unauthorized):
        await accounts.verify_otp("09121234567", code)


async def test_otp_sends_are_rate_limited(world: StoreWorld) -> None:
    for _ in range(world.settings.auth.otp_sends):
        await world.core.accounts.request_otp("09121234567", client="t")
    with pytest.raises(RateLimited) as limited:
        await world.core.accounts.request_otp("09121234567", client="t")
    assert limited.value.retry_after_s > 0


async def test_refresh_rotates_and_reuse_revokes_the_family(world: StoreWorld) -> None:
    tokens = world.core.tokens
    customer = await register(world, "09121234567", "s3cret-pass")
    first = await tokens.issue(customer["id"])
    assert (await tokens.authenticate(first.access_token)).customer_id == customer["id"]
    second = await tokens.refresh(first.refresh_token)
    # reusing the spent token is refused and revokes the family: the newer tokens die too
    with pytest.raises(Unauthorized):
        await tokens.refresh(first.refresh_token)
    with pytest.raises(Unauthorized):
        await tokens.refresh(second.refresh_token)
    with pytest.raises(Unauthorized):
        await tokens.authenticate(second.access_token)


async def test_authenticate_refuses_tampered_expired_and_revoked_tokens(world: StoreWorld) -> None:
    tokens = world.core.tokens
    customer = await register(world, "09121234567", "s3cret-pass")
    pair = await tokens.issue(customer["id"])
    header, payload, signature = pair.access_token.split(".")
    forged_admin = jwt.encode(
        {"sub": str(customer["id"]), "role": "admin"},
        "guessed-secret-of-the-attacker-0123456789",
        algorithm="HS256",
    )
    now = dt.datetime.now(dt.UTC)
    expired = jwt.encode(
        {
            "sub": str(customer["id"]),
            "sid": "00000000-0000-0000-0000-000000000000",
            "iss": "hamgam",
            "typ": "access",
            "iat": now - dt.timedelta(hours=1),
            "exp": now - dt.timedelta(minutes=1),
        },
        JWT_SECRET,
        algorithm="HS256",
    )
    none_alg = jwt.encode({"sub": str(customer["id"])}, None, algorithm="none")
    for bad in (f"{header}.{payload}x.{signature}", forged_admin, expired, none_alg, "garbage"):
        with pytest.raises(Unauthorized):
            await tokens.authenticate(bad)
    await tokens.revoke(pair.refresh_token)
    with pytest.raises(Unauthorized):
        await tokens.authenticate(pair.access_token)
