"""Typed shapes of what Mahak sends and accepts (contract §2–§5).

Rows arrive PascalCase and are read into snake_case attributes; unknown fields are ignored so a newer server
does not break us. Only what the store needs is modelled: the identity fields and ``RowVersion`` are required,
documented fields default when absent, and a value of the wrong type (or a negative price) makes the row
invalid. Dates are naive Tehran wall-clock times, as Mahak sends them.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

import orjson
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


class ProductCategory(Row):
    product_category_id: int
    product_category_client_id: int | None = None
    product_category_code: int | None = None
    name: Text
    color: Text = ""
    icon: Text = ""


class Product(Row):
    product_id: int
    product_client_id: int | None = None
    product_code: int | None = None
    product_category_id: int | None = None
    name: Text
    unit_name: Text = ""
    unit_name2: Text = ""
    #: Main units per second unit.
    unit_ratio: Decimal = Decimal(1)
    #: عوارض percent; −1 none, 0 use Setting 14000.
    tax_percent: Decimal = Decimal(-1)
    #: مالیات percent; −1 none, 0 use Setting 14001.
    charge_percent: Decimal = Decimal(-1)
    weight: float = 0.0
    width: float = 0.0
    height: float = 0.0
    length: float = 0.0
    description: Text = ""
    tags: Text = ""
    min: Decimal = Decimal(0)


class PropertyValue(BaseModel):
    """One ``{"C": code, "V": value}`` of ``ProductDetail.Properties``; C names a PropertyDescription."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    code: int = Field(alias="C")
    value: Annotated[str, BeforeValidator(_scalar_to_text)] = Field(alias="V", default="")


def _parse_properties(value: Any) -> Any:
    if value is None or value == "":
        return []
    return orjson.loads(value) if isinstance(value, str | bytes) else value


class ProductDetail(Row):
    """The sellable variant orders name."""

    product_detail_id: int
    product_detail_client_id: int | None = None
    product_id: int
    properties: Annotated[list[PropertyValue], BeforeValidator(_parse_properties)] = []
    barcode: Text = ""
    price1: Price
    price2: Price
    price3: Price
    price4: Price
    price5: Price
    price6: Price
    price7: Price
    price8: Price
    price9: Price
    price10: Price
    #: 1…10; −1 (and 0) mean level 1.
    default_sell_price_level: int = 1
    discount: Decimal = Decimal(0)
    discount_type: int = 0
    count1: Decimal = Decimal(0)
    count2: Decimal = Decimal(0)

    def price(self, level: int = 0) -> Decimal:
        """``Price{level}``; level 0 means this detail's ``DefaultSellPriceLevel``."""
        if level <= 0:
            level = self.default_sell_price_level if 1 <= self.default_sell_price_level <= 10 else 1
        return getattr(self, f"price{level}")


class ProductDetailStoreAsset(Row):
    product_detail_store_asset_id: int
    product_detail_store_asset_client_id: int | None = None
    product_detail_id: int
    store_id: int
    count1: Decimal = Decimal(0)
    count2: Decimal = Decimal(0)


class Store(Row):
    store_id: int
    store_client_id: int | None = None
    store_code: int | None = None
    name: Text


class VisitorProduct(Row):
    """Makes a ProductDetail visible to the visitor (site); decide visibility here, not on the child row."""

    visitor_product_id: int
    visitor_product_client_id: int | None = None
    product_detail_id: int
    visitor_id: int
    count1: Decimal = Decimal(0)
    count2: Decimal = Decimal(0)
    price: Price


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
    def model(self) -> type[Row]:
        return _MODELS[self.value]


_LIST_KEYS = {
    "ProductCategory": "ProductCategories",
    "Person": "People",
    "PersonAddress": "PersonAddresses",
    "VisitorPerson": "VisitorPeople",
    "PhotoGallery": "PhotoGalleries",
    "ExtraData": "ExtraDatas",
}
_MODELS: dict[str, type[Row]] = {entity.value: globals()[entity.value] for entity in Entity}
