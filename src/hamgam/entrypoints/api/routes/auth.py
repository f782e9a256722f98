"""Log in and out: password, one-time code by SMS, refresh-token rotation."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from hamgam.entrypoints.api.deps import ClientKey, Core
from hamgam.entrypoints.api.errors import ERROR_RESPONSES
from hamgam.entrypoints.api.responses import OtpSentOut, TokenPairOut
from hamgam.entrypoints.api.schemas import LoginIn, OtpRequestIn, OtpVerifyIn, RefreshIn, RegisterIn, TokenOut

router = APIRouter(prefix="/auth", tags=["auth"], responses=ERROR_RESPONSES)


async def _session(core: Core, customer: dict[str, Any], cart_token: uuid.UUID | None) -> TokenOut:
    cart_id = await core.carts.merge_into_customer(cart_token, customer["id"]) if cart_token else None
    pair = await core.tokens.issue(customer["id"])
    return TokenOut(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=pair.expires_in,
        customer=customer,
        cart_id=cart_id,
    )


@router.post("/register", status_code=201)
async def register(core: Core, body: RegisterIn) -> TokenOut:
    customer = await core.accounts.register(body.mobile, body.password, body.full_name)
    return await _session(core, customer, body.cart_token)


@router.post("/login")
async def login(core: Core, client: ClientKey, body: LoginIn) -> TokenOut:
    """Mobile and password. Rate limited per mobile and per client address."""
    customer = await core.accounts.login_password(body.mobile, body.password, client=client)
    return await _session(core, customer, body.cart_token)


@router.post("/otp/request", status_code=202)
async def otp_request(core: Core, client: ClientKey, body: OtpRequestIn) -> OtpSentOut:
    """Send a one-time login code by SMS. Rate limited per mobile and per client address."""
    return await core.accounts.request_otp(body.mobile, client=client)


@router.post("/otp/verify")
async def otp_verify(core: Core, body: OtpVerifyIn) -> TokenOut:
    """Log in (signing up on first use) with the code."""
    customer = await core.accounts.verify_otp(body.mobile, body.code)
    return await _session(core, customer, body.cart_token)


@router.post("/refresh")
async def refresh(core: Core, body: RefreshIn) -> TokenPairOut:
    """Rotate the refresh token; a reused token revokes its whole session."""
    pair = await core.tokens.refresh(body.refresh_token)
    return TokenPairOut(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        token_type=pair.token_type,
        expires_in=pair.expires_in,
    )


@router.post("/logout", status_code=204)
async def logout(core: Core, body: RefreshIn) -> None:
    await core.tokens.revoke(body.refresh_token)
