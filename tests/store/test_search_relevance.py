"""Search relevance and one-typo tolerance on PostgreSQL (pg_trgm): exact name or code first, then names starting
with the query, then the other matches; a word one letter wrong, missing or extra still finds the product, but
only when the plain match finds few products."""

from __future__ import annotations

from sqlalchemy import text

from hamgam.bootstrap import catalog_reads
from hamgam.domain.persian import normalize_text
from hamgam.services.store.catalog import FUZZY_BELOW, CatalogService
from tests.store.conftest import StoreWorld, seed_product


async def seed(world: StoreWorld, product_id: int, name: str, code: str | None = None) -> None:
    """A product on sale, its search key as the sync writes it (the normalised name and code)."""
    await seed_product(world.engine, product_id, name, code=code)
    async with world.engine.begin() as conn:
        await conn.execute(
            text("UPDATE product SET name_search = :s WHERE mahak_id = :p"),
            {"s": normalize_text(f"{name} {code or ''}"), "p": product_id},
        )


async def found(world: StoreWorld, q: str, **kw) -> list[int]:
    return [p["product_id"] for p in (await world.core.catalog.search(q=q, sort="relevance", **kw))["items"]]


async def test_exact_before_prefix_before_other_matches(world: StoreWorld) -> None:
    # given (seeded in the reverse order, and the names' own order is not the relevance order)
    await seed(world, 1, "آبکش و قابلمه استیل", "A1")
    await seed(world, 2, "قابلمه رویی", "A2")
    await seed(world, 3, "قابلمه", "A3")
    await seed(world, 4, "کتری برقی", "A4")
    # when searching the name, then then the code
    # then the exact name comes first, then the name starting with it, then the one containing it
    assert await found(world, "قابلمه") == [3, 2, 1]
    assert (await found(world, "a2"))[0] == 2
    # and Arabic spellings are the same query
    assert await found(world, "قابلمه"[:4] + "مه") == [3, 2, 1]


async def test_one_typo_still_finds_the_product(world: StoreWorld) -> None:
    await seed(world, 1, "قابلمه")
    await seed(world, 2, "قابلمه رویی")
    await seed(world, 3, "کتری برقی")
    # a letter wrong (ع for ه), one extra, one missing inside the word: the pots, closest first; never the kettle
    assert await found(world, "قابلمع") == [1, 2]
    assert await found(world, "قابلمهه") == [1, 2]
    assert await found(world, "قالمه") == [1, 2]
    # a word nothing is near finds nothing
    assert await found(world, "دوچرخه") == []


async def test_fuzzy_matches_come_after_plain_ones_and_only_when_few_match(world: StoreWorld) -> None:
    # given one product named with a near spelling and fewer plain matches than the fallback's bound
    await seed(world, 10, "کتاری")
    for i in range(FUZZY_BELOW - 1):
        await seed(world, 20 + i, f"کتری مدل {i}")
    # then the near miss is found too, after every plain match
    results = await found(world, "کتری")
    assert results[-1] == 10 and len(results) == FUZZY_BELOW
    # when enough products match plainly, the fallback does not run: the near miss is not listed (asked of a
    # fresh catalogue: the first keeps the word's ranking for a while, tests/store/test_search_cache.py)
    await seed(world, 30, "کتری مدل ۹")
    fresh = CatalogService(catalog_reads(world.read_engine, world.settings.sync))
    assert 10 not in [p["product_id"] for p in (await fresh.search(q="کتری", sort="relevance"))["items"]]


async def test_relevance_with_a_filter_and_on_a_category_page(world: StoreWorld) -> None:
    await seed(world, 1, "آبکش و قابلمه استیل")
    await seed(world, 2, "قابلمه")
    # a price filter goes through the offers path and keeps the order
    assert await found(world, "قابلمه", in_stock=True) == [2, 1]
    # without words, relevance is the name order
    assert [p["product_id"] for p in (await world.core.catalog.search(sort="relevance"))["items"]] == [1, 2]


async def test_every_page_is_cut_from_the_order_of_all_matches(world: StoreWorld) -> None:
    # given matches of one tier (none starts with the word) whose similarity does not follow their length: the
    # fewest trigrams (9) score lowest, as the word is inside another, and two names tie at exactly 1/3
    await seed(world, 1, "زقابلمهز")  # 9 trigrams, similarity 4/12
    await seed(world, 2, "آبکش قابلمه")  # 12, 7/12
    await seed(world, 3, "آبکس قابلمه")  # 12, 7/12
    await seed(world, 4, "کتری و قابلمه")  # 14, 7/14
    await seed(world, 5, "بشقاب قابلمه لیوانهای")  # 21, 7/21: the most trigrams, tied with the fewest
    await seed(world, 6, "قابلمه بزرگ")  # starts with the word: before them all
    expected = [6, 3, 2, 4, 5, 1]  # then by similarity, a tie by name
    # when the matches are read a page of one at a time, or all at once
    pages = [await found(world, "قابلمه", page=n, per_page=1) for n in range(1, 7)]
    # then each page holds what the whole order puts there
    assert [p for page in pages for p in page] == expected
    assert await found(world, "قابلمه") == expected


async def test_a_query_without_letters_or_digits_pages_its_matches_by_name(world: StoreWorld) -> None:
    # given two names holding a query that has no trigrams: every similarity is 0, a tie
    await seed(world, 1, "ب ++")  # the fewest trigrams
    await seed(world, 2, "الف ++ بلند")
    # then each page is cut from the name order
    assert [await found(world, "++", page=n, per_page=1) for n in (1, 2)] == [[2], [1]]
