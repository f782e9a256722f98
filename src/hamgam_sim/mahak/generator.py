"""Deterministic generator of a realistic Persian Mahak database, fast enough for a million products.

The same ``seed`` always gives the same database. The initial load is stamped in change batches of
``batch_rows`` rows per RowVersion (or one RowVersion per row), table after table, like a desktop app
sending its data for the first time. Row building lives in ``builder.py``, the catalogue in
``catalogue.py``; this module adds reference data and people and is the entry point.
"""

from __future__ import annotations

import gc
import random
from datetime import datetime

from hamgam_sim.mahak import names
from hamgam_sim.mahak.builder import DESKTOP_SYNC_ID, MIX, RowBuilder, RowVersionStamper
from hamgam_sim.mahak.catalogue import DEMO_VISITOR_ID, OTHER_VISITOR_ID, build_catalogue, build_categories
from hamgam_sim.mahak.store import Database

__all__ = ["DEMO_PRODUCTS", "DESKTOP_SYNC_ID", "populate"]

DEMO_PRODUCTS = 2_000
SETTINGS: tuple[tuple[int, str], ...] = (
    (14000, "1"), (14001, "9"), (14008, "1"), (1000, "0"), (1022, "0"), (1037, "0"), (1032, "0"), (1033, "0"),
)  # fmt: skip


def populate(
    db: Database,
    *,
    products: int = DEMO_PRODUCTS,
    seed: int = 1,
    batch_rows: int = 50,
    per_row: bool = False,
    now: datetime | None = None,
) -> dict[str, int]:
    """Fill an empty ``db`` with a demo database of ``products`` products; returns row counts per entity."""
    rnd = random.Random(seed)
    b = RowBuilder(
        db,
        RowVersionStamper(db, batch_rows, per_row, random.Random(seed + 1)),
        rnd,
        now or datetime(2025, 1, 15, 10, 30),
    )
    gc_was_enabled = gc.isenabled()
    gc.disable()  # the cycle collector would rescan millions of fresh tuples again and again
    try:
        _reference_data(b)
        category_ids = build_categories(b)
        build_catalogue(b, products, category_ids)
        _people(b, max(40, min(products // 10, 50_000)))
    finally:
        if gc_was_enabled:
            gc.enable()
    return {name: len(table) for name, table in db.tables.items()}


def _reference_data(b: RowBuilder) -> None:
    b.load("Setting", len(SETTINGS), {"SettingCode": [c for c, _ in SETTINGS], "Value": [v for _, v in SETTINGS]})
    b.load("CostLevelName", 10, {"CostLevel": list(range(1, 11)), "Name": list(names.COST_LEVELS)})
    b.load(
        "Bank",
        len(names.BANKS),
        {
            "Name": list(names.BANKS),
            "AccountNumber": [f"0{b.rnd.randrange(10**9, 10**10)}" for _ in names.BANKS],
            "Branch": "مرکزی",
        },
    )
    b.load("Store", len(names.STORES), {"Name": list(names.STORES)})
    regions: list[tuple[str, int, int]] = []
    for province, cities in names.PROVINCES.items():
        regions.append((province, 0, 1))
        province_id = len(regions)
        regions.extend((city, province_id, 2) for city in cities)
    b.load(
        "Region",
        len(regions),
        {
            "Name": [r[0] for r in regions],
            "ParentId": [r[1] for r in regions],
            "Level": [r[2] for r in regions],
        },
    )
    b.load(
        "Visitor",
        2,
        {
            "Name": ["فروشگاه اینترنتی", "ویزیتور بازار"],
            "Mobile": ["09120000001", "09120000002"],
            "StoreCode": 1,
            "BankCode": 1,
            "CashCode": 1,
        },
    )
    b.load(
        "PersonGroup",
        len(names.PERSON_GROUPS),
        {
            "Name": [g[0] for g in names.PERSON_GROUPS],
            "DiscountPercent": [g[1] for g in names.PERSON_GROUPS],
            "SellPriceLevel": [g[2] for g in names.PERSON_GROUPS],
        },
    )
    b.load(
        "PropertyDescription",
        2,
        {
            "Name": ["رنگ", "سایز"],
            "EmptyTitle": ["بدون رنگ", "بدون سایز"],
            "DataType": 1,
            "DisplayType": 1,
        },
    )


def _people(b: RowBuilder, n: int) -> None:
    rnd = b.rnd
    cities = [(province, city) for province, cs in names.PROVINCES.items() for city in cs]
    place = rnd.choices(cities, k=n)
    legal = [i % 10 == 0 for i in range(n)]
    person_ids = b.load(
        "Person",
        n,
        {
            "PersonCode": list(range(10_001, 10_001 + n)),
            "PersonGroupId": rnd.choices(range(1, len(names.PERSON_GROUPS) + 1), weights=(6, 2, 1, 1), k=n),
            "PersonType": [1 if x else 0 for x in legal],
            "FirstName": rnd.choices(names.FIRST_NAMES, k=n),
            "LastName": rnd.choices(names.LAST_NAMES, k=n),
            "Organization": [f"شرکت {names.LAST_NAMES[i % 21]} تجارت" if x else "" for i, x in enumerate(legal)],
            "NationalCode": [f"{(i * MIX) % 10**10:010d}" for i in range(1, n + 1)],
            "Mobile": [f"0912{(i * 7_919) % 10**7:07d}" for i in range(1, n + 1)],
            "State": [p for p, _ in place],
            "City": [c for _, c in place],
            "Address": [f"{rnd.choice(names.STREETS)}، پلاک {i % 200 + 1}" for i in range(n)],
            "PostalCode": [f"{(i * 104_729) % 10**10:010d}" for i in range(1, n + 1)],
            "Balance": [(-1 if i % 4 == 0 else 1) * (i * 97 % 500) * 100_000 for i in range(n)],
        },
    )
    with_address = [p for p in person_ids if p % 2]
    b.load(
        "PersonAddress",
        len(with_address),
        {
            "PersonId": with_address,
            "Title": "منزل",
            "Address": [f"{place[p - 1][1]}، {names.STREETS[p % 5]}، پلاک {p % 90 + 1}" for p in with_address],
            "PostalCode": [f"{(p * 7_919) % 10**10:010d}" for p in with_address],
            "Mobile": [f"0912{(p * 7_919) % 10**7:07d}" for p in with_address],
        },
    )
    links = [(DEMO_VISITOR_ID, p) for p in person_ids if p % 10 < 7] + [
        (OTHER_VISITOR_ID, p) for p in person_ids if p % 4 == 0
    ]
    b.load("VisitorPerson", len(links), {"VisitorId": [v for v, _ in links], "PersonId": [p for _, p in links]})
