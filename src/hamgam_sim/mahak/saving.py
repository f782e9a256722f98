"""SaveAllData: validate and store what a site pushes, item by item, with partial failure.

Lists are handled parent-first (people, visitorPeople, personAddresses, orders, orderDetails,
receipts) in one change batch, so a child can name a parent created earlier in the same request by
its ``<parent>ClientId``. A failed item never stops the others. A sale moves stock only if its person
is linked to the order's visitor by a VisitorPerson row (contract §5); the caller applies the moves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hamgam_sim.mahak.auth import Account
from hamgam_sim.mahak.binding import bind_columns, lower_keys
from hamgam_sim.mahak.clock import tehran_now
from hamgam_sim.mahak.entities import ENTITY_BY_NAME, Entity
from hamgam_sim.mahak.stock import STOCK_SIGN, StockMove
from hamgam_sim.mahak.store import ChangeBatch, Database, Row

#: request list (lower-case) -> entity, in the order they are saved
SAVE_LISTS: tuple[tuple[str, str], ...] = (
    ("people", "Person"),
    ("visitorpeople", "VisitorPerson"),
    ("personaddresses", "PersonAddress"),
    ("orders", "Order"),
    ("orderdetails", "OrderDetail"),
    ("receipts", "Receipt"),
)
#: fields the client may not set: identity, bookkeeping and server-side references resolved below
_SERVER_OWNED = {"Deleted", "CreateDate", "UpdateDate", "CreateSyncId", "UpdateSyncId", "RowVersion"}


class ItemError(Exception):
    """One validation failure of one item; becomes an ``Errors`` entry."""

    def __init__(self, prop: str, message: str, code: int = 400, *, existing_id: int = 0) -> None:
        super().__init__(message)
        self.prop, self.message, self.code = prop, message, code
        self.existing_id = existing_id  #: the row a rejected duplicate client id already names


@dataclass
class SaveOutcome:
    """What one SaveAllData request produced."""

    objects: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    ok: bool = True
    stock_moves: list[StockMove] = field(default_factory=list)


class SaveRequest:
    """Saves one request's lists; ``reject_duplicates`` mirrors the duplicate-client-id switch."""

    def __init__(self, db: Database, batch: ChangeBatch, account: Account, *, reject_duplicates: bool) -> None:
        self.db, self.batch, self.account = db, batch, account
        self.reject_duplicates = reject_duplicates
        self.now = tehran_now()
        self.created: dict[str, dict[int, int]] = {name: {} for _, name in SAVE_LISTS}  # client id -> id
        self.failed_clients: dict[str, set[int]] = {name: set() for _, name in SAVE_LISTS}
        self._next_code: dict[str, int] = {}
        self.outcome = SaveOutcome()

    def run(self, body: dict[str, Any]) -> SaveOutcome:
        for list_name, entity_name in SAVE_LISTS:
            items = body.get(list_name)
            if not isinstance(items, list):
                continue
            entity = ENTITY_BY_NAME[entity_name]
            results = [self._save_item(entity, index, lower_keys(item)) for index, item in enumerate(items)]
            self.outcome.objects[entity.list_key] = {"Results": results}
        return self.outcome

    # -- one item ------------------------------------------------------------------------------------
    def _save_item(self, entity: Entity, index: int, item: dict[str, Any]) -> dict[str, Any]:
        client_id = item.get(entity.client_id_column.lower())
        result: dict[str, Any] = {
            "Result": False,
            "Index": index,
            "EntityId": 0,
            "EntityClientId": client_id if isinstance(client_id, int) else 0,
            "EntityCode": 0,
            "RowVersion": 0,
            "Errors": [],
        }
        try:
            row = getattr(self, f"_check_{entity.name.lower()}")(entity, item)
        except ItemError as error:
            result["Errors"].append({"Property": error.prop, "Code": error.code, "Error": error.message})
            self.outcome.ok = False
            if isinstance(client_id, int):
                self.failed_clients[entity.name].add(client_id)
            result["EntityId"] = error.existing_id
            return result
        index_of = entity.index
        result.update(
            Result=True,
            EntityId=row[0],
            RowVersion=row[-1],
            EntityCode=row[index_of[entity.code_column]] if entity.has_code else 0,
        )
        return result

    def _store(self, entity: Entity, item: dict[str, Any], refs: dict[str, Any]) -> Row:
        """Create the row, or update the one already saved under this client id (or server id)."""
        table = self.db[entity.name]
        client_id = item.get(entity.client_id_column.lower())
        if not isinstance(client_id, int) or isinstance(client_id, bool) or client_id <= 0:
            raise ItemError(entity.client_id_column, "شناسه کلاینت باید عددی مثبت باشد")
        fields = {k: v for k, v in bind_columns(entity, item, strict=False).items() if k not in _SERVER_OWNED}
        fields.pop(entity.id_column, None)
        fields.update(refs)
        existing = table.lookup("client", (self.account.sync_id, client_id))
        if existing is not None and self.reject_duplicates:
            raise ItemError(entity.client_id_column, "شناسه کلاینت تکراری است", 409, existing_id=existing[0])
        if existing is not None:
            values = dict(zip(entity.columns, existing, strict=True))
            values.update(fields, UpdateDate=self.now, UpdateSyncId=self.account.sync_id)
        else:
            row_id = table.next_id
            values = dict(zip(entity.columns, entity.defaults, strict=True))
            values.update(fields)
            values.update(
                {
                    entity.id_column: row_id,
                    "CreateDate": self.now,
                    "UpdateDate": self.now,
                    "CreateSyncId": self.account.sync_id,
                    "UpdateSyncId": self.account.sync_id,
                }
            )
            if entity.has_code:
                values[entity.code_column] = self._take_code(entity)
        row = self.batch.put(entity.name, tuple(values[c] for c in entity.columns))
        self.created[entity.name][client_id] = row[0]
        return row

    def _take_code(self, entity: Entity) -> int:
        if entity.name not in self._next_code:
            pos = entity.index[entity.code_column]
            codes = [row[pos] for row in self.db[entity.name].rows.values()]
            self._next_code[entity.name] = max([*codes, 1000]) + 1
        code = self._next_code[entity.name]
        self._next_code[entity.name] += 1
        return code

    # -- references ----------------------------------------------------------------------------------
    def _live(self, entity_name: str, row_id: Any) -> Row | None:
        if not isinstance(row_id, int) or isinstance(row_id, bool):
            return None
        row = self.db[entity_name].get(row_id)
        return None if row is None or row[self.db[entity_name].entity.index["Deleted"]] else row

    def _parent(self, item: dict[str, Any], parent: str, *, required: bool) -> int:
        """Server id of the parent named by ``<parent>ClientId`` (any request) or by ``<parent>Id``.

        Raises ``ItemError`` when it cannot be resolved, or when its parent failed in this request.
        """
        client_key, id_key = f"{parent}ClientId", f"{parent}Id"
        client_id = item.get(client_key.lower())
        if client_id not in (None, 0):
            if client_id in self.failed_clients[parent]:
                raise ItemError(client_key, f"{parent} مربوط در همین درخواست ذخیره نشد")
            row_id = self.created[parent].get(client_id)
            if row_id is None:
                row = self.db[parent].lookup("client", (self.account.sync_id, client_id))
                row_id = row[0] if row is not None else None
            if row_id is None:
                raise ItemError(client_key, f"{parent} با این شناسه کلاینت یافت نشد")
            return row_id
        row_id = item.get(id_key.lower())
        if row_id in (None, 0):
            if required:
                raise ItemError(id_key, f"{parent} مشخص نشده است")
            return 0
        if self._live(parent, row_id) is None:
            raise ItemError(id_key, f"{parent} یافت نشد")
        return row_id

    def _visitor(self, item: dict[str, Any]) -> int:
        visitor_id = item.get("visitorid") or self.account.visitor_id
        if self._live("Visitor", visitor_id) is None:
            raise ItemError("VisitorId", "ویزیتور یافت نشد")
        return visitor_id

    # -- per entity checks ---------------------------------------------------------------------------
    def _check_person(self, entity: Entity, item: dict[str, Any]) -> Row:
        if self._live("PersonGroup", item.get("persongroupid")) is None:
            raise ItemError("PersonGroupId", "گروه اشخاص یافت نشد")
        return self._store(entity, item, {})

    def _check_visitorperson(self, entity: Entity, item: dict[str, Any]) -> Row:
        person_id = self._parent(item, "Person", required=True)
        visitor_id = self._visitor(item)
        link = self.db["VisitorPerson"].lookup("visitor_person", (visitor_id, person_id))
        if link is not None and not link[entity.index["Deleted"]]:
            return link  # linking twice is harmless: the existing link answers
        return self._store(entity, item, {"PersonId": person_id, "VisitorId": visitor_id})

    def _check_personaddress(self, entity: Entity, item: dict[str, Any]) -> Row:
        return self._store(entity, item, {"PersonId": self._parent(item, "Person", required=True)})

    def _check_order(self, entity: Entity, item: dict[str, Any]) -> Row:
        person_id = self._parent(item, "Person", required=True)
        visitor_id = self._visitor(item)
        shipping = item.get("shippingaddress")
        if shipping is not None and not isinstance(shipping, str):
            raise ItemError("ShippingAddress", "آدرس ارسال باید رشته JSON باشد")
        order_type = item.get("ordertype", 201)
        if not isinstance(order_type, int):
            raise ItemError("OrderType", "نوع سفارش نامعتبر است")
        refs = {"PersonId": person_id, "VisitorId": visitor_id, "OrderType": order_type}
        if not item.get("orderdate"):
            refs["OrderDate"] = self.now
        return self._store(entity, item, refs)

    def _check_orderdetail(self, entity: Entity, item: dict[str, Any]) -> Row:
        order_id = self._parent(item, "Order", required=True)
        if self._live("ProductDetail", item.get("productdetailid")) is None:
            raise ItemError("ProductDetailId", "کالا یافت نشد")
        if item.get("storeid") in (None, 0):
            raise ItemError("StoreId", "انبار مشخص نشده است")
        if self._live("Store", item.get("storeid")) is None:
            raise ItemError("StoreId", "انبار یافت نشد")
        count1 = item.get("count1")
        if not isinstance(count1, int | float) or isinstance(count1, bool) or count1 <= 0:
            raise ItemError("Count1", "تعداد باید بیشتر از صفر باشد")
        price = item.get("price", 0)
        if not isinstance(price, int | float) or price < 0:
            raise ItemError("Price", "قیمت نامعتبر است")
        client_id = item.get("orderdetailclientid")
        is_new = self.db["OrderDetail"].lookup("client", (self.account.sync_id, client_id)) is None
        row = self._store(entity, item, {"OrderId": order_id})
        if is_new:
            self._plan_stock_move(order_id, row)
        return row

    def _check_receipt(self, entity: Entity, item: dict[str, Any]) -> Row:
        refs = {
            "PersonId": self._parent(item, "Person", required=True),
            "VisitorId": self._visitor(item),
            "OrderId": self._parent(item, "Order", required=False),
        }
        amount = item.get("cashamount", 0)
        if not isinstance(amount, int | float) or amount < 0:
            raise ItemError("CashAmount", "مبلغ نامعتبر است")
        if not item.get("date"):
            refs["Date"] = self.now
        return self._store(entity, item, refs)

    def _plan_stock_move(self, order_id: int, detail_row: Row) -> None:
        """A sale or return moves stock only when the order's person is the visitor's customer."""
        orders = self.db["Order"]
        order = orders.get(order_id)
        sign = STOCK_SIGN.get(order[orders.entity.index["OrderType"]]) if order else None
        if order is None or sign is None:
            return
        visitor_id = order[orders.entity.index["VisitorId"]]
        person_id = order[orders.entity.index["PersonId"]]
        link = self.db["VisitorPerson"].lookup("visitor_person", (visitor_id, person_id))
        if link is None or link[self.db["VisitorPerson"].entity.index["Deleted"]]:
            return
        index = self.db["OrderDetail"].entity.index
        self.outcome.stock_moves.append(
            StockMove(
                product_detail_id=detail_row[index["ProductDetailId"]],
                store_id=detail_row[index["StoreId"]],
                visitor_id=visitor_id,
                count1=sign * float(detail_row[index["Count1"]]),
            )
        )
