"""The data transformer: typed Mahak rows in, store rows out. It runs in the worker processes (``map_batch``), so
the fetcher only fetches and validates.

Each entity has one mapping function. A row that breaks a store rule (a negative price, a missing name) is
rejected with its reason and isolated; the rest of its page goes on. Money leaves here in Rial whatever unit the
Mahak database keeps, and names get a normalised search column so every spelling finds them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from hamgam.domain.persian import InvalidIdentifier, normalize_mobile, normalize_text
from hamgam.domain.sync.batch import STORE_ROWS, Batch
from hamgam.domain.sync.rejection import Rejection
from hamgam.ports.sync import MahakRows
from hamgam.settings import MoneyUnit, SyncSettings

PRICE_LEVELS = 10
#: Entities whose ``Deleted`` flag Mahak sets on live, sellable rows (contract §3): the flag is kept as
#: ``flagged_deleted`` and deletes nothing. Whether a detail is on sale is decided by its VisitorProduct link rows,
#: each of which is believed: a link row with ``Deleted=true`` is a product taken off the site (or an old link
#: left behind when it was put back), and the detail stays on sale while another link row of it is live.
UNRELIABLE_DELETE_FLAGS = frozenset({"ProductDetail"})


@dataclass
class TransformResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


class RowRejected(Exception):
    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True)
class TransformContext:
    """The merchant's settings that shape the mapping."""

    money_unit: MoneyUnit = MoneyUnit.RIAL
    #: The merchant's settings read at run time (the admin panel may change them): when given, its
    #: ``money_unit`` wins over the field above.
    rules: SyncSettings | None = field(default=None, compare=False)

    def unit(self) -> MoneyUnit:
        return self.rules.money_unit if self.rules is not None else self.money_unit

    def rial(self, amount: float | int | None, field_name: str, *, allow_negative: bool = False) -> int | None:
        if amount is None:
            return None
        value = round(float(amount) * (10 if self.unit() is MoneyUnit.TOMAN else 1))
        if value < 0 and not allow_negative:
            raise RowRejected(field_name, f"negative amount {amount}")
        return value


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _num(value: Decimal | float | int | None) -> float | None:
    """Quantities and percentages travel as floats (the batch is JSON)."""
    return None if value is None else float(value)


def _mobile(value: str | None) -> str | None:
    """The normalised 09xxxxxxxxx when it parses, else the text as Mahak sent it (never rejected for it)."""
    if not value:
        return None
    try:
        return normalize_mobile(value)
    except InvalidIdentifier:
        return value


def _common(row: Any, mahak_id: int, client_id: int | None) -> dict[str, Any]:
    return {
        "mahak_id": mahak_id,
        "client_id": client_id,
        "data_hash": getattr(row, "data_hash", None),
        "row_version": row.row_version,
        "deleted": bool(row.deleted),
    }


def _require_text(value: str | None, field_name: str) -> str:
    if value is None or not str(value).strip():
        raise RowRejected(field_name, "missing")
    return str(value).strip()


def _product(row: Any, ctx: TransformContext) -> dict[str, Any]:
    name = _require_text(row.name, "Name")
    return {
        **_common(row, row.product_id, row.product_client_id),
        "code": _text(row.product_code),
        "category_id": row.product_category_id,
        "name": name,
        # Mahak's tags are searched with the name (a staff override of either is added by catalog_product)
        "name_search": normalize_text(f"{name} {row.product_code or ''} {row.tags or ''}"),
        "unit_name": row.unit_name,
        "unit_name2": row.unit_name2,
        "unit_ratio": _num(row.unit_ratio),
        "tax_percent": _num(row.tax_percent),
        "charge_percent": _num(row.charge_percent),
        "weight": row.weight,
        "width": row.width,
        "height": row.height,
        "length": row.length,
        "mahak_description": row.description,
        "tags": row.tags,
        "min_quantity": _num(row.min),
    }


#: ``(attribute, wire field)`` of each price level.
_PRICE_FIELDS = [(f"price{level}", f"Price{level}") for level in range(1, PRICE_LEVELS + 1)]


def _product_detail(row: Any, ctx: TransformContext) -> dict[str, Any]:
    prices = [ctx.rial(getattr(row, attr) or 0, wire) for attr, wire in _PRICE_FIELDS]
    level = row.default_sell_price_level
    return {
        **_common(row, row.product_detail_id, row.product_detail_client_id),
        "product_id": row.product_id,
        "properties": [{"code": p.code, "value": p.value} for p in (row.properties or [])],
        "barcode": row.barcode,
        "prices_rial": prices,
        #: Mahak writes −1 (and sometimes 0) for "level 1".
        "default_price_level": level if level and 1 <= level <= PRICE_LEVELS else 1,
        "discount": _num(row.discount),
        "discount_type": row.discount_type,
        "count1": _num(row.count1),
        "count2": _num(row.count2),
    }


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _person(row: Any, ctx: TransformContext) -> dict[str, Any]:
    return {
        **_common(row, row.person_id, row.person_client_id),
        "code": _text(row.person_code),
        "group_id": row.person_group_id,
        "person_type": row.person_type,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "organization": row.organization,
        "national_code": row.national_code,
        "mobile": _mobile(row.mobile),
        "phone": row.phone,
        "email": row.email,
        "state": row.state,
        "city": row.city,
        "address": row.address,
        "postal_code": row.postal_code,
        "credit_rial": ctx.rial(row.credit, "Credit", allow_negative=True),
        "balance_rial": ctx.rial(row.balance, "Balance", allow_negative=True),
        "sell_price_level": row.sell_price_level,
        "discount_percent": _num(row.discount_percent),
    }


def _extra_data(row: Any, ctx: TransformContext) -> dict[str, Any]:
    data = row.data
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError:
            data = {"text": data}
    return {
        **_common(row, row.extra_data_id, row.extra_data_client_id),
        "item_type": row.item_type,
        "item_code": _text(row.item_id),
        "data": data,
    }


def _simple(id_attr: str, **columns: Callable[[Any, TransformContext], Any]) -> Callable[..., dict[str, Any]]:
    """A mapping whose columns are plain reads of the wire model."""

    client_attr = id_attr.removesuffix("_id") + "_client_id"

    def mapping(row: Any, ctx: TransformContext) -> dict[str, Any]:
        client_id = getattr(row, client_attr, None)
        return {
            **_common(row, getattr(row, id_attr), client_id),
            **{c: read(row, ctx) for c, read in columns.items()},
        }

    return mapping


def _attr(name: str, convert: Callable[[Any], Any] = lambda v: v) -> Callable[[Any, TransformContext], Any]:
    return lambda row, ctx: convert(getattr(row, name))


def _money(name: str, wire_field: str) -> Callable[[Any, TransformContext], Any]:
    return lambda row, ctx: ctx.rial(getattr(row, name), wire_field)


def _required(name: str, wire_field: str) -> Callable[[Any, TransformContext], Any]:
    return lambda row, ctx: _require_text(getattr(row, name), wire_field)


MAPPINGS: dict[str, Callable[[Any, TransformContext], dict[str, Any]]] = {
    "Product": _product,
    "ProductDetail": _product_detail,
    "Person": _person,
    "ExtraData": _extra_data,
    "Store": _simple("store_id", code=_attr("store_code", _text), name=_required("name", "Name")),
    "ProductCategory": _simple(
        "product_category_id",
        name=_required("name", "Name"),
        color=_attr("color", _text),
        icon=_attr("icon", _text),
    ),
    "ProductDetailStoreAsset": _simple(
        "product_detail_store_asset_id",
        product_detail_id=_attr("product_detail_id"),
        store_id=_attr("store_id"),
        count1=_attr("count1", lambda v: float(v or 0)),
        count2=_attr("count2", _num),
    ),
    "VisitorProduct": _simple(
        "visitor_product_id",
        product_detail_id=_attr("product_detail_id"),
        visitor_id=_attr("visitor_id"),
        count1=_attr("count1", _num),
        count2=_attr("count2", _num),
        price_rial=_money("price", "Price"),
    ),
    "CostLevelName": _simple("cost_level_name_id", level=_attr("cost_level"), name=_attr("name")),
    "PersonGroup": _simple(
        "person_group_id",
        name=_required("name", "Name"),
        discount_percent=_attr("discount_percent", _num),
        sell_price_level=_attr("sell_price_level"),
    ),
    "PersonAddress": _simple(
        "person_address_id",
        person_id=_attr("person_id"),
        title=_attr("title"),
        address=_attr("address"),
        postal_code=_attr("postal_code", _text),
        mobile=_attr("mobile", _mobile),
        city_id=_attr("city_id"),
    ),
    "VisitorPerson": _simple("visitor_person_id", visitor_id=_attr("visitor_id"), person_id=_attr("person_id")),
    "Visitor": _simple(
        "visitor_id",
        name=_attr("name"),
        store_code=_attr("store_code", _text),
        bank_code=_attr("bank_code", _text),
        cash_code=_attr("cash_code", _text),
    ),
    "Picture": _simple(
        "picture_id",
        file_name=_attr("file_name"),
        url=_attr("url"),
        width=_attr("width"),
        height=_attr("height"),
        file_size=_attr("file_size"),
    ),
    "PhotoGallery": _simple(
        "photo_gallery_id",
        picture_id=_attr("picture_id"),
        entity_type=_attr("entity_type"),
        item_code=_attr("item_code"),
    ),
    "PropertyDescription": _simple(
        "property_description_id",
        code=_attr("property_description_code", _text),
        name=_attr("name"),
        data_type=_attr("data_type"),
    ),
    "Setting": _simple("setting_id", code=_attr("setting_code"), value=_attr("value", _text)),
    "Bank": _simple("bank_id", code=_attr("bank_code", _text), name=_attr("name")),
    "Region": _simple("region_id", name=_attr("name"), parent_id=_attr("parent_id")),
    "Order": _simple(
        "order_id",
        code=_attr("order_code", _text),
        order_type=_attr("order_type"),
        visitor_id=_attr("visitor_id"),
        person_id=_attr("person_id"),
        order_date=_attr("order_date", _iso),
        send_cost_rial=_money("send_cost", "SendCost"),
        description=_attr("description"),
        other_cost_rial=_money("other_cost", "OtherCost"),
        discount_rial=_money("discount", "Discount"),
    ),
    "OrderDetail": _simple(
        "order_detail_id",
        order_id=_attr("order_id"),
        product_detail_id=_attr("product_detail_id"),
        store_id=_attr("store_id"),
        price_rial=_money("price", "Price"),
        count1=_attr("count1", _num),
        discount_rial=_money("discount", "Discount"),
        tax_percent=_attr("tax_percent", _num),
        charge_percent=_attr("charge_percent", _num),
    ),
    "Receipt": _simple(
        "receipt_id",
        person_id=_attr("person_id"),
        visitor_id=_attr("visitor_id"),
        order_id=_attr("order_id"),
        cash_amount_rial=_money("cash_amount", "CashAmount"),
        tracking_code=_attr("tracking_code", _text),
        receipt_date=_attr("date", _iso),
    ),
}


def map_batch(batch: Batch, reader: MahakRows) -> Batch:
    """The batch as store rows ready to upsert, with the rows its mapping rejected (``Batch.rejected``): a batch of
    Mahak rows (``MAHAK_ROWS``) is read back into typed rows and transformed in the money unit it was fetched in;
    a batch of store rows (sent before the workers mapped) passes as it is."""
    if batch.version == STORE_ROWS:
        return batch
    ctx = TransformContext(MoneyUnit(batch.money_unit) if batch.money_unit else MoneyUnit.RIAL)
    result = transform(batch.entity, reader.read(batch.entity, batch.rows), ctx)
    return dataclasses.replace(
        batch, rows=result.rows, version=STORE_ROWS, money_unit=None, rejected=tuple(result.rejected)
    )


def transform(entity: str, rows: Iterable[Any], ctx: TransformContext) -> TransformResult:
    """Map every row of ``entity``; a row that breaks a rule becomes a ``Rejection`` instead of failing the page."""
    mapping = MAPPINGS[entity]
    id_attr = _snake(entity) + "_id"
    flag_only = entity in UNRELIABLE_DELETE_FLAGS
    result = TransformResult()
    for row in rows:
        try:
            mapped = mapping(row, ctx)
            if flag_only:
                mapped["flagged_deleted"] = mapped["deleted"]
                mapped["deleted"] = False
            result.rows.append(mapped)
        except RowRejected as exc:
            result.rejected.append(
                Rejection(
                    entity=entity,
                    mahak_id=getattr(row, id_attr, None),
                    row_version=getattr(row, "row_version", None),
                    field=exc.field,
                    reason=exc.reason,
                    raw=row.to_wire() if hasattr(row, "to_wire") else None,
                )
            )
    return result


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
