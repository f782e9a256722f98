import json
import re

import pytest

from hamgam_sim.mahak.generator import populate
from hamgam_sim.mahak.reading import serve_row
from hamgam_sim.mahak.store import Database

ARABIC_LETTERS = re.compile("[يك]")
PERSIAN_DIGITS = re.compile("[۰-۹]")
ARABIC_DIGITS = re.compile("[٠-٩]")


@pytest.fixture(scope="module")
def demo_db() -> Database:
    db = Database()
    populate(db, products=2_000, seed=1)
    return db


def _rows(db: Database, entity: str) -> list[dict]:
    table = db[entity]
    return [serve_row(table, row) for row in table.rows.values()]


def test_hundred_thousand_products_generate():
    db = Database()
    counts = populate(db, products=100_000, seed=3)
    assert counts["Product"] == 100_000
    assert counts["ProductDetail"] > 100_000
    assert counts["ProductDetailStoreAsset"] == counts["ProductDetail"] * counts["Store"]
    page = db["Product"].changed_since(db["Product"].max_row_version() - 10, inclusive=False, limit=1000)
    assert len(page) == 1000 or page[-1][0] == 100_000


def test_names_mix_arabic_letters_and_persian_and_arabic_digits(demo_db):
    names = [row["Name"] for row in _rows(demo_db, "Product")]
    assert sum(bool(ARABIC_LETTERS.search(n)) for n in names) > 50
    assert sum(bool(PERSIAN_DIGITS.search(n)) for n in names) > 50
    assert sum(bool(ARABIC_DIGITS.search(n)) for n in names) > 20
    assert len(set(names)) == len(names)


def test_same_seed_same_data():
    first, second = Database(), Database()
    populate(first, products=500, seed=9)
    populate(second, products=500, seed=9)
    assert first["ProductDetailStoreAsset"].rows == second["ProductDetailStoreAsset"].rows
    assert first["Product"].rows == second["Product"].rows


def test_prices_stock_and_links_look_like_a_real_shop(demo_db):
    details = _rows(demo_db, "ProductDetail")
    assert all(d["Price1"] >= 10_000 and d["Price2"] > 0 and d["Price3"] > 0 for d in details)
    assert all(isinstance(d["Price1"], int) and d["Price1"] % 10_000 == 0 for d in details)
    assert max(d["Price1"] for d in details) > 1_000_000
    assert {d["Price4"] for d in details} == {0}
    assert any(json.loads(d["Properties"]) for d in details)
    assets = _rows(demo_db, "ProductDetailStoreAsset")
    assert any(a["Count1"] < 0 for a in assets)
    linked = {v["ProductDetailId"] for v in _rows(demo_db, "VisitorProduct") if v["VisitorId"] == 1}
    assert 0.8 * len(details) < len(linked) < len(details)


def test_reference_data_is_present(demo_db):
    settings = {s["SettingCode"]: s["Value"] for s in _rows(demo_db, "Setting")}
    assert {14000, 14001, 14008, 1000, 1022, 1037, 1032, 1033} <= set(settings)
    extra = _rows(demo_db, "ExtraData")
    tree = [json.loads(e["Data"]) for e in extra if e["ItemType"] == 130]
    links = [json.loads(e["Data"]) for e in extra if e["ItemType"] == 10202]
    assert any(t["ParentCode"] == 0 for t in tree) and any(t["ParentCode"] for t in tree)
    assert len(links) == 2_000 and {t["CategoryCode"] for t in tree} >= {link["CategoryCode"] for link in links}
    assert len(_rows(demo_db, "CostLevelName")) == 10
    assert _rows(demo_db, "Visitor")[0]["VisitorId"] == 1
    assert len(_rows(demo_db, "Picture")) == len(_rows(demo_db, "PhotoGallery")) > 0
    assert {p["PersonGroupId"] for p in _rows(demo_db, "Person")} <= {
        g["PersonGroupId"] for g in _rows(demo_db, "PersonGroup")
    }


def test_every_row_has_the_identity_triad_and_common_tail(demo_db):
    for entity in ("Product", "ProductDetail", "Person", "Store", "VisitorProduct"):
        row = _rows(demo_db, entity)[0]
        assert {
            f"{entity}Id",
            f"{entity}ClientId",
            "Deleted",
            "DataHash",
            "CreateDate",
            "UpdateDate",
            "CreateSyncId",
            "UpdateSyncId",
            "RowVersion",
        } <= set(row)
    assert "ProductCode" in _rows(demo_db, "Product")[0]
