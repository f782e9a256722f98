"""Typed shapes of what Mahak sends and accepts (contract §2–§5).

Rows arrive PascalCase and are read into snake_case attributes; unknown fields are ignored so a newer server
does not break us. Only what the store needs is modelled: the identity fields and ``RowVersion`` are required,
documented fields default when absent, and a value of the wrong type (or a negative price) makes the row
invalid. Dates are naive Tehran wall-clock times, as Mahak sends them.

The four entities Mahak serves by the hundred thousand (Product, ProductDetail, ProductDetailStoreAsset,
VisitorProduct) are msgspec structs (``CatalogueRow``), validated in C a page at a time; the others are pydantic
models (``Row``). Both keep the same rules: null text reads as "", a null price as 0, a negative price or a
value of the wrong type makes the row invalid, dates are Tehran wall-clock times. Their quantities and prices are
floats: the JSON they come from holds binary floats already.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar

import msgspec
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_pascal

try:
    from zoneinfo import ZoneInfo

    _TEHRAN: Any = ZoneInfo("Asia/Tehran")
except Exception:  # no tz database on the host: Iran has kept +03:30 all year since 2022
    _TEHRAN = timezone(timedelta(hours=3, minutes=30))


def tehran_naive(value: Any) -> Any:
    """Mahak's local time: ISO text or datetime, aware values moved to Tehran and stripped of the offset."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(_TEHRAN).replace(tzinfo=None)
    return value


def _none_to_empty(value: Any) -> Any:
    return "" if value is None else value


def _scalar_to_text(value: Any) -> Any:
    if value is None:
        return ""
    return str(value) if isinstance(value, int | float | Decimal) and not isinstance(value, bool) else value


#: A local Tehran time without offset; ``""`` and null read as None.
TehranDateTime = Annotated[datetime | None, BeforeValidator(tehran_naive)]
#: Text that Mahak may send as null.
Text = Annotated[str, BeforeValidator(_none_to_empty)]


def _none_to_zero(value: Any) -> Any:
    return 0 if value is None else value


#: A price in the database's money unit (Rial unless set to Toman); never negative; null reads as 0.
Price = Annotated[Decimal, BeforeValidator(_none_to_zero), Field(ge=0)]


class _Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_pascal, validate_by_name=True, extra="ignore", frozen=True)


class Row(_Wire):
    """The common tail of every row Mahak serves.

    Subclasses require the server id and the fields the store cannot do without (names, prices, links): a row
    lacking one is a contract violation, while null text and null prices read as "" and 0.
    """

    deleted: bool = False
    data_hash: Text = ""
    create_date: TehranDateTime = None
    update_date: TehranDateTime = None
    create_sync_id: int | None = None
    update_sync_id: int | None = None
    row_version: int

    def to_wire(self) -> dict[str, Any]:
        """The row as JSON types under its wire names (what was read, after the rules above)."""
        return self.model_dump(mode="json", by_alias=True)


class ProductCategory(Row):
    product_category_id: int
    product_category_client_id: int | None = None
    product_category_code: int | None = None
    name: Text
    color: Text = ""
    icon: Text = ""


class CatalogueRow(msgspec.Struct, rename="pascal", kw_only=True, frozen=True, omit_defaults=True):
    """The common tail of a catalogue row (``Row``'s, for the entities validated by msgspec).

    ``__post_init__`` applies the rules a type alone cannot say: null text reads as "" (the fields named in
    ``_TEXT``), a null price as 0 (``_PRICES``), dates as naive Tehran times. It raises ``RowValueError`` naming
    the wire field at fault.
    """

    _TEXT: ClassVar[tuple[str, ...]] = ("data_hash",)
    _PRICES: ClassVar[tuple[str, ...]] = ()

    deleted: bool = False
    data_hash: str | None = ""
    #: A Tehran time (``tehran_naive``): ISO text or null as sent, a naive datetime or None once read.
    create_date: Any = None
    update_date: Any = None
    create_sync_id: int | None = None
    update_sync_id: int | None = None
    row_version: int

    def __post_init__(self) -> None:
        for name in self._TEXT:
            if getattr(self, name) is None:
                msgspec.structs.force_setattr(self, name, "")
        for name in self._PRICES:
            if getattr(self, name) is None:
                msgspec.structs.force_setattr(self, name, 0.0)
        for name in ("create_date", "update_date"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, datetime) and value.tzinfo is None):
                try:
                    msgspec.structs.force_setattr(self, name, tehran_naive(value))
                except (TypeError, ValueError) as error:
                    raise RowValueError(to_pascal(name), f"not a date: {error}") from None

    def to_wire(self) -> dict[str, Any]:
        """The row as JSON types under its wire names (what was read, after the rules above); fields that hold
        their default are left out, and read back as it."""
        return msgspec.to_builtins(self)


class RowValueError(ValueError):
    """A catalogue row's value breaks a rule its type cannot say; ``field`` is the wire field at fault."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


#: A price in the database's money unit (Rial unless set to Toman); never negative; null reads as 0.
CataloguePrice = Annotated[float, msgspec.Meta(ge=0)] | None


class Product(CatalogueRow, kw_only=True, frozen=True):
    _TEXT = ("data_hash", "name", "unit_name", "unit_name2", "description", "tags")

    product_id: int
    product_client_id: int | None = None
    product_code: int | None = None
    product_category_id: int | None = None
    name: str | None
    unit_name: str | None = ""
    unit_name2: str | None = ""
    #: Main units per second unit.
    unit_ratio: float = 1.0
    #: عوارض percent; −1 none, 0 use Setting 14000.
    tax_percent: float = -1.0
    #: مالیات percent; −1 none, 0 use Setting 14001.
    charge_percent: float = -1.0
    weight: float = 0.0
    width: float = 0.0
    height: float = 0.0
    length: float = 0.0
    description: str | None = ""
    tags: str | None = ""
    min: float = 0.0


class PropertyValue(msgspec.Struct, frozen=True):
    """One ``{"C": code, "V": value}`` of ``ProductDetail.Properties``; C names a PropertyDescription."""

    code: int = msgspec.field(name="C")
    #: Text; a number is read as its text.
    value: str | int | float | None = msgspec.field(name="V", default="")


_PROPERTIES = msgspec.json.Decoder(list[PropertyValue], strict=False)


def _read_properties(value: Any) -> list[PropertyValue]:
    if value is None or value == "":
        return []
    try:
        if isinstance(value, str | bytes):
            values = _PROPERTIES.decode(value)
        else:
            values = msgspec.convert(value, list[PropertyValue], strict=False)
    except msgspec.ValidationError as error:
        raise RowValueError("Properties", str(error)) from None
    except msgspec.DecodeError as error:
        raise RowValueError("Properties", f"not JSON: {error}") from None
    return [p if isinstance(p.value, str) else PropertyValue(p.code, _scalar_to_text(p.value)) for p in values]


class ProductDetail(CatalogueRow, kw_only=True, frozen=True):
    """The sellable variant orders name."""

    _TEXT = ("data_hash", "barcode")
    _PRICES = tuple(f"price{level}" for level in range(1, 11))

    product_detail_id: int
    product_detail_client_id: int | None = None
    product_id: int
    #: JSON text (or a list) as sent; a list of ``PropertyValue`` once read.
    properties: Any = None
    barcode: str | None = ""
    price1: CataloguePrice
    price2: CataloguePrice
    price3: CataloguePrice
    price4: CataloguePrice
    price5: CataloguePrice
    price6: CataloguePrice
    price7: CataloguePrice
    price8: CataloguePrice
    price9: CataloguePrice
    price10: CataloguePrice
    #: 1…10; −1 (and 0) mean level 1.
    default_sell_price_level: int = 1
    discount: float = 0.0
    discount_type: int = 0
    count1: float = 0.0
    count2: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        msgspec.structs.force_setattr(self, "properties", _read_properties(self.properties))

    def price(self, level: int = 0) -> float:
        """``Price{level}``; level 0 means this detail's ``DefaultSellPriceLevel``."""
        if level <= 0:
            level = self.default_sell_price_level if 1 <= self.default_sell_price_level <= 10 else 1
        return float(getattr(self, f"price{level}"))


class ProductDetailStoreAsset(CatalogueRow, kw_only=True, frozen=True):
    product_detail_store_asset_id: int
    product_detail_store_asset_client_id: int | None = None
    product_detail_id: int
    store_id: int
    count1: float = 0.0
    count2: float = 0.0


class VisitorProduct(CatalogueRow, kw_only=True, frozen=True):
    """Makes a ProductDetail visible to the visitor (site); decide visibility here, not on the child row."""

    _PRICES = ("price",)

    visitor_product_id: int
    visitor_product_client_id: int | None = None
    product_detail_id: int
    visitor_id: int
    count1: float = 0.0
    count2: float = 0.0
    price: CataloguePrice


class Store(Row):
    store_id: int
    store_client_id: int | None = None
    store_code: int | None = None
    name: Text


class CostLevelName(Row):
    cost_level_name_id: int
    cost_level_name_client_id: int | None = None
    cost_level: int = 0
    name: Text


class PersonGroup(Row):
    person_group_id: int
    person_group_client_id: int | None = None
    person_group_code: int | None = None
    name: Text
    discount_percent: Decimal = Decimal(0)
    sell_price_level: int = 0


class Person(Row):
    person_id: int
    person_client_id: int | None = None
    person_code: int | None = None
    person_group_id: int | None = None
    #: 0 real, 1 legal.
    person_type: int = 0
    first_name: Text = ""
    last_name: Text = ""
    organization: Text = ""
    national_code: Text = ""
    mobile: Text = ""
    phone: Text = ""
    email: Text = ""
    state: Text = ""
    city: Text = ""
    address: Text = ""
    postal_code: Text = ""
    credit: Decimal = Decimal(0)
    balance: Decimal = Decimal(0)
    sell_price_level: int = 0
    discount_percent: Decimal = Decimal(0)


class PersonAddress(Row):
    person_address_id: int
    person_address_client_id: int | None = None
    person_id: int
    title: Text = ""
    address: Text = ""
    postal_code: Text = ""
    mobile: Text = ""
    phone: Text = ""
    city_id: int | None = None
    latitude: float = 0.0
    longitude: float = 0.0


class VisitorPerson(Row):
    """Makes a person the visitor's customer; without it a sale moves no stock and no ledger."""

    visitor_person_id: int
    visitor_person_client_id: int | None = None
    visitor_id: int
    person_id: int


class Visitor(Row):
    visitor_id: int
    visitor_client_id: int | None = None
    visitor_code: int | None = None
    name: Text = ""
    mobile: Text = ""
    store_code: int | None = None
    bank_code: int | None = None
    cash_code: int | None = None


class Picture(Row):
    picture_id: int
    picture_client_id: int | None = None
    picture_code: int | None = None
    file_name: Text = ""
    #: Relative; fetch it with ``MahakClient.download_picture``.
    url: Text = ""
    width: int = 0
    height: int = 0
    file_size: int = 0
    format: Text = ""


class PhotoGallery(Row):
    photo_gallery_id: int
    photo_gallery_client_id: int | None = None
    picture_id: int
    #: 102 product, 101 person.
    entity_type: int = 0
    #: Server id of the entity the picture belongs to.
    item_code: int = 0


class PropertyDescription(Row):
    property_description_id: int
    property_description_client_id: int | None = None
    property_description_code: int | None = None
    name: Text
    empty_title: Text = ""
    data_type: int = 0
    display_type: int = 0
    extra_data: Text = ""


class ExtraData(Row):
    extra_data_id: int
    extra_data_client_id: int | None = None
    #: 130 category tree node, 10202 product → category link.
    item_type: int = 0
    item_id: int | None = None
    #: JSON text whose shape depends on ``item_type``.
    data: Text = ""


class Setting(Row):
    setting_id: int
    setting_client_id: int | None = None
    setting_code: int
    value: Annotated[str, BeforeValidator(_scalar_to_text)] = ""


class Bank(Row):
    bank_id: int
    bank_client_id: int | None = None
    bank_code: int | None = None
    name: Text = ""
    account_number: Text = ""
    branch: Text = ""


class Region(Row):
    region_id: int
    region_client_id: int | None = None
    region_code: int | None = None
    name: Text = ""
    parent_id: int | None = None
    level: int = 0


class Order(Row):
    order_id: int
    order_client_id: int | None = None
    order_code: int | None = None
    visitor_id: int | None = None
    person_id: int | None = None
    #: 201 sales invoice, 202 sales return, 299 pro-forma sent for delivery.
    order_type: int = 0
    order_date: TehranDateTime = None
    delivery_date: TehranDateTime = None
    settlement_type: int = 0
    send_cost: Decimal = Decimal(0)
    other_cost: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)
    description: Text = ""
    #: JSON text: title, address, postalcode, mobile, cityid.
    shipping_address: Text = ""


class OrderDetail(Row):
    order_detail_id: int
    order_detail_client_id: int | None = None
    order_id: int
    item_type: int = 1
    product_detail_id: int | None = None
    store_id: int | None = None
    price: Price
    count1: Decimal = Decimal(0)
    count2: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)
    discount_type: int = 0
    tax_percent: Decimal = Decimal(0)
    charge_percent: Decimal = Decimal(0)
    row_id: int | None = None
    description: Text = ""


class Receipt(Row):
    receipt_id: int
    receipt_client_id: int | None = None
    receipt_code: int | None = None
    person_id: int | None = None
    visitor_id: int | None = None
    order_id: int | None = None
    cash_amount: Decimal = Decimal(0)
    cash_code: int | None = None
    date: TehranDateTime = None
    tracking_code: Text = ""
    description: Text = ""


class Transaction(Row):
    transaction_id: int
    transaction_client_id: int | None = None
    transaction_code: int | None = None
    person_id: int | None = None
    type: int = 0
    amount: Decimal = Decimal(0)
    balance: Decimal = Decimal(0)
    date: TehranDateTime = None
    description: Text = ""


#: A row as the Mahak adapter reads it.
WireRow = Row | CatalogueRow


def to_wire_rows(rows: Sequence[WireRow]) -> list[dict[str, Any]]:
    """``to_wire`` of each row; a page of catalogue rows in one call."""
    if rows and all(isinstance(row, CatalogueRow) for row in rows):
        return msgspec.to_builtins(rows)
    return [row.to_wire() for row in rows]


class Entity(StrEnum):
    """A Mahak entity the store pulls, named as Mahak names it (``entity.value == "ProductDetail"``)."""

    PRODUCT_CATEGORY = "ProductCategory"
    PRODUCT = "Product"
    PRODUCT_DETAIL = "ProductDetail"
    PRODUCT_DETAIL_STORE_ASSET = "ProductDetailStoreAsset"
    STORE = "Store"
    VISITOR_PRODUCT = "VisitorProduct"
    COST_LEVEL_NAME = "CostLevelName"
    PERSON_GROUP = "PersonGroup"
    PERSON = "Person"
    PERSON_ADDRESS = "PersonAddress"
    VISITOR_PERSON = "VisitorPerson"
    VISITOR = "Visitor"
    PICTURE = "Picture"
    PHOTO_GALLERY = "PhotoGallery"
    PROPERTY_DESCRIPTION = "PropertyDescription"
    EXTRA_DATA = "ExtraData"
    SETTING = "Setting"
    BANK = "Bank"
    REGION = "Region"
    ORDER = "Order"
    ORDER_DETAIL = "OrderDetail"
    RECEIPT = "Receipt"
    TRANSACTION = "Transaction"

    @property
    def cursor(self) -> str:
        """The GetAllData request key of this entity's cursor, e.g. ``fromProductVersion``."""
        return f"from{self.value}Version"

    @property
    def list_key(self) -> str:
        """The key of this entity's list in ``Data.Objects``, e.g. ``Products``."""
        return _LIST_KEYS.get(self.value, self.value + "s")

    @property
    def id_field(self) -> str:
        """The wire name of the server id, e.g. ``ProductId``."""
        return f"{self.value}Id"

    @property
    def model(self) -> type[Row] | type[CatalogueRow]:
        return _MODELS[self.value]


_LIST_KEYS = {
    "ProductCategory": "ProductCategories",
    "Person": "People",
    "PersonAddress": "PersonAddresses",
    "VisitorPerson": "VisitorPeople",
    "PhotoGallery": "PhotoGalleries",
    "ExtraData": "ExtraDatas",
}
_MODELS: dict[str, type[Row] | type[CatalogueRow]] = {entity.value: globals()[entity.value] for entity in Entity}
