"""What the store may sell, read from the synced tables under the merchant's rules (contract §3, §4):

- a product detail is on sale while its product is live, staff have not hidden it, and a VisitorProduct link
  makes it the site's (Mahak's own rule: visibility is decided on the link, not on the child row's flag);
- its price is ``Price{level}`` in Rial, the level from the settings or the detail's DefaultSellPriceLevel;
- its stock is ``VisitorProduct.Count1`` or the sum of ``Count1`` over the configured warehouses, as Mahak sent it:
  a negative store is stock owed from the others (sold before it was received), so the sum is net, and only
  that net is clamped to 0 for selling;
- what is left to sell is that stock minus the store's holds (``stock_hold``: active reservations, paid orders
  not yet exported, and orders sent to Mahak but not yet invoiced).

The listing rule itself (live product, VisitorProduct link, name override, category link) is in the database,
once: migration 0013's ``catalog_product`` and ``catalog_live_link`` views, which these reads and
``catalog_entry`` (migration 0007: the listed products with their display name and category, kept in step by
triggers) both use. The same SQL fragments serve the catalogue pages, search and the conditional reservation
``UPDATE``, so the storefront and checkout can never disagree on what is sellable. The listing pages find, order
and count their products in ``catalog_entry``, then read the price and stock of the rows they show through these
same fragments.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.domain import stock, variants
from hamgam.domain.listing import image_entries
from hamgam.domain.pricing import DiscountCodes
from hamgam.ports.catalog import ProductPage, ProductQuery, Ranking
from hamgam.settings import MoneyUnit, StockSource, SyncSettings

log = structlog.get_logger(__name__)

#: ExtraData ItemType of the category tree's nodes (contract §3).
EXTRA_CATEGORY_NODE = 130

#: The live VisitorProduct link that makes detail ``d`` the site's (contract §3), as ``link``: the newest of its
#: live link rows (migration 0013's ``catalog_live_link``); none, and the detail is not the site's.
_LINK = """JOIN LATERAL (
    SELECT vl.count1 FROM catalog_live_link vl
    WHERE vl.product_detail_id = d.mahak_id
    ORDER BY vl.row_version DESC LIMIT 1
) link ON true"""

_LEVEL_PRICE = "d.prices_rial[CASE WHEN :level BETWEEN 1 AND 10 THEN :level ELSE d.default_price_level END]"

#: The shop price of detail ``d``: its level price less Mahak's discount on it, ``hamgam.domain.pricing.shop_price``
#: (a percent off rounds down, an amount off in Mahak's unit rounds half up, never below 0). NULL without a
#: price at that level.
_PRICE = f"""({_LEVEL_PRICE} - LEAST({_LEVEL_PRICE}, CASE
    WHEN {_LEVEL_PRICE} <= 0 OR NOT coalesce(d.discount, 0) > 0 THEN 0
    WHEN d.discount_type = :disc_pct THEN floor({_LEVEL_PRICE} * LEAST(d.discount, 100.0) / 100.0)::bigint
    WHEN d.discount_type = :disc_amt THEN round(CAST(d.discount AS numeric) * :disc_unit)::bigint
    ELSE 0 END))"""

#: The PropertyDescription names of detail ``d``'s property codes, as a JSON object ``{code: name}`` (``{}``
#: without properties): read in the statement that reads the detail, so naming its variant costs no round trip
#: of its own. A code names the live row whose ``code`` is it, else the one whose Mahak id is it (the lowest id on
#: a tie); a row without a name names nothing. The sync writes codes as Mahak's integers (``wire.PropertyValue``),
#: so the code's JSON text is what ``hamgam.domain.variants`` keys its names by.
PROPERTY_NAMES = """(SELECT coalesce(jsonb_object_agg(pc.code, pn.name), '{}'::jsonb)
    FROM (SELECT DISTINCT p ->> 'code' AS code
          FROM jsonb_array_elements(CASE WHEN jsonb_typeof(d.properties) = 'array' THEN d.properties
                                         ELSE '[]'::jsonb END) p
          WHERE p ->> 'code' IS NOT NULL) pc
    CROSS JOIN LATERAL (
        SELECT pd.name FROM property_description pd
        WHERE pd.deleted_at IS NULL AND pd.name <> '' AND (pd.code = pc.code OR pd.mahak_id::text = pc.code)
        ORDER BY pd.code IS NOT DISTINCT FROM pc.code DESC, pd.mahak_id LIMIT 1
    ) pn)"""

_WAREHOUSES_STOCK = """coalesce((SELECT sum(s.count1) FROM product_detail_stock s
    WHERE s.product_detail_id = d.mahak_id AND s.deleted_at IS NULL AND s.store_id = ANY(:stores)), 0)"""

_SELLABLE = """
SELECT d.mahak_id AS detail_id, c.product_id, c.name, c.code, c.category_id,
       coalesce({price}, 0) AS price_rial,
       {stock} AS stock_mahak, coalesce(h.reserved_qty, 0) AS reserved
FROM catalog_product c
JOIN product_detail d ON d.product_id = c.product_id
{link}
LEFT JOIN stock_hold h ON h.product_detail_id = d.mahak_id
WHERE c.live AND d.deleted_at IS NULL
  {filter}
"""


def stock_sql(rules: SyncSettings) -> str:
    """Mahak's stock of detail ``d`` (``d.mahak_id``) as a SQL expression (needs ``link`` for the visitor
    source and ``:stores`` for the stores source): the one definition checkout and catalogue share."""
    return "coalesce(link.count1, 0)" if rules.stock_source is StockSource.VISITOR_PRODUCT else _WAREHOUSES_STOCK


def sellable_sql(rules: SyncSettings, row_filter: str = "") -> str:
    """The query of sellable details (one row each), with ``row_filter`` ANDed in; see ``rule_params``."""
    return _SELLABLE.format(price=_PRICE, stock=stock_sql(rules), link=_LINK, filter=row_filter)


def rule_params(rules: SyncSettings) -> dict[str, Any]:
    codes = discount_codes(rules)
    return {
        "level": rules.price_level,
        "stores": list(rules.stock_store_ids),
        "disc_pct": codes.percent,
        "disc_amt": codes.amount,
        "disc_unit": codes.rial_per_unit,
    }


def discount_codes(rules: SyncSettings) -> DiscountCodes:
    return DiscountCodes(
        percent=rules.discount_percent_type,
        amount=rules.discount_amount_type,
        rial_per_unit=10 if rules.money_unit is MoneyUnit.TOMAN else 1,
    )


@dataclass(frozen=True)
class SellableDetail:
    detail_id: int
    product_id: int
    name: str
    code: str | None
    category_id: int | None
    price_rial: int
    #: As Mahak sent it (may be negative).
    stock_mahak: float
    #: Units the store holds for its own orders (reservations, paid, sent to Mahak but not invoiced).
    reserved: int = 0
    #: The variant by its Mahak property names (``رنگ: صورتی، سایز: XL``; '' without properties).
    variant: str = ""

    @property
    def stock_for_sale(self) -> int:
        """Whole units Mahak has for sale: negatives clamp to 0."""
        return stock.for_sale(self.stock_mahak)

    @property
    def available(self) -> int:
        """What a buyer may still reserve now."""
        return stock.available(self.stock_mahak, self.reserved)


async def sellable_details(
    conn: AsyncConnection, rules: SyncSettings, detail_ids: list[int] | None = None
) -> list[SellableDetail]:
    """Every detail on sale (or only ``detail_ids``), ordered by id, each with its variant label."""
    params = rule_params(rules)
    row_filter = ""
    if detail_ids is not None:
        row_filter = "AND d.mahak_id = ANY(:ids)"
        params["ids"] = detail_ids
    statement = f"""SELECT s.*, d.properties, {PROPERTY_NAMES} AS property_names
                    FROM ({sellable_sql(rules, row_filter)}) s
                    JOIN product_detail d ON d.mahak_id = s.detail_id ORDER BY s.detail_id"""
    rows = [dict(r) for r in (await conn.execute(sql(statement), params)).mappings()]
    fields = SellableDetail.__dataclass_fields__
    return [
        SellableDetail(
            **{k: r[k] for k in fields if k in r}, variant=variants.label_of(r["properties"], r["property_names"])
        )
        for r in rows
    ]


#: Page orders. Name and newest are ``catalog_entry``'s own (indexed), so a page reads the details of its own
#: rows only; the price orders need every match's details.
_SORTS = {
    #: A search's own order: exact name or code first, then names starting with the query, then the other
    #: matches (then, in a fuzzy pass, the near misses), each by trigram similarity to the query.
    "relevance": "rank, sim DESC, name, product_id",
    "name": "name, product_id",
    "newest": "product_id DESC",
    "price_asc": "min_price_rial, product_id",
    "price_desc": "max_price_rial DESC, product_id",
}
_ENTRY_SORTS = ("name", "newest", "relevance")

#: A product's sellable details summed up: its price range and what is left to sell (zero ``details`` if
#: it has none), and the list price (Price1, Mahak's first level) of its cheapest detail: when the store sells
#: at another level, the pages show that list price struck through. ``e`` is its ``catalog_entry``;
#: ``available`` is ``hamgam.domain.stock.available`` summed in SQL.
_OFFER = """SELECT min(s.price_rial) AS min_price_rial, max(s.price_rial) AS max_price_rial,
       sum(GREATEST(GREATEST(floor(s.stock_mahak)::bigint, 0) - s.reserved, 0))::bigint AS available,
       count(*) AS details,
       (array_agg(s.list_price_rial ORDER BY s.price_rial))[1] AS list_price_rial
FROM (SELECT coalesce({price}, 0) AS price_rial, {stock} AS stock_mahak, coalesce(h.reserved_qty, 0) AS reserved,
             d.prices_rial[1] AS list_price_rial
      FROM product_detail d
      {link}
      LEFT JOIN stock_hold h ON h.product_detail_id = d.mahak_id
      WHERE d.product_id = e.product_id AND d.deleted_at IS NULL) s"""

#: Listed products matching the filters, from ``catalog_entry`` (migration 0007: the products that are live,
#: not hidden and have a live detail with a live VisitorProduct link, with their display name and category).
_ENTRIES = "SELECT {columns} FROM catalog_entry e WHERE true {where}"
_ENTRY_COLUMNS = "e.product_id, e.name, e.code, e.category_id"

#: No filter on price or stock, name or newest order: the page is the entries' (by index), then the details
#: of its rows; matches are counted in the index, up to ``:scan`` (``complete``: all were counted).
_BY_ENTRY = """
SELECT n.found, n.found < :scan AS complete, page.* FROM (SELECT count(*) AS found FROM ({matches} LIMIT :scan) x) n
LEFT JOIN LATERAL (
  SELECT e.product_id, e.name, e.code, e.category_id, a.min_price_rial, a.max_price_rial, a.available, a.details,
       a.list_price_rial
  FROM ({ordered} OFFSET :offset LIMIT :limit) e
  CROSS JOIN LATERAL ({offer}) a
) page ON true
ORDER BY {order}
"""

#: A filter on price or stock, or a price order: each match's details are read, in the entries' order when
#: the page's order is theirs (``OFFSET 0`` keeps the subquery's order from being planned away), until
#: ``:scan`` pass.
_BY_OFFER = """
WITH m AS (
SELECT e.product_id, e.name, e.code, e.category_id, a.min_price_rial, a.max_price_rial, a.available, a.details,
       a.list_price_rial{extra}
FROM ({ordered}) e
CROSS JOIN LATERAL ({offer}) a
WHERE a.details > 0 {checks}
ORDER BY {order}
LIMIT :scan
)
SELECT n.found, n.found < :scan AS complete, page.* FROM (SELECT count(*) AS found FROM m) n
LEFT JOIN LATERAL (SELECT * FROM m ORDER BY {order} OFFSET :offset LIMIT :limit) page ON true
ORDER BY {order}
"""

#: Words, no filter on price or stock, name or newest order: the words' matches are found by index (a walk of
#: the name index for them, which the planner may choose, reads most of the catalogue for a rare word), then
#: counted, all of them, and sorted for the page.
_BY_WORDS = """
WITH f AS MATERIALIZED ({entries})
SELECT n.found, true AS complete, page.* FROM (SELECT count(*) AS found FROM f) n
LEFT JOIN LATERAL (
  SELECT e.product_id, e.name, e.code, e.category_id, a.min_price_rial, a.max_price_rial, a.available, a.details,
       a.list_price_rial
  FROM (SELECT * FROM f ORDER BY {order} OFFSET :offset LIMIT :limit) e
  CROSS JOIN LATERAL ({offer}) a
) page ON true
ORDER BY {order}
"""

#: Words, no filter on price or stock, relevance order: the matches are found by index and counted, all of
#: them, each with its tier (``rank``) and how many trigrams its name has (``name_trigrams``, migration 0024).
#: Similarity is computed for the first of them by tier and fewest trigrams (``head``, as many as the pages up
#: to this one hold), and then only for the other matches of the page's last tier whose trigram count lets
#: them reach ``s``, the lowest similarity of that tier in ``head``: a name of ``n`` trigrams scores at most
#: ``min(n, m) / max(n, m)`` against a query of ``m``, so at least ``s`` only if ``s * m <= n <= m / s``
#: (``cut``, widened a little so that rounding never drops a tie). Any match left out scores below every row
#: the page can show, so the page is the one that ordering every match would give.
_RELEVANCE_POOL = """
WITH f AS MATERIALIZED ({entries}),
head AS MATERIALIZED (
  SELECT h.*, similarity(h.name_search, :q) AS sim
  FROM (SELECT * FROM f ORDER BY f.rank, f.name_trigrams LIMIT :first) h
),
cut AS (
  SELECT c.rank, c.s * q.m * (1 - 1e-6) AS low,
         CASE WHEN c.s > 0 THEN q.m / c.s * (1 + 1e-6) ELSE CAST('Infinity' AS float8) END AS high
  FROM (SELECT rank, CAST(min(sim) AS float8) AS s FROM head GROUP BY rank ORDER BY rank DESC LIMIT 1) c
  CROSS JOIN (SELECT cardinality(show_trgm(:q)) AS m) q
),
pool AS (
  SELECT product_id, name, code, category_id, rank, sim FROM head
  UNION ALL
  SELECT f.product_id, f.name, f.code, f.category_id, f.rank, similarity(f.name_search, :q)
  FROM f JOIN cut ON f.rank = cut.rank AND f.name_trigrams BETWEEN cut.low AND cut.high
  WHERE f.product_id NOT IN (SELECT product_id FROM head)
)"""
_BY_RELEVANCE = (
    _RELEVANCE_POOL
    + """
SELECT n.found, true AS complete, page.* FROM (SELECT count(*) AS found FROM f) n
LEFT JOIN LATERAL (
  SELECT e.product_id, e.name, e.code, e.category_id, a.min_price_rial, a.max_price_rial, a.available, a.details,
       a.list_price_rial, e.rank, e.sim
  FROM (SELECT * FROM pool ORDER BY {order} OFFSET :offset LIMIT :limit) e
  CROSS JOIN LATERAL ({offer}) a
) page ON true
ORDER BY {order}
"""
)

#: A search's ranking alone (``search_ranking``): ``_BY_RELEVANCE``'s order over its first ``:first`` matches
#: (their ids, in page order) and the count of all, without reading any offer.
_RANKING = (
    _RELEVANCE_POOL
    + """
SELECT (SELECT count(*) FROM f) AS found, ARRAY(SELECT product_id FROM pool ORDER BY {order} LIMIT :first) AS ids
"""
)

#: The offers of given listed products, in the order given (``:ids``; a product no longer listed has no
#: ``catalog_entry`` row and drops out): the columns of a search's page.
_OFFERS_OF = """
SELECT e.product_id, e.name, e.code, e.category_id, a.min_price_rial, a.max_price_rial, a.available, a.details,
       a.list_price_rial
FROM unnest(CAST(:ids AS bigint[])) WITH ORDINALITY k(product_id, ord)
JOIN catalog_entry e ON e.product_id = k.product_id
CROSS JOIN LATERAL ({offer}) a
ORDER BY k.ord
"""

#: The fuzzy pass's candidates: names with a word this close to the searched word (pg_trgm's
#: ``word_similarity``, operator ``<%``, answered by the trigram index). One letter missing from a six-letter
#: Persian word scores 0.44 and one extra in a four-letter word 0.4, so pg_trgm's default (0.6) misses them;
#: this lower bound lets them through and ``_ONE_TYPO`` then keeps only the names with a word (or the start of
#: one) at most one edit away.
WORD_SIMILARITY = 0.35
#: Shorter words are matched plainly only: one edit away from a two-letter word is almost any word.
FUZZY_MIN_CHARS = 3

#: The settings of the connections these reads run on (``engine.create_read_engine``), for their whole life:
#: - custom plans: PostgreSQL switches a prepared statement (asyncpg prepares each one) to a generic plan after
#:   five runs when that looks no dearer; for the catalogue query, whose best plan depends on how many rows a
#:   word or a category matches, that made a rare word's search 10x slower and a category page 20x;
#: - the fuzzy pass's ``<%`` bound, ``WORD_SIMILARITY`` (no other read uses that operator).
SESSION_SETTINGS = {
    "plan_cache_mode": "force_custom_plan",
    "pg_trgm.word_similarity_threshold": str(WORD_SIMILARITY),
}


@functools.lru_cache(maxsize=512)
def sql(statement: str) -> TextClause:
    """``text(statement)``, made once per statement: parsing a catalogue statement's bind parameters cost 6-9 %
    of a catalogue request's CPU. A few hundred shapes exist (number of words, one or more categories, order)."""
    return text(statement)


#: A search's relevance (``_SORTS["relevance"]``), as columns of ``catalog_entry`` row ``e``: ``rank`` 0 for the
#: exact name or code, 1 for a name starting with the query, 2 for the other plain matches, 3 for near misses
#: (fuzzy pass); ``sim`` (``_SIMILARITY``), the name's trigram similarity to the query. ``name_search`` is the
#: normalised name and code (``transformer._product``), so the exact name is also matched followed by the code.
_RANK = """, CASE WHEN lower(e.code) = :q OR e.name_search = :q OR e.name_search = :q || ' ' || lower(e.code)
                 THEN 0
                 WHEN e.name_search LIKE :q_prefix THEN 1
                 WHEN {plain} THEN 2 ELSE 3 END AS rank"""
_SIMILARITY = ", similarity(e.name_search, :q) AS sim"


async def search_products(conn: AsyncConnection, rules: SyncSettings, query: ProductQuery) -> ProductPage:
    """A page of sellable products matching ``query`` (one row each) and how many match: a search by words
    alone counts every match; other listings count up to ``query.count_limit`` (or the page's end).

    Each search term must occur in the normalised name (LIKE on ``name_search``, trigram-indexed: both are
    lower-cased by ``normalize_text``) or equal the product code. Price bounds apply to the product's cheapest
    detail. ``conn`` has ``SESSION_SETTINGS`` (custom plans: a plan made for one search word or category would be
    reused for another of very different size).
    """
    statement, params = products_statement(rules, query)
    rows = [dict(r) for r in (await conn.execute(sql(statement), params)).mappings()]
    page = products_page(rows, query)
    if query.terms and page.total < query.fuzzy_below:
        # few plain matches: search again letting each word be one typo away (trigram index, ``<%``)
        statement, params = products_statement(rules, query, fuzzy=True)
        rows = [dict(r) for r in (await conn.execute(sql(statement), params)).mappings()]
        page = products_page(rows, query)
    return page


async def search_ranking(conn: AsyncConnection, rules: SyncSettings, query: ProductQuery, cap: int) -> Ranking:
    """``CatalogRepository.ranking``: the relevance order ``search_products`` pages ``query`` by (``query`` a
    search by words in relevance order without a price or stock filter), its first ``cap`` ids and the exact
    count, the fuzzy pass taken as ``search_products`` takes it."""
    ranking = await _ranking(conn, rules, query, cap, fuzzy=False)
    if ranking.total < query.fuzzy_below:
        ranking = await _ranking(conn, rules, query, cap, fuzzy=True)
    return ranking


async def _ranking(
    conn: AsyncConnection, rules: SyncSettings, query: ProductQuery, cap: int, *, fuzzy: bool
) -> Ranking:
    statement, params = products_statement(rules, query, fuzzy=fuzzy, ranking_cap=cap)
    row = (await conn.execute(sql(statement), params)).one()
    return Ranking(tuple(row.ids), int(row.found), fuzzy)


async def offers_of(conn: AsyncConnection, rules: SyncSettings, product_ids: Sequence[int]) -> list[dict[str, Any]]:
    """``CatalogRepository.offers``: the page rows of the listed products among ``product_ids``, in that order."""
    if not product_ids:
        return []
    params = rule_params(rules) | {"ids": list(product_ids)}
    rows = await conn.execute(sql(_OFFERS_OF.format(offer=offer_sql(rules))), params)
    return [dict(r) for r in rows.mappings()]


def offer_sql(rules: SyncSettings) -> str:
    """The offer of the ``catalog_entry`` row ``e`` (``_OFFER``: price range, list price, units left to sell),
    as a subquery for ``CROSS JOIN LATERAL``; needs ``rule_params``."""
    return _OFFER.format(price=_PRICE, stock=stock_sql(rules), link=_LINK)


#: A word of the name ``e`` (or its start, as typed so far) one letter wrong, missing or extra from term ``{t}``
#: (Levenshtein distance, fuzzystrmatch: migration 0018).
_ONE_TYPO = """({t} <% e.name_search AND EXISTS (
    SELECT 1 FROM unnest(string_to_array(e.name_search, ' ')) w
    WHERE levenshtein(w, {t}) <= 1 OR levenshtein(left(w, char_length({t})), {t}) <= 1))"""


def _like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def products_statement(
    rules: SyncSettings, query: ProductQuery, *, fuzzy: bool = False, ranking_cap: int | None = None
) -> tuple[str, dict[str, Any]]:
    """The statement behind ``search_products`` and its parameters. ``fuzzy``: a word also matches a name having
    a word within ``WORD_SIMILARITY`` of it (``SESSION_SETTINGS``), each such row ranked after the plain
    matches. ``ranking_cap`` (a search by words in relevance order, no price or stock filter): instead of a
    page, ``_RANKING``'s one row, the first ``ranking_cap`` ids and the count."""
    params = rule_params(rules) | {"offset": query.offset, "limit": query.limit, "scan": query.scan}
    where: list[str] = []
    plain: list[str] = []
    for i, term in enumerate(query.terms):
        params[f"t{i}"] = "%" + _like(term) + "%"
        params[f"c{i}"] = term
        # LIKE, not ILIKE: the name and the term are both lower-cased already (``normalize_text``), and ILIKE
        # lower-cased every candidate row again (a third of a broad word's search)
        match = f"(e.name_search LIKE :t{i} OR lower(e.code) = :c{i})"
        plain.append(match)
        fuzzy_match = f"(e.name_search LIKE :t{i} OR lower(e.code) = :c{i} OR {_ONE_TYPO.format(t=f':c{i}')})"
        where.append(f"AND {fuzzy_match if fuzzy and len(term) >= FUZZY_MIN_CHARS else match}")
    categories = list(query.category_ids) if query.category_ids is not None else None
    if categories is not None:
        # one category by equality, so that its (category, name) and (category, id) indexes give the order
        if len(categories) == 1:
            params["cat"] = categories[0]
            where.append("AND e.category_id = :cat")
        else:
            params["cats"] = categories
            where.append("AND e.category_id = ANY(:cats)")
    if query.product_ids is not None:
        params["pids"] = list(query.product_ids)
        where.append("AND e.product_id = ANY(:pids)")
    checks: list[str] = []
    if query.min_price_rial is not None:
        params["min_p"] = query.min_price_rial
        checks.append("AND a.min_price_rial >= :min_p")
    if query.max_price_rial is not None:
        params["max_p"] = query.max_price_rial
        checks.append("AND a.min_price_rial <= :max_p")
    if query.in_stock:
        checks.append("AND a.available > 0")
    sort = query.sort if query.sort in _SORTS else "name"
    if sort == "relevance" and not query.terms:
        sort = "name"
    order = _SORTS[sort]
    offer = offer_sql(rules)
    by_entry = not checks and sort in _ENTRY_SORTS
    columns, extra = _ENTRY_COLUMNS, ""
    if sort == "relevance":
        whole = " ".join(query.terms)
        params["q"], params["q_prefix"] = whole, _like(whole) + "%"
        columns += _RANK.format(plain=" AND ".join(plain) if fuzzy else "true")
        if by_entry:
            params["first"] = query.offset + query.limit if ranking_cap is None else ranking_cap
            entries = _ENTRIES.format(columns=columns + ", e.name_search, e.name_trigrams", where=" ".join(where))
            template = _BY_RELEVANCE if ranking_cap is None else _RANKING
            return template.format(entries=entries, order=order, offer=offer), params
        columns += _SIMILARITY
        extra = ", e.rank, e.sim"
    if ranking_cap is not None:
        raise ValueError("a ranking is a search by words in relevance order without a price or stock filter")
    entries = _ENTRIES.format(columns=columns, where=" ".join(where))
    if by_entry and query.terms:
        return _BY_WORDS.format(entries=entries, order=order, offer=offer), params
    if sort not in _ENTRY_SORTS:
        ordered = entries
    elif query.terms:  # as in _BY_WORDS
        ordered = f"SELECT * FROM ({entries} OFFSET 0) e ORDER BY {order}"
    elif by_entry and categories is not None and len(categories) > 1:
        # a parent category: the first rows of each of its categories (in index order), merged
        params["first"] = query.offset + query.limit
        one = _ENTRIES.format(columns=_ENTRY_COLUMNS, where="AND e.category_id = c.id")
        ordered = (
            f"SELECT e.* FROM unnest(CAST(:cats AS bigint[])) c(id) "
            f"CROSS JOIN LATERAL ({one} ORDER BY {order} LIMIT :first) e ORDER BY {order}"
        )
    else:
        ordered = f"{entries} ORDER BY {order}"
    if by_entry:
        matches = _ENTRIES.format(columns="1", where=" ".join(where))
        return _BY_ENTRY.format(matches=matches, ordered=ordered, order=order, offer=offer), params
    if sort in _ENTRY_SORTS:
        ordered += " OFFSET 0"
    return (
        _BY_OFFER.format(ordered=ordered, offer=offer, checks=" ".join(checks), order=order, extra=extra),
        params,
    )


def products_page(rows: list[dict[str, Any]], query: ProductQuery) -> ProductPage:
    """``search_products``'s answer from the rows of ``products_statement``."""
    counts = ("found", "complete", "rank", "sim")
    items = [{k: v for k, v in r.items() if k not in counts} for r in rows if r["product_id"] is not None]
    if not rows or rows[0]["complete"]:
        return ProductPage(items, int(rows[0]["found"]) if rows else 0, True)
    return ProductPage(items, query.scan - 1, False)


async def category_nodes(conn: AsyncConnection) -> list[dict[str, Any]]:
    """The category tree's nodes (ExtraData 130) as ``{code, name, parent_code}``; when Mahak has no tree,
    the flat ProductCategory list."""
    rows = await conn.execute(
        text(
            f"""SELECT DISTINCT ON (code) code, name, parent_code FROM (
                  SELECT (data->>'CategoryCode')::bigint AS code, data->>'CategoryName' AS name,
                         CASE WHEN data->>'ParentCode' ~ '^[0-9]{{1,18}}$' THEN (data->>'ParentCode')::bigint END
                           AS parent_code, row_version
                  FROM extra_data WHERE item_type = {EXTRA_CATEGORY_NODE} AND deleted_at IS NULL
                    AND data->>'CategoryCode' ~ '^[0-9]{{1,18}}$') n
                ORDER BY code, row_version DESC"""
        )
    )
    # plain tuples: building a RowMapping per node cost more than the query itself on every filtered listing
    nodes = [{"code": code, "name": name, "parent_code": parent} for code, name, parent in rows]
    if nodes:
        return nodes
    flat = await conn.execute(
        text(
            "SELECT mahak_id AS code, name, NULL::bigint AS parent_code FROM product_category "
            "WHERE deleted_at IS NULL ORDER BY mahak_id"
        )
    )
    return [{"code": code, "name": name, "parent_code": parent} for code, name, parent in flat]


async def product_details(conn: AsyncConnection, rules: SyncSettings, product_id: int) -> list[dict[str, Any]]:
    """The sellable details of one product with their properties and their names (``PROPERTY_NAMES``),
    barcode and Price1..Price10, in one statement."""
    params = rule_params(rules) | {"pid": product_id}
    sellable = sellable_sql(rules, "AND c.product_id = :pid")
    statement = f"""SELECT s.*, d.properties, {PROPERTY_NAMES} AS property_names, d.barcode, d.prices_rial
                    FROM ({sellable}) s
                    JOIN product_detail d ON d.mahak_id = s.detail_id ORDER BY s.detail_id"""
    return [dict(r) for r in (await conn.execute(sql(statement), params)).mappings()]


#: A product's store-owned fields, Mahak's text and, as ``pictures``, its live gallery pictures in gallery order
#: (one statement, one round trip).
_EXTRAS = text("""
SELECT p.mahak_id AS product_id, c.unit_name, c.unit_name2, c.mahak_description, c.tags,
       p.deleted_at IS NOT NULL AS deleted,
       l.slug, l.description, l.seo_title, l.seo_description,
       CASE WHEN l.product_id IS NULL THEN '[]'::jsonb ELSE l.images END AS images,
       coalesce(l.hidden, false) AS hidden, coalesce(l.featured, false) AS featured,
       coalesce((SELECT jsonb_agg(jsonb_build_object('id', pic.mahak_id, 'url', pic.url, 'file_name', pic.file_name,
                                                     'width', pic.width, 'height', pic.height) ORDER BY g.mahak_id)
                 FROM photo_gallery g JOIN picture pic ON pic.mahak_id = g.picture_id
                 WHERE g.entity_type = 102 AND g.item_code = p.mahak_id AND g.deleted_at IS NULL
                   AND pic.deleted_at IS NULL), '[]'::jsonb) AS pictures
FROM product p JOIN catalog_product c ON c.product_id = p.mahak_id
LEFT JOIN product_listing l ON l.product_id = p.mahak_id
WHERE p.mahak_id = :pid""")


async def product_extras(conn: AsyncConnection, product_id: int) -> dict[str, Any]:
    """Store-owned fields (listing), Mahak's own text (a staff override instead of Mahak's value: migration
    0021's ``catalog_product``) and pictures of a product, whatever its visibility."""
    row = (await conn.execute(_EXTRAS, {"pid": product_id})).mappings().first()
    if row is None:
        return {}
    return dict(row) | {"images": listing_images(row["images"], product_id)}


def listing_images(value: Any, product_id: int) -> list[dict[str, str]]:
    """A product's stored ``product_listing.images`` (of an existing listing row: the column is never SQL
    NULL, so ``None`` is a stored JSON null) as its well-formed image entries. A bad row (JSON null,
    not a list, entries that are not objects of text) is logged with the product id and what can be read of
    it is kept: it never fails the page or job reading it."""
    entries, dropped = image_entries(value)
    if dropped:
        log.warning("catalog.bad_listing_images", product_id=product_id, stored=repr(value)[:200])
    return entries


#: The catalogue export's rows (``export_page``): every product that is not deleted, listed or not, with its
#: display name (staff's override) beside Mahak's, its cheapest live detail's price at the store's level and that
#: detail's list price (Price1), what is left to sell (``_OFFER``'s ``available``, over the details with a link),
#: whether the storefront lists it (``catalog_entry``), its flags and which fields staff overrode. Keyset paged.
_EXPORT = """
SELECT c.product_id, c.code, c.name, p.name AS mahak_name, c.category_id,
       e.product_id IS NOT NULL AS visible, coalesce(l.hidden, false) AS hidden,
       coalesce(l.featured, false) AS featured,
       o.price_rial, o.list_price_rial, coalesce(o.available, 0) AS available,
       coalesce((SELECT array_agg(ov.field ORDER BY ov.field) FROM product_override ov
                 WHERE ov.product_id = c.product_id), '{{}}') AS overrides
FROM catalog_product c
JOIN product p ON p.mahak_id = c.product_id
LEFT JOIN product_listing l ON l.product_id = c.product_id
LEFT JOIN catalog_entry e ON e.product_id = c.product_id
LEFT JOIN LATERAL (
  SELECT min(s.price_rial) AS price_rial, (array_agg(s.list_price_rial ORDER BY s.price_rial))[1] AS list_price_rial,
         sum(GREATEST(GREATEST(floor(s.stock_mahak)::bigint, 0) - s.reserved, 0)) FILTER (WHERE s.linked)::bigint
           AS available
  FROM (SELECT coalesce({price}, 0) AS price_rial, d.prices_rial[1] AS list_price_rial, {stock} AS stock_mahak,
               coalesce(h.reserved_qty, 0) AS reserved, link.linked
        FROM product_detail d
        LEFT JOIN LATERAL (SELECT vl.count1, true AS linked FROM catalog_live_link vl
                           WHERE vl.product_detail_id = d.mahak_id ORDER BY vl.row_version DESC LIMIT 1) link ON true
        LEFT JOIN stock_hold h ON h.product_detail_id = d.mahak_id
        WHERE d.product_id = c.product_id AND d.deleted_at IS NULL) s
) o ON true
WHERE p.deleted_at IS NULL AND c.product_id > :after
ORDER BY c.product_id
LIMIT :limit
"""


async def export_page(conn: AsyncConnection, rules: SyncSettings, after: int, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` products of the catalogue export (``_EXPORT``) after product id ``after``, by id."""
    statement = _EXPORT.format(price=_PRICE, stock=stock_sql(rules))
    params = rule_params(rules) | {"after": after, "limit": limit}
    return [dict(r) for r in (await conn.execute(sql(statement), params)).mappings()]
