"""The generated catalogue: categories and their ExtraData tree, products, details, stock per store,
visitor links and pictures."""

from __future__ import annotations

import json

from hamgam_sim.mahak import names
from hamgam_sim.mahak.builder import MIX, RowBuilder
from hamgam_sim.mahak.pictures import PICTURE_FILE_SIZE, PICTURE_SIDE_PX

MAX_PICTURES = 3_000
EXTRA_DATA_CATEGORY = 130  #: ExtraData ItemType of category-tree rows
EXTRA_DATA_PRODUCT_CATEGORY = 10202  #: ExtraData ItemType of product -> category links
PICTURE_ENTITY_PRODUCT = 102
DEMO_VISITOR_ID = 1
OTHER_VISITOR_ID = 2  #: a second sales channel, so visitor filtering has something to filter
#: stock per store is drawn from these (main-unit counts; a few negative, as in real shops)
_STOCK_POOL = (-4.0, -1.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0, 24.0, 36.0, 50.0, 75.0, 120.0)


def build_categories(b: RowBuilder) -> list[int]:
    """ProductCategories plus the ExtraData 130 tree (top level + sub-categories); returns category ids."""
    cats = list(names.CATEGORIES)
    colours = [f"#{(i * 0x3A6F1D) & 0xFFFFFF:06x}" for i in range(1, len(cats) + 1)]
    ids = b.load("ProductCategory", len(cats), {"Name": cats, "Color": colours})
    tree = [{"CategoryCode": cid, "CategoryName": name, "ParentCode": 0} for cid, name in zip(ids, cats, strict=True)]
    tree += [
        {"CategoryCode": cid * 100 + k, "CategoryName": f"{name} {sub}", "ParentCode": cid}
        for cid, name in zip(ids, cats, strict=True)
        for k, sub in enumerate(names.SUB_CATEGORIES, 1)
    ]
    b.load(
        "ExtraData",
        len(tree),
        {
            "ItemType": EXTRA_DATA_CATEGORY,
            "ItemId": [t["CategoryCode"] for t in tree],
            "Data": [json.dumps(t, ensure_ascii=False) for t in tree],
        },
    )
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


def build_catalogue(b: RowBuilder, n: int, category_ids: list[int]) -> None:
    """Products, details, stock per store, visitor links, category links and pictures."""
    kinds = [
        (t, cid, unit, price)
        for cid, (types, unit, price) in zip(category_ids, names.CATEGORIES.values(), strict=True)
        for t in types
    ]
    nk, nb, ns = len(kinds), len(names.BRANDS), len(names.SIZES)
    combos = nk * nb * ns
    step = next(p for p in (7919, 104729, 1299709) if combos % p)  # a stride coprime to combos: a permutation
    mixed = [(i * step) % combos for i in range(n)]
    kind_of = [kinds[m % nk] for m in mixed]
    brand_of = [(m // nk) % nb for m in mixed]
    size_of = [names.SIZES[m // (nk * nb)] for m in mixed]
    product_ids = list(range(1, n + 1))
    cloth_cat = category_ids[list(names.CATEGORIES).index("پوشاک")]
    b.load(
        "Product",
        n,
        {
            "ProductCategoryId": [k[1] for k in kind_of],
            "Name": [
                _product_name(k[0], names.BRANDS[br], s[0], i // combos, (i * MIX >> 8) % 100)
                for i, k, br, s in zip(range(n), kind_of, brand_of, size_of, strict=True)
            ],
            "UnitName": [k[2] for k in kind_of],
            "UnitName2": "کارتن",
            "UnitRatio": 12.0,
            "TaxPercent": [0.0 if i % 9 else -1.0 for i in range(n)],
            "ChargePercent": 0.0,
            "Weight": [s[1] * 500.0 for s in size_of],
            "Tags": [f"{k[0]},{names.BRANDS[br]}" for k, br in zip(kind_of, brand_of, strict=True)],
            "Min": [float(i % 4) for i in range(n)],
        },
    )
    _category_links(b, product_ids, [k[1] for k in kind_of])
    # one detail per product; clothes come in two colours by two sizes, every 5th other product in two colours
    variants = [_variants(p, k[1] == cloth_cat) for p, k in zip(product_ids, kind_of, strict=True)]
    detail_product = [p for p, vs in zip(product_ids, variants, strict=True) for _ in vs]
    nd = len(detail_product)
    stores = len(b.db["Store"])
    stock = b.pick(_STOCK_POOL, nd * stores)
    jitter = b.pick((90, 95, 100, 100, 105, 110, 125), n)
    price1_of = [
        max(10_000, int(k[3] * s[1] * j) // 1_000_000 * 10_000)
        for k, s, j in zip(kind_of, size_of, jitter, strict=True)
    ]
    props = [v for vs in variants for v in vs]
    price1 = [price1_of[p - 1] for p in detail_product]
    detail_stock = list(map(sum, zip(*(stock[s::stores] for s in range(stores)), strict=True)))
    detail_ids = b.load(
        "ProductDetail",
        nd,
        {
            "ProductId": detail_product,
            "Properties": props,
            "Barcode": [f"626{d:010d}" for d in range(1, nd + 1)],
            "Price1": price1,
            "Price2": [p * 93 // 100_000 * 1_000 for p in price1],
            "Price3": [p * 88 // 100_000 * 1_000 for p in price1],
            "DefaultSellPriceLevel": [-1 if d % 11 == 0 else 1 for d in range(nd)],
            "Count1": detail_stock,
        },
    )
    b.load(
        "ProductDetailStoreAsset",
        nd * stores,
        {
            "ProductDetailId": [d for d in detail_ids for _ in range(stores)],
            "StoreId": list(range(1, stores + 1)) * nd,
            "Count1": stock,
        },
    )
    _visitor_products(b, detail_ids, detail_stock)
    _pictures(b, n)


def _variants(product_id: int, clothing: bool) -> list[str]:
    """The Properties of a product's details (codes: 1 colour, 2 size, the PropertyDescription rows): clothes
    in two colours by two sizes, every 5th other product in two colours, the rest one detail without any."""
    p = product_id
    if clothing:
        return [
            json.dumps([{"C": 1, "V": names.COLOURS[(p + c) % 8]}, {"C": 2, "V": names.CLOTH_SIZES[(p + z) % 8]}],
                       ensure_ascii=False, separators=(",", ":"))
            for c in range(2)
            for z in range(2)
        ]  # fmt: skip
    if p % 5 == 1:
        return [f'[{{"C":1,"V":"{names.COLOURS[(p + j) % 8]}"}}]' for j in range(2)]
    return ["[]"]


def _category_links(b: RowBuilder, product_ids: list[int], category_of: list[int]) -> None:
    """ExtraData 10202 rows: ProductCode -> sub-CategoryCode, appended after the 130 tree rows."""
    subs = len(names.SUB_CATEGORIES)
    links = [
        f'{{"ProductCode": {p}, "CategoryCode": {c * 100 + 1 + p % subs}}}'
        for p, c in zip(product_ids, category_of, strict=True)
    ]
    b.load(
        "ExtraData",
        len(links),
        {"ItemType": EXTRA_DATA_PRODUCT_CATEGORY, "ItemId": product_ids, "Data": links},
    )


def _visitor_products(b: RowBuilder, detail_ids: list[int], detail_stock: list[float]) -> None:
    """Most (not all) details are linked to the demo visitor; every third also to the second visitor."""
    linked = [(d, s) for d, s in zip(detail_ids, detail_stock, strict=True) if (d * MIX >> 7) % 12]
    others = [d for d in detail_ids if d % 3 == 0]
    count = len(linked) + len(others)
    b.load(
        "VisitorProduct",
        count,
        {
            "ProductDetailId": [d for d, _ in linked] + others,
            "VisitorId": [DEMO_VISITOR_ID] * len(linked) + [OTHER_VISITOR_ID] * len(others),
            "Count1": [s for _, s in linked] + [0.0] * len(others),
        },
    )


def _pictures(b: RowBuilder, n: int) -> None:
    product_ids = [p for p in range(1, n + 1) if p % 5 == 1][:MAX_PICTURES]
    count = len(product_ids)
    files = [f"product-{p}.png" for p in product_ids]
    picture_ids = b.load(
        "Picture",
        count,
        {
            "FileName": files,
            "Url": [f"/Content/Images/all/{f}" for f in files],
            "Width": PICTURE_SIDE_PX,
            "Height": PICTURE_SIDE_PX,
            "FileSize": PICTURE_FILE_SIZE,
        },
    )
    b.load(
        "PhotoGallery",
        count,
        {
            "PictureId": picture_ids,
            "EntityType": PICTURE_ENTITY_PRODUCT,
            "ItemCode": product_ids,
        },
    )
