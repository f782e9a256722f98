"""The logged-in customer: profile, password, addresses."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from hamgam.domain.checkout import Address
from hamgam.entrypoints.api.deps import Core, Customer, Id
from hamgam.entrypoints.api.errors import ERROR_RESPONSES
from hamgam.entrypoints.api.responses import AddressOut, ProfileOut
from hamgam.entrypoints.api.schemas import AddressIn, PasswordIn, ProfileIn

router = APIRouter(prefix="/me", tags=["me"], responses=ERROR_RESPONSES)


@router.get("", response_model=ProfileOut)
async def profile(core: Core, me: Customer) -> dict[str, Any]:
    return await core.accounts.profile(me.customer_id)


@router.patch("", response_model=ProfileOut)
async def update_profile(core: Core, me: Customer, body: ProfileIn) -> dict[str, Any]:
    return await core.accounts.update_profile(me.customer_id, **body.model_dump(exclude_unset=True))


@router.put("/password", status_code=204)
async def set_password(core: Core, me: Customer, body: PasswordIn) -> None:
    """Set or change the password; every other session of the account ends (this one stays)."""
    await core.accounts.set_password(me.customer_id, body.password, session=me.session_id, two_factor=me.two_factor)


@router.get("/addresses", response_model=list[AddressOut])
async def addresses(core: Core, me: Customer) -> list[dict[str, Any]]:
    return await core.accounts.addresses(me.customer_id)


@router.post("/addresses", status_code=201, response_model=AddressOut)
async def add_address(core: Core, me: Customer, body: AddressIn) -> dict[str, Any]:
    """Mobile and postal code are validated and normalised (Persian digits welcome)."""
    return await core.accounts.add_address(me.customer_id, Address.parse(**body.model_dump()))


@router.delete("/addresses/{address_id}", status_code=204)
async def delete_address(core: Core, me: Customer, address_id: Id) -> None:
    await core.accounts.delete_address(me.customer_id, address_id)
