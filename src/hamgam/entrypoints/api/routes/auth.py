"""Sign up, log in and out: password (with a one-time code for staff), one-time code by SMS, refresh-token
rotation."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from hamgam.domain.accounts import Factor
from hamgam.entrypoints.api.deps import ClientKey, Core
from hamgam.entrypoints.api.errors import ERROR_RESPONSES
from hamgam.entrypoints.api.responses import CodeRequiredOut, OtpSentOut, TokenPairOut
from hamgam.entrypoints.api.schemas import (
    LoginIn,
    LoginVerifyIn,
    OtpRequestIn,
    OtpVerifyIn,
    RefreshIn,
    RegisterIn,
    TokenOut,
)
from hamgam.services.store.core import CodeRequired

router = APIRouter(prefix="/auth", tags=["auth"], responses=ERROR_RESPONSES)


async def _session(
    core: Core, customer: dict[str, Any], cart_token: uuid.UUID | None, factors: Iterable[Factor]
) -> TokenOut:
    cart_id = await core.carts.merge_into_customer(cart_token, customer["id"]) if cart_token else None
    pair = await core.tokens.issue(customer["id"], factors=factors)
    return TokenOut(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=pair.expires_in,
        customer=customer,
        cart_id=cart_id,
    )


@router.post("/register", status_code=201)
async def register(core: Core, client: ClientKey, body: RegisterIn) -> TokenOut:
    """Sign up with a password once the mobile is proved: first ``POST /auth/otp/request``, then send the code
    here. 409 when the mobile already has an account. Rate limited per mobile and per client address."""
    customer = await core.accounts.register(body.mobile, body.code, body.password, body.full_name, client=client)
    return await _session(core, customer, body.cart_token, (Factor.OTP, Factor.PASSWORD))


@router.post(
    "/login",
    responses={202: {"model": CodeRequiredOut, "description": "Staff: a code was sent"}},
    response_model=TokenOut,
)
async def login(core: Core, client: ClientKey, body: LoginIn) -> TokenOut | JSONResponse:
    """Mobile and password. Staff and admins get 202 with a ``challenge`` and a one-time code by SMS, to finish
    with ``POST /auth/login/verify``. Rate limited per mobile and per client address."""
    result = await core.password_login(body.mobile, body.password, client=client)
    if isinstance(result, CodeRequired):
        return JSONResponse(CodeRequiredOut(**dataclasses.asdict(result)).model_dump(), status_code=202)
    return await _session(core, result, body.cart_token, (Factor.PASSWORD,))


@router.post("/login/verify")
async def login_verify(core: Core, body: LoginVerifyIn) -> TokenOut:
    """The second step of a staff login: the challenge and the code texted to the account's mobile."""
    customer = await core.finish_password_login(body.challenge, body.code)
    return await _session(core, customer, body.cart_token, (Factor.PASSWORD, Factor.OTP))


@router.post("/otp/request", status_code=202, response_model=OtpSentOut)
async def otp_request(core: Core, client: ClientKey, body: OtpRequestIn) -> dict[str, Any]:
    """Send a one-time code by SMS (to log in or sign up). Rate limited per mobile and per client address."""
    return await core.accounts.request_otp(body.mobile, client=client)


@router.post("/otp/verify")
async def otp_verify(core: Core, body: OtpVerifyIn) -> TokenOut:
    """Log in (signing up on first use) with the code. A staff account gets a customer's session: the admin
    needs the password too."""
    customer = await core.accounts.verify_otp(body.mobile, body.code)
    return await _session(core, customer, body.cart_token, (Factor.OTP,))


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
