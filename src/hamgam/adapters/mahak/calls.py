"""Request and response bodies of the Mahak calls (contract §2, §3, §5, §1 SolveDispute).

Requests go out camelCase (Mahak binds keys case-insensitively); responses come back PascalCase.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel, to_pascal

from hamgam.adapters.mahak.wire import Entity, TehranDateTime, Text, tehran_naive


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


#: A decimal sent as a JSON number (pydantic would send a string, which .NET may refuse to bind).
Amount = Annotated[Decimal, PlainSerializer(_number, return_type=int | float)]
#: A Tehran wall-clock time; an aware datetime is converted, then sent without offset.
LocalTime = Annotated[datetime, BeforeValidator(tehran_naive)]


class _Request(BaseModel):
    # extra="allow": a field Mahak accepts but we did not model can still be sent (camelCase key as given).
    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, extra="allow")

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class _Response(BaseModel):
    model_config = ConfigDict(alias_generator=to_pascal, validate_by_name=True, extra="ignore")


def md5_hex(password: str) -> str:
    """The password as Login wants it: lower-case hex MD5 of the UTF-8 text."""
    return hashlib.md5(password.encode("utf-8")).hexdigest()


# -- Login ---------------------------------------------------------------------------------------------------
class LoginRequest(_Request):
    user_name: str
    #: Already hashed: use ``md5_hex(plain)``.
    password: str
    database_id: int | None = None
    language: str | None = "fa"
    description: str | None = None
    app_id: str | None = None
    package_no: str | None = None
    client_version: str | None = None


class LoginData(_Response):
    user_token: str
    sync_id: int | None = None
    visitor_id: int
    database_id: int
    user_title: Text = ""
    server_time: TehranDateTime = None
    package_no: Any = None
    error_code: int | None = None
    error_message: str | None = None


# -- GetAllData ----------------------------------------------------------------------------------------------
class GetAllDataRequest(BaseModel):
    """Ask for changes after one cursor per entity; entities without a cursor are not returned."""

    cursors: dict[Entity, int]
    current_visitor_id: int | None = None
    page_size: int | None = None
    #: Filters Orders (201 sales invoice, 202 return, 299 pro-forma).
    order_types: list[int] | None = None

    def to_wire(self) -> dict[str, Any]:
        body: dict[str, Any] = {entity.cursor: int(version) for entity, version in self.cursors.items()}
        for key, value in (
            ("currentVisitorId", self.current_visitor_id),
            ("pageSize", self.page_size),
            ("orderTypes", self.order_types),
        ):
            if value is not None:
                body[key] = value
        return body


# -- SaveAllData ---------------------------------------------------------------------------------------------
# A child names its parent by ``<parent>ClientId`` when the parent is new in the same request, else by id.
class PersonSave(_Request):
    person_client_id: int
    person_id: int | None = None
    person_code: int | None = None
    person_group_id: int | None = None
    person_type: int = 0
    first_name: str | None = None
    last_name: str | None = None
    organization: str | None = None
    national_code: str | None = None
    mobile: str | None = None
    phone: str | None = None
    email: str | None = None
    state: str | None = None
    city: str | None = None
    address: str | None = None
    postal_code: str | None = None


class VisitorPersonSave(_Request):
    visitor_person_client_id: int
    visitor_id: int
    person_id: int | None = None
    person_client_id: int | None = None


class PersonAddressSave(_Request):
    person_address_client_id: int
    person_id: int | None = None
    person_client_id: int | None = None
    title: str | None = None
    address: str | None = None
    postal_code: str | None = None
    mobile: str | None = None
    phone: str | None = None
    city_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None


class OrderSave(_Request):
    order_client_id: int
    visitor_id: int
    person_id: int | None = None
    person_client_id: int | None = None
    order_type: int = 201
    order_date: LocalTime
    settlement_type: int = 0
    send_cost: Amount = Decimal(0)
    #: Other costs of the invoice (no tax on them): here the Rial the net line prices leave over.
    other_cost: Amount | None = None
    discount: Amount | None = None
    description: str | None = None
    #: JSON text: title, address, postalcode, mobile, cityid.
    shipping_address: str | None = None


class OrderDetailSave(_Request):
    order_detail_client_id: int
    order_id: int | None = None
    order_client_id: int | None = None
    item_type: int = 1
    product_detail_id: int
    #: Required by Mahak.
    store_id: int
    #: Unit price.
    price: Amount
    count1: Amount
    count2: Amount | None = None
    discount: Amount | None = None
    tax_percent: Amount | None = None
    charge_percent: Amount | None = None
    row_id: int | None = None
    description: str | None = None


class ReceiptSave(_Request):
    receipt_client_id: int
    visitor_id: int | None = None
    person_id: int | None = None
    person_client_id: int | None = None
    order_id: int | None = None
    order_client_id: int | None = None
    cash_amount: Amount
    cash_code: int | None = None
    date: LocalTime | None = None
    tracking_code: str | None = None
    description: str | None = None


class SaveAllDataRequest(_Request):
    """Related rows travel in one request, so Mahak links children to parents created in it."""

    people: list[PersonSave] = []
    visitor_people: list[VisitorPersonSave] = []
    person_addresses: list[PersonAddressSave] = []
    orders: list[OrderSave] = []
    order_details: list[OrderDetailSave] = []
    receipts: list[ReceiptSave] = []

    def to_wire(self) -> dict[str, Any]:
        return {key: value for key, value in super().to_wire().items() if value != []}


class SaveItemError(_Response):
    #: The field Mahak blames; key on this, never on ``code`` (undocumented).
    property: str | None = None
    code: int | None = None
    error: Text = ""


class SaveItemResult(_Response):
    result: bool
    #: Position of the item in the submitted list.
    index: int
    entity_id: int | None = None
    entity_client_id: int | None = None
    entity_code: int | None = None
    row_version: int | None = None
    errors: list[SaveItemError] = []


#: SaveAllData list name in the response → attribute of ``SaveAllDataRequest`` and ``SaveResult``.
SAVE_LISTS: Mapping[str, str] = {
    "People": "people",
    "VisitorPeople": "visitor_people",
    "PersonAddresses": "person_addresses",
    "Orders": "orders",
    "OrderDetails": "order_details",
    "Receipts": "receipts",
}


class SaveResult(BaseModel):
    """Per-item outcome of one SaveAllData. ``result`` is Mahak's top-level flag: false if *any* item failed,
    while other items may still have been saved, so always look at every item."""

    result: bool
    message: str | None = None
    people: list[SaveItemResult] = []
    visitor_people: list[SaveItemResult] = []
    person_addresses: list[SaveItemResult] = []
    orders: list[SaveItemResult] = []
    order_details: list[SaveItemResult] = []
    receipts: list[SaveItemResult] = []

    @property
    def ok(self) -> bool:
        """Every item was accepted."""
        return all(item.result for _, item in self.items())

    def items(self) -> Iterator[tuple[str, SaveItemResult]]:
        """``(list_name, item)`` for every reported item, in submission order per list."""
        for name in SAVE_LISTS.values():
            for item in getattr(self, name):
                yield name, item

    def failures(self) -> list[tuple[str, SaveItemResult]]:
        return [(name, item) for name, item in self.items() if not item.result]

    @classmethod
    def from_envelope(cls, result: bool, message: str | None, data: Mapping[str, Any]) -> SaveResult:
        objects = data.get("Objects") or {}
        lists: dict[str, list[SaveItemResult]] = {}
        for wire_name, attr in SAVE_LISTS.items():
            block = _get_ci(objects, wire_name)
            results = _get_ci(block, "Results") if isinstance(block, Mapping) else block
            lists[attr] = [SaveItemResult.model_validate(item) for item in results or []]
        return cls(result=result, message=message, **lists)


# -- SolveDispute --------------------------------------------------------------------------------------------
class DisputeItem(_Request):
    id: int
    #: The RowVersion the client holds.
    rw: int


class SolveDisputeRequest(_Request):
    database_id: int
    entity_name: str
    dispute_items: list[DisputeItem] = Field(default_factory=list)


def _get_ci(mapping: Mapping[str, Any], key: str) -> Any:
    """``mapping[key]`` with the key matched case-insensitively (Mahak's casing is not always stable)."""
    if key in mapping:
        return mapping[key]
    lowered = key.lower()
    return next((value for name, value in mapping.items() if name.lower() == lowered), None)
