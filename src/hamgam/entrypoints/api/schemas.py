"""Request bodies of the public API (pydantic). Tables, domain types and these stay separate things."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hamgam.domain.orders import OrderStatus
from hamgam.domain.shipping import Carrier

Text = Annotated[str, StringConstraints(max_length=500)]
ShortText = Annotated[str, StringConstraints(max_length=100)]
Mobile = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=128)]
OtpCode = Annotated[str, StringConstraints(min_length=1, max_length=12)]


#: Unknown field names quoted in the one error that refuses them.
UNKNOWN_FIELDS_SHOWN = 5


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown_fields(cls, data: Any) -> Any:
        """Unknown keys are refused as one error naming the first few: ``extra="forbid"`` alone makes one error
        per key, and a body of thousands of keys would cost thousands of them."""
        if isinstance(data, dict):
            known = cls.model_fields  # a property: read it once, not once per key
            unknown = [key for key in data if key not in known]
            if unknown:
                shown = ", ".join(str(key)[:40] for key in unknown[:UNKNOWN_FIELDS_SHOWN])
                more = f" (+{len(unknown) - UNKNOWN_FIELDS_SHOWN} more)" if len(unknown) > UNKNOWN_FIELDS_SHOWN else ""
                raise ValueError(f"unknown fields: {shown}{more}")
        return data


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None
    request_id: str | None = None
    details: dict[str, Any] | list[Any] | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


class RegisterIn(Body):
    mobile: Mobile
    #: The one-time code sent to ``mobile`` (``POST /auth/otp/request``): proves the mobile is the caller's.
    code: OtpCode
    password: Password
    full_name: ShortText | None = None
    #: A guest cart to merge into the customer's cart.
    cart_token: uuid.UUID | None = None


class LoginIn(Body):
    mobile: Mobile
    password: Password
    cart_token: uuid.UUID | None = None


class OtpRequestIn(Body):
    mobile: Mobile


class OtpVerifyIn(Body):
    mobile: Mobile
    code: OtpCode
    cart_token: uuid.UUID | None = None


class LoginVerifyIn(Body):
    #: From the ``202`` answer of ``POST /auth/login``.
    challenge: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    code: OtpCode
    cart_token: uuid.UUID | None = None


class RefreshIn(Body):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ProfileIn(Body):
    full_name: ShortText | None = None
    email: ShortText | None = None
    national_code: Annotated[str, StringConstraints(max_length=20)] | None = None


class PasswordIn(Body):
    password: Password


class AddressIn(Body):
    title: ShortText | None = None
    recipient_name: ShortText
    mobile: Mobile
    province: ShortText
    city: ShortText
    line: Text
    postal_code: Annotated[str, StringConstraints(max_length=20)]


class CartLineIn(Body):
    quantity: int = Field(ge=0, le=10_000)


class CheckoutIn(Body):
    shipping_method: ShortText
    #: One of ``address_id`` or ``address``; neither for a pickup method.
    address_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    address: AddressIn | None = None
    note: Text | None = None


class QuoteIn(Body):
    shipping_method: ShortText | None = None
    province: ShortText | None = None


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int
    customer: dict[str, Any]
    cart_id: uuid.UUID | None = None


ImageEntry = Annotated[
    dict[Annotated[str, StringConstraints(max_length=64)], Annotated[str, StringConstraints(max_length=2000)]],
    Field(max_length=20),
]


class ListingIn(Body):
    """Store-owned listing fields; only the fields sent change. ``null`` clears a text field (``slug``,
    ``description``, ``seo_title``, ``seo_description``). ``images``, ``hidden`` and ``featured`` have no
    cleared state and refuse ``null`` (send ``[]`` or ``false``)."""

    slug: Annotated[str, StringConstraints(max_length=200, pattern=r"^[\w\-]+$")] | None = None
    description: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    seo_title: Annotated[str, StringConstraints(max_length=200)] | None = None
    seo_description: Text | None = None
    images: list[ImageEntry] = Field(default_factory=list, max_length=50)
    hidden: bool = False
    featured: bool = False


class OverrideIn(Body):
    value: Annotated[str, StringConstraints(max_length=2000)]


class OrderStatusIn(Body):
    status: OrderStatus
    reason: Text | None = None
    #: Must be ``true`` for a move that cannot be undone (``cancelled``): without it the answer is a 409
    #: ``confirmation_required`` listing what would follow, and nothing changes.
    confirm: bool = Field(
        default=False,
        description="true to confirm a destructive move (cancelled); otherwise 409 confirmation_required",
    )


class ShipmentIn(Body):
    """The carrier the order was handed to and its tracking code (checked per carrier)."""

    carrier: Carrier
    tracking_code: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class RoleIn(Body):
    role: Annotated[str, StringConstraints(pattern="^(customer|staff|admin)$")]


class DisabledIn(Body):
    disabled: bool


class SyncRunIn(Body):
    #: One entity (``Product`` …) or all when empty.
    entity: ShortText | None = None
    kind: Annotated[str, StringConstraints(pattern="^(incremental|full|reconcile)$")] = "incremental"


class DeadLetterBodyIn(Body):
    #: The new message body as text (UTF-8).
    body: Annotated[str, StringConstraints(max_length=10_000_000)]
