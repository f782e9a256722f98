"""The Mahak entities the simulator serves: their wire names and column layouts.

Rows are stored as tuples in the column order given here (see ``store.py``); this module is the one
place that knows which columns an entity has. Every entity gets the identity triad of contract §4
(``<X>Id``, ``<X>ClientId`` and, where the desktop app numbers rows, ``<X>Code``) followed by its own
fields and the common tail (``Deleted``, ``CreateDate``, ``UpdateDate``, ``CreateSyncId``,
``UpdateSyncId``, ``RowVersion``). ``DataHash`` is derived from the row when it is served.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The tail every row ends with, in storage order; ``RowVersion`` is always the last column.
COMMON_TAIL: tuple[tuple[str, Any], ...] = (
    ("Deleted", False),
    ("CreateDate", ""),
    ("UpdateDate", ""),
    ("CreateSyncId", 0),
    ("UpdateSyncId", 0),
    ("RowVersion", 0),
)


@dataclass(frozen=True)
class Entity:
    """One Mahak entity: names on the wire and the ordered columns of its stored rows."""

    name: str  #: singular PascalCase, e.g. ``ProductDetail``; also the control-API URL name
    list_key: str  #: key of its list in GetAllData ``Data.Objects``, e.g. ``ProductDetails``
    own_fields: tuple[tuple[str, Any], ...]  #: entity-specific columns and their defaults
    has_code: bool = False  #: whether the desktop app numbers rows with ``<X>Code``
    columns: tuple[str, ...] = field(init=False)
    defaults: tuple[Any, ...] = field(init=False)
    index: dict[str, int] = field(init=False)  #: column name -> tuple position
    by_lower: dict[str, str] = field(init=False)  #: lower-case column name -> column name

    def __post_init__(self) -> None:
        triad: list[tuple[str, Any]] = [(self.id_column, 0), (self.client_id_column, 0)]
        if self.has_code:
            triad.append((self.code_column, 0))
        spec = (*triad, *self.own_fields, *COMMON_TAIL)
        object.__setattr__(self, "columns", tuple(name for name, _ in spec))
        object.__setattr__(self, "defaults", tuple(default for _, default in spec))
        object.__setattr__(self, "index", {name: i for i, name in enumerate(self.columns)})
        object.__setattr__(self, "by_lower", {name.lower(): name for name in self.columns})

    @property
    def id_column(self) -> str:
        return f"{self.name}Id"

    @property
    def client_id_column(self) -> str:
        return f"{self.name}ClientId"

    @property
    def code_column(self) -> str:
        return f"{self.name}Code"

    @property
    def cursor_key(self) -> str:
        """The GetAllData request key, lower-cased: ``from<Entity>Version``."""
        return f"from{self.name}version".lower()


def _prices() -> tuple[tuple[str, Any], ...]:
    return tuple((f"Price{level}", 0) for level in range(1, 11))


ENTITIES: tuple[Entity, ...] = (
    Entity("ProductCategory", "ProductCategories", (("Name", ""), ("Color", ""), ("Icon", "")), has_code=True),
    Entity(
        "Product",
        "Products",
        (
            ("ProductCategoryId", 0),
            ("Name", ""),
            ("UnitName", ""),
            ("UnitName2", ""),
            ("UnitRatio", 1.0),
            ("TaxPercent", -1.0),
            ("ChargePercent", -1.0),
            ("Weight", 0.0),
            ("Width", 0.0),
            ("Height", 0.0),
            ("Length", 0.0),
            ("Description", ""),
            ("Tags", ""),
            ("Min", 0.0),
        ),
        has_code=True,
    ),
    Entity(
        "ProductDetail",
        "ProductDetails",
        (
            ("ProductId", 0),
            ("Properties", "[]"),
            ("Barcode", ""),
            *_prices(),
            ("DefaultSellPriceLevel", 1),
            ("Discount", 0.0),
            ("DiscountType", 0),
            ("Count1", 0.0),
            ("Count2", 0.0),
        ),
    ),
    Entity(
        "ProductDetailStoreAsset",
        "ProductDetailStoreAssets",
        (("ProductDetailId", 0), ("StoreId", 0), ("Count1", 0.0), ("Count2", 0.0)),
    ),
    Entity("Store", "Stores", (("Name", ""),), has_code=True),
    Entity(
        "VisitorProduct",
        "VisitorProducts",
        (("ProductDetailId", 0), ("VisitorId", 0), ("Count1", 0.0), ("Count2", 0.0), ("Price", 0)),
    ),
    Entity(
        "PersonGroup",
        "PersonGroups",
        (("Name", ""), ("DiscountPercent", 0.0), ("SellPriceLevel", 1)),
        has_code=True,
    ),
    Entity(
        "Person",
        "People",
        (
            ("PersonGroupId", 0),
            ("PersonType", 0),
            ("FirstName", ""),
            ("LastName", ""),
            ("Organization", ""),
            ("NationalCode", ""),
            ("Mobile", ""),
            ("Phone", ""),
            ("Email", ""),
            ("State", ""),
            ("City", ""),
            ("Address", ""),
            ("PostalCode", ""),
            ("Credit", 0),
            ("Balance", 0),
            ("SellPriceLevel", 0),
            ("DiscountPercent", 0.0),
        ),
        has_code=True,
    ),
    Entity(
        "PersonAddress",
        "PersonAddresses",
        (
            ("PersonId", 0),
            ("Title", ""),
            ("Address", ""),
            ("PostalCode", ""),
            ("Mobile", ""),
            ("Phone", ""),
            ("CityId", 0),
            ("Latitude", 0.0),
            ("Longitude", 0.0),
        ),
    ),
    Entity("VisitorPerson", "VisitorPeople", (("VisitorId", 0), ("PersonId", 0))),
    Entity(
        "Visitor",
        "Visitors",
        (("Name", ""), ("Mobile", ""), ("StoreCode", 0), ("BankCode", 0), ("CashCode", 0)),
        has_code=True,
    ),
    Entity(
        "Picture",
        "Pictures",
        (("FileName", ""), ("Url", ""), ("Width", 0), ("Height", 0), ("FileSize", 0), ("Format", "png")),
        has_code=True,
    ),
    Entity("PhotoGallery", "PhotoGalleries", (("PictureId", 0), ("EntityType", 0), ("ItemCode", 0))),
    Entity(
        "PropertyDescription",
        "PropertyDescriptions",
        (("Name", ""), ("EmptyTitle", ""), ("DataType", 0), ("DisplayType", 0), ("ExtraData", "")),
        has_code=True,
    ),
    Entity("ExtraData", "ExtraDatas", (("ItemType", 0), ("ItemId", 0), ("Data", ""))),
    Entity("Setting", "Settings", (("SettingCode", 0), ("Value", ""))),
    Entity("CostLevelName", "CostLevelNames", (("CostLevel", 0), ("Name", ""))),
    Entity("Bank", "Banks", (("Name", ""), ("AccountNumber", ""), ("Branch", "")), has_code=True),
    Entity("Region", "Regions", (("Name", ""), ("ParentId", 0), ("Level", 0)), has_code=True),
    Entity(
        "Order",
        "Orders",
        (
            ("VisitorId", 0),
            ("PersonId", 0),
            ("OrderType", 201),
            ("OrderDate", ""),
            ("DeliveryDate", ""),
            ("SettlementType", 0),
            ("SendCost", 0),
            ("OtherCost", 0),
            ("Discount", 0),
            ("Description", ""),
            ("ShippingAddress", ""),
        ),
        has_code=True,
    ),
    Entity(
        "OrderDetail",
        "OrderDetails",
        (
            ("OrderId", 0),
            ("ItemType", 1),
            ("ProductDetailId", 0),
            ("StoreId", 0),
            ("Price", 0),
            ("Count1", 0.0),
            ("Count2", 0.0),
            ("Discount", 0),
            ("DiscountType", 0),
            ("TaxPercent", 0.0),
            ("ChargePercent", 0.0),
            ("RowId", 0),
            ("Description", ""),
        ),
    ),
    Entity(
        "Receipt",
        "Receipts",
        (
            ("PersonId", 0),
            ("VisitorId", 0),
            ("OrderId", 0),
            ("CashAmount", 0),
            ("CashCode", 0),
            ("Date", ""),
            ("TrackingCode", ""),
            ("Description", ""),
        ),
        has_code=True,
    ),
    Entity(
        "Transaction",
        "Transactions",
        (("PersonId", 0), ("Type", 0), ("Amount", 0), ("Balance", 0), ("Date", ""), ("Description", "")),
        has_code=True,
    ),
)

ENTITY_BY_NAME: dict[str, Entity] = {entity.name: entity for entity in ENTITIES}
_ENTITY_BY_LOWER: dict[str, Entity] = {entity.name.lower(): entity for entity in ENTITIES}

#: Lists whose rows GetAllData filters to ``currentVisitorId`` (a visitor sees only its own links and orders).
VISITOR_SCOPED: frozenset[str] = frozenset({"VisitorProduct", "VisitorPerson", "Order"})

#: Children whose ``Deleted`` flag the "noisy child deletes" switch corrupts (contract §3). A VisitorProduct row's
#: flag is true to its row: the "deleted link of a live product" integrators saw is an old link row left behind
#: when the product was put back on the site, which ``sent_products.send_receive`` produces for real.
NOISY_DELETE_ENTITIES: frozenset[str] = frozenset({"ProductDetail"})


def entity_named(name: str) -> Entity:
    """The entity called ``name`` (case-insensitive); ``KeyError`` if there is none."""
    try:
        return _ENTITY_BY_LOWER[name.lower()]
    except KeyError:
        raise KeyError(f"unknown entity {name!r}; known: {', '.join(ENTITY_BY_NAME)}") from None
