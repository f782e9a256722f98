"""Deterministic generator of a realistic Persian Mahak database, fast enough for a million products.

Rows are generated column by column (seeded ``random.choices`` and list comprehensions) and zipped
into tuples, which keeps 1,000,000 products within seconds. The same ``seed`` always gives the same
database. The initial load is stamped in change batches of ``batch_rows`` rows per RowVersion (or one
RowVersion per row), table after table, like a desktop app sending its data for the first time.
"""

from __future__ import annotations

import gc
import json
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import repeat
from typing import Any

from hamgam_sim.mahak import names
from hamgam_sim.mahak.entities import ENTITY_BY_NAME
from hamgam_sim.mahak.pictures import PALETTE, PICTURE_SIDE_PX, solid_png
from hamgam_sim.mahak.store import Database, Row

DEMO_PRODUCTS = 2_000
DESKTOP_SYNC_ID = 1  #: CreateSyncId/UpdateSyncId of rows the desktop app created
DEMO_VISITOR_ID = 1
OTHER_VISITOR_ID = 2  #: a second sales channel, so visitor filtering has something to filter
MAX_PICTURES = 3_000
EXTRA_DATA_CATEGORY = 130  #: ExtraData ItemType of category-tree rows
EXTRA_DATA_PRODUCT_CATEGORY = 10202  #: ExtraData ItemType of product -> category links
PICTURE_ENTITY_PRODUCT = 102
SETTINGS: tuple[tuple[int, str], ...] = (
    (14000, "1"), (14001, "9"), (14008, "1"), (1000, "0"), (1022, "0"), (1037, "0"), (1032, "0"), (1033, "0"),
)
_STOCK_POOL_F = (-4.0, -1.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0, 24.0, 36.0, 50.0, 75.0, 120.0, 240.0)
_MIX = 2_654_435_761  #: Knuth's multiplicative hash constant, spreads ids over variants


class _Stamper:
    """Hands out initial RowVersions: ``batch_rows`` rows per value, or one value per row."""

    def __init__(self, db: Database, batch_rows: int, per_row: bool) -> None:
        self._db, self._batch_rows, self._per_row = db, max(1, batch_rows), per_row

    def versions(self, count: int) -> list[int]:
        size = 1 if self._per_row else self._batch_rows
        batches = (count + size - 1) // size
        first = self._db.allocate_row_versions(batches)
        # one int object per batch, shared by its rows: saves memory on a million-row load
        return [rv for rv in range(first, first + batches) for _ in range(size)][:count]


class _Builder:
    """Zips column lists into entity row tuples and loads them into the database."""

    def __init__(self, db: Database, stamper: _Stamper, rnd: random.Random, now: datetime) -> None:
        self.db, self.stamper, self.rnd = db, stamper, rnd
        self.dates = [(now - timedelta(days=d, minutes=7 * d)).strftime("%Y-%m-%dT%H:%M:%S") for d in range(256)]

    def pick(self, pool: Sequence[Any], count: int) -> list[Any]:
        """``count`` seeded picks from ``pool`` (at most 256 items); C-speed, unlike ``random.choices``."""
        by_byte = [pool[i % len(pool)] for i in range(256)]
        return list(map(by_byte.__getitem__, self.rnd.randbytes(count)))

    def load(self, entity_name: str, count: int, columns: dict[str, Sequence[Any] | Any]) -> list[int]:
        """Append ``count`` rows (ids continue the table's); list values are per row, others constant."""
        entity = ENTITY_BY_NAME[entity_name]
        first_id = self.db[entity_name].next_id
        ids = list(range(first_id, first_id + count))
        dates = self.pick(self.dates, count)
        base: dict[str, Any] = {
            entity.id_column: ids, entity.client_id_column: ids, "CreateDate": dates, "UpdateDate": dates,
            "CreateSyncId": DESKTOP_SYNC_ID, "UpdateSyncId": DESKTOP_SYNC_ID,
            "RowVersion": self.stamper.versions(count),
        }
        if entity.has_code:
            base[entity.code_column] = ids
        values = {**base, **columns}
        unknown = set(values) - set(entity.columns)
        if unknown:
            raise KeyError(f"{entity_name} has no column(s) {sorted(unknown)}")
        streams = []
        for column, default in zip(entity.columns, entity.defaults, strict=True):
            value = values.get(column, default)
            if isinstance(value, list):
                if len(value) != count:
                    raise ValueError(f"{entity_name}.{column}: {len(value)} values for {count} rows")
                streams.append(value)
            else:
                streams.append(repeat(value, count))
        rows: list[Row] = list(zip(*streams))
        self.db[entity_name].load(rows)
        return ids


def populate(
    db: Database, *, products: int = DEMO_PRODUCTS, seed: int = 1, batch_rows: int = 50, per_row: bool = False,
    now: datetime | None = None,
) -> dict[str, int]:
    """Fill an empty ``db`` with a demo database of ``products`` products; returns row counts per entity."""
    rnd = random.Random(seed)
    b = _Builder(db, _Stamper(db, batch_rows, per_row), rnd, now or datetime(2025, 1, 15, 10, 30))
    gc_was_enabled = gc.isenabled()
    gc.disable()  # the cycle collector would rescan millions of fresh tuples again and again
    try:
        _reference_data(b)
        category_ids = _categories(b)
        _catalogue(b, products, category_ids)
        _people(b, max(40, min(products // 10, 50_000)))
    finally:
        if gc_was_enabled:
            gc.enable()
    return {name: len(table) for name, table in db.tables.items()}


def _reference_data(b: _Builder) -> None:
    b.load("Setting", len(SETTINGS), {"SettingCode": [c for c, _ in SETTINGS], "Value": [v for _, v in SETTINGS]})
    b.load("CostLevelName", 10, {"CostLevel": list(range(1, 11)), "Name": list(names.COST_LEVELS)})
    b.load("Bank", len(names.BANKS), {
        "Name": list(names.BANKS), "AccountNumber": [f"0{b.rnd.randrange(10**9, 10**10)}" for _ in names.BANKS],
        "Branch": "مرکزی",
    })
    b.load("Store", len(names.STORES), {"Name": list(names.STORES)})
    regions: list[tuple[str, int, int]] = []
    for province, cities in names.PROVINCES.items():
        regions.append((province, 0, 1))
        province_id = len(regions)
        regions.extend((city, province_id, 2) for city in cities)
    b.load("Region", len(regions), {
        "Name": [r[0] for r in regions], "ParentId": [r[1] for r in regions], "Level": [r[2] for r in regions],
    })
    b.load("Visitor", 2, {
        "Name": ["فروشگاه اینترنتی", "ویزیتور بازار"], "Mobile": ["09120000001", "09120000002"],
        "StoreCode": 1, "BankCode": 1, "CashCode": 1,
    })
    b.load("PersonGroup", len(names.PERSON_GROUPS), {
        "Name": [g[0] for g in names.PERSON_GROUPS], "DiscountPercent": [g[1] for g in names.PERSON_GROUPS],
        "SellPriceLevel": [g[2] for g in names.PERSON_GROUPS],
    })
    b.load("PropertyDescription", 2, {
        "Name": ["رنگ", "سایز"], "EmptyTitle": ["بدون رنگ", "بدون سایز"], "DataType": 1, "DisplayType": 1,
    })


def _categories(b: _Builder) -> list[int]:
    """ProductCategories plus the ExtraData 130 tree (top level + sub-categories); returns category ids."""
    cats = list(names.CATEGORIES)
    colours = [f"#{(i * 0x3A6F1D) & 0xFFFFFF:06x}" for i in range(1, len(cats) + 1)]
    ids = b.load("ProductCategory", len(cats), {"Name": cats, "Color": colours})
    tree = [{"CategoryCode": cid, "CategoryName": name, "ParentCode": 0} for cid, name in zip(ids, cats)]
    tree += [
        {"CategoryCode": cid * 100 + k, "CategoryName": f"{name} {sub}", "ParentCode": cid}
        for cid, name in zip(ids, cats) for k, sub in enumerate(names.SUB_CATEGORIES, 1)
    ]
    b.load("ExtraData", len(tree), {
        "ItemType": EXTRA_DATA_CATEGORY, "ItemId": [t["CategoryCode"] for t in tree],
        "Data": [json.dumps(t, ensure_ascii=False) for t in tree],
    })
    return ids


def _product_name(type_name: str, brand: str, size: str, series: int, variant: int) -> str:
    name = f"{type_name} {brand} {size}" + (f" مدل {series}" if series else "")
    if variant < 10:
        return names.arabize(name)
    if variant < 18:
        return names.to_arabic_digits(name)
    if variant < 40:
        return names.to_persian_digits(name)
    return name


def _catalogue(b: _Builder, n: int, category_ids: list[int]) -> None:
    """Products, details, stock per store, visitor links, category links and pictures."""
    rnd = b.rnd
    kinds = [(t, cid, unit, price) for cid, (types, unit, price) in zip(category_ids, names.CATEGORIES.values())
             for t in types]
    nk, nb, ns = len(kinds), len(names.BRANDS), len(names.SIZES)
    combos = nk * nb * ns
    step = next(p for p in (7919, 104729, 1299709) if combos % p)  # a stride coprime to combos: a permutation
    mixed = [(i * step) % combos for i in range(n)]
    kind_of = [kinds[m % nk] for m in mixed]
    brand_of = [(m // nk) % nb for m in mixed]
    size_of = [names.SIZES[m // (nk * nb)] for m in mixed]
    product_ids = list(range(1, n + 1))
    cloth_cat = category_ids[list(names.CATEGORIES).index("پوشاک")]
    b.load("Product", n, {
        "ProductCategoryId": [k[1] for k in kind_of],
        "Name": [_product_name(k[0], names.BRANDS[br], s[0], i // combos, (i * _MIX >> 8) % 100)
                 for i, k, br, s in zip(range(n), kind_of, brand_of, size_of)],
        "UnitName": [k[2] for k in kind_of], "UnitName2": "کارتن", "UnitRatio": 12.0,
        "TaxPercent": [0.0 if i % 9 else -1.0 for i in range(n)], "ChargePercent": 0.0,
        "Weight": [s[1] * 500.0 for s in size_of],
        "Tags": [f"{k[0]},{names.BRANDS[br]}" for k, br in zip(kind_of, brand_of)],
        "Min": [float(i % 4) for i in range(n)],
    })
    _category_links(b, product_ids, [k[1] for k in kind_of])
    # one detail per product; clothes and every 5th product come in two colours or sizes
    two = [k[1] == cloth_cat or i % 5 == 0 for i, k in enumerate(kind_of)]
    detail_product = [p for p, t in zip(product_ids, two) for _ in range(2 if t else 1)]
    nd = len(detail_product)
    stores = len(b.db["Store"])
    stock = b.pick(_STOCK_POOL_F, nd * stores)
    jitter = b.pick((90, 95, 100, 100, 105, 110, 125), n)
    price1_of = [max(10_000, int(k[3] * s[1] * j) // 1_000_000 * 10_000) for k, s, j in zip(kind_of, size_of, jitter)]
    props: list[str] = []
    for p, t in zip(product_ids, two):
        if not t:
            props.append("[]")
        elif kind_of[p - 1][1] == cloth_cat:
            props += [f'[{{"C":2,"V":"{names.CLOTH_SIZES[(p + j) % 8]}"}}]' for j in range(2)]
        else:
            props += [f'[{{"C":1,"V":"{names.COLOURS[(p + j) % 8]}"}}]' for j in range(2)]
    price1 = [price1_of[p - 1] for p in detail_product]
    detail_stock = list(map(sum, zip(*(stock[s::stores] for s in range(stores)))))
    detail_ids = b.load("ProductDetail", nd, {
        "ProductId": detail_product, "Properties": props,
        "Barcode": [f"626{d:010d}" for d in range(1, nd + 1)],
        "Price1": price1, "Price2": [p * 93 // 100_000 * 1_000 for p in price1],
        "Price3": [p * 88 // 100_000 * 1_000 for p in price1],
        "DefaultSellPriceLevel": [-1 if d % 11 == 0 else 1 for d in range(nd)],
        "Count1": detail_stock,
    })
    b.load("ProductDetailStoreAsset", nd * stores, {
        "ProductDetailId": [d for d in detail_ids for _ in range(stores)],
        "StoreId": list(range(1, stores + 1)) * nd, "Count1": stock,
    })
    _visitor_products(b, detail_ids, detail_stock)
    _pictures(b, n)


def _category_links(b: _Builder, product_ids: list[int], category_of: list[int]) -> None:
    """ExtraData 10202 rows: ProductCode -> sub-CategoryCode, appended after the 130 tree rows."""
    subs = len(names.SUB_CATEGORIES)
    links = [
        f'{{"ProductCode": {p}, "CategoryCode": {c * 100 + 1 + p % subs}}}' for p, c in zip(product_ids, category_of)
    ]
    b.load("ExtraData", len(links), {"ItemType": EXTRA_DATA_PRODUCT_CATEGORY, "ItemId": product_ids, "Data": links})


def _visitor_products(b: _Builder, detail_ids: list[int], detail_stock: list[float]) -> None:
    """Most (not all) details are linked to the demo visitor; every third also to the second visitor."""
    linked = [(d, s) for d, s in zip(detail_ids, detail_stock) if (d * _MIX >> 7) % 12]
    others = [d for d in detail_ids if d % 3 == 0]
    count = len(linked) + len(others)
    b.load("VisitorProduct", count, {
        "ProductDetailId": [d for d, _ in linked] + others,
        "VisitorId": [DEMO_VISITOR_ID] * len(linked) + [OTHER_VISITOR_ID] * len(others),
        "Count1": [s for _, s in linked] + [0.0] * len(others),
    })


def _pictures(b: _Builder, n: int) -> None:
    product_ids = [p for p in range(1, n + 1) if p % 5 == 1][:MAX_PICTURES]
    count = len(product_ids)
    files = [f"product-{p}.png" for p in product_ids]
    sizes = [len(solid_png(PALETTE[i % len(PALETTE)])) for i in range(1, count + 1)]
    picture_ids = b.load("Picture", count, {
        "FileName": files, "Url": [f"/Content/Images/all/{f}" for f in files], "Width": PICTURE_SIDE_PX,
        "Height": PICTURE_SIDE_PX, "FileSize": sizes,
    })
    b.load("PhotoGallery", count, {
        "PictureId": picture_ids, "EntityType": PICTURE_ENTITY_PRODUCT, "ItemCode": product_ids,
    })


def _people(b: _Builder, n: int) -> None:
    rnd = b.rnd
    cities = [(province, city) for province, cs in names.PROVINCES.items() for city in cs]
    place = rnd.choices(cities, k=n)
    legal = [i % 10 == 0 for i in range(n)]
    person_ids = b.load("Person", n, {
        "PersonCode": list(range(10_001, 10_001 + n)),
        "PersonGroupId": rnd.choices(range(1, len(names.PERSON_GROUPS) + 1), weights=(6, 2, 1, 1), k=n),
        "PersonType": [1 if x else 0 for x in legal],
        "FirstName": rnd.choices(names.FIRST_NAMES, k=n), "LastName": rnd.choices(names.LAST_NAMES, k=n),
        "Organization": [f"شرکت {names.LAST_NAMES[i % 21]} تجارت" if x else "" for i, x in enumerate(legal)],
        "NationalCode": [f"{(i * _MIX) % 10**10:010d}" for i in range(1, n + 1)],
        "Mobile": [f"0912{(i * 7_919) % 10**7:07d}" for i in range(1, n + 1)],
        "State": [p for p, _ in place], "City": [c for _, c in place],
        "Address": [f"{rnd.choice(names.STREETS)}، پلاک {i % 200 + 1}" for i in range(n)],
        "PostalCode": [f"{(i * 104_729) % 10**10:010d}" for i in range(1, n + 1)],
        "Balance": [(-1 if i % 4 == 0 else 1) * (i * 97 % 500) * 100_000 for i in range(n)],
    })
    with_address = [p for p in person_ids if p % 2]
    b.load("PersonAddress", len(with_address), {
        "PersonId": with_address, "Title": "منزل",
        "Address": [f"{place[p - 1][1]}، {names.STREETS[p % 5]}، پلاک {p % 90 + 1}" for p in with_address],
        "PostalCode": [f"{(p * 7_919) % 10**10:010d}" for p in with_address],
        "Mobile": [f"0912{(p * 7_919) % 10**7:07d}" for p in with_address],
    })
    links = [(DEMO_VISITOR_ID, p) for p in person_ids if p % 10 < 7] + [(OTHER_VISITOR_ID, p) for p in person_ids
                                                                        if p % 4 == 0]
    b.load("VisitorPerson", len(links), {"VisitorId": [v for v, _ in links], "PersonId": [p for _, p in links]})
