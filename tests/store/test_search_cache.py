"""A search by words in relevance order keeps its ranking (which products, in which order, how many) for a while
and reads only its page's offers: the pages are those of the full statement, prices and stock are read fresh,
and the ranking follows the names once it expires (``CatalogService``'s ranking cache, on PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from hamgam.bootstrap import catalog_reads
from hamgam.services.store import catalog as catalog_module
from hamgam.services.store.catalog import FUZZY_BELOW, SEARCH_TTL_S, CatalogService
from tests.store.conftest import StoreWorld, scalar
from tests.store.test_search_relevance import seed


class Clock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def catalogue(world: StoreWorld, clock: Clock | None = None, *, cached: bool = True) -> CatalogService:
    reads = catalog_reads(world.read_engine, world.settings.sync)
    return CatalogService(reads, search_ttl_s=SEARCH_TTL_S if cached else 0.0, clock=clock or Clock())


async def search(catalog: CatalogService, q: str, **kw: Any) -> dict[str, Any]:
    return await catalog.search(q=q, sort="relevance", **kw)


def ids(page: dict[str, Any]) -> list[int]:
    return [p["product_id"] for p in page["items"]]


async def seed_pots(world: StoreWorld, count: int) -> None:
    """``count`` matches of ``قابلمه`` over every tier: the exact name, names starting with it, names holding it
    (of several lengths, so their similarities differ), in two categories."""
    await seed(world, 1, "قابلمه")
    for i in range(2, count + 1):
        name = f"قابلمه مدل {i}" if i % 3 == 0 else f"{'آبکش ' * (i % 4)}و قابلمه استیل {i}"
        await seed(world, i, name)
    async with world.engine.begin() as conn:
        await conn.execute(text("UPDATE product SET category_id = 7 WHERE mahak_id % 2 = 0"))


async def test_the_cached_pages_are_the_full_statement_s(world: StoreWorld) -> None:
    # given 23 matches, searched by a catalogue that keeps rankings and one that reads every search whole
    await seed_pots(world, 23)
    await seed(world, 99, "کتری برقی")
    cached, whole = catalogue(world), catalogue(world, cached=False)
    # then every page (the last partial, one beyond the end) is the same, twice over (the second from the cache)
    for _ in range(2):
        for page in (1, 2, 3, 4, 5, 6):
            for kw in ({}, {"category": 7}):
                assert await search(cached, "قابلمه", page=page, per_page=5, **kw) == await search(
                    whole, "قابلمه", page=page, per_page=5, **kw
                )
    assert (await search(cached, "قابلمه"))["total"] == 23
    assert (await search(cached, "قابلمه", category=7))["total"] == 11


async def test_a_price_shows_at_once_and_a_rename_once_the_ranking_expires(world: StoreWorld) -> None:
    # given a word's ranking read once
    await seed_pots(world, 6)
    clock = Clock()
    catalog = catalogue(world, clock)
    before = await search(catalog, "قابلمه")
    assert 4 in ids(before) and before["total"] == 6
    # when one match is renamed out of the word and another's price changes
    async with world.engine.begin() as conn:
        await conn.execute(text("UPDATE product SET name = 'کتری', name_search = 'کتری' WHERE mahak_id = 4"))
        await conn.execute(text("UPDATE product_detail SET prices_rial[1] = 777 WHERE product_id = 5"))
    # then the price is the new one at once, while the ranking is the one kept (the renamed row under its new name)
    during = await search(catalog, "قابلمه")
    assert ids(during) == ids(before) and during["total"] == 6
    assert next(p for p in during["items"] if p["product_id"] == 5)["min_price_rial"] == 777
    assert next(p for p in during["items"] if p["product_id"] == 4)["name"] == "کتری"
    # and once the ranking expires the renamed product is gone, as the full statement says
    clock.now += SEARCH_TTL_S + 1
    after = await search(catalog, "قابلمه")
    assert 4 not in ids(after) and after["total"] == 5
    assert after == await search(catalogue(world, cached=False), "قابلمه")


async def test_a_product_no_longer_listed_ranks_the_word_again_at_once(world: StoreWorld) -> None:
    # given a word's ranking read once
    await seed_pots(world, 8)
    catalog = catalogue(world)
    assert 3 in ids(await search(catalog, "قابلمه", per_page=4))
    # when a product of the first page is deleted (it leaves the listing) and a new match is added
    async with world.engine.begin() as conn:
        await conn.execute(text("UPDATE product SET deleted_at = now() WHERE mahak_id = 3"))
    await seed(world, 50, "قابلمه مدل ۵۰")
    # then the page is ranked again: full, without it, with the new match counted
    page = await search(catalog, "قابلمه", per_page=4)
    assert 3 not in ids(page) and len(page["items"]) == 4 and page["total"] == 8
    assert page == await search(catalogue(world, cached=False), "قابلمه", per_page=4)


async def test_the_fuzzy_pass_is_kept_too(world: StoreWorld) -> None:
    # given a near spelling found by the fuzzy pass (fewer plain matches than its bound)
    await seed(world, 10, "کتاری")
    for i in range(FUZZY_BELOW - 1):
        await seed(world, 20 + i, f"کتری مدل {i}")
    clock = Clock()
    catalog = catalogue(world, clock)
    first = await search(catalog, "کتری")
    assert ids(first)[-1] == 10 and first["total"] == FUZZY_BELOW
    # when enough products come to match plainly, the kept ranking (fuzzy) still answers
    await seed(world, 30, "کتری مدل ۹")
    assert ids(await search(catalog, "کتری")) == ids(first)
    # then once it expires the plain pass answers, without the near miss
    clock.now += SEARCH_TTL_S + 1
    after = await search(catalog, "کتری")
    assert 10 not in ids(after) and 30 in ids(after)
    assert after == await search(catalogue(world, cached=False), "کتری")


async def test_a_page_beyond_the_kept_ids_is_read_by_the_full_statement(
    world: StoreWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given rankings that keep only their first 7 ids, of 17 matches
    monkeypatch.setattr(catalog_module, "SEARCH_RANKED_IDS", 7)
    await seed_pots(world, 17)
    cached, whole = catalogue(world), catalogue(world, cached=False)
    # then the pages within them and beyond them (one straddling the cap) are the full statement's
    for page in (1, 2, 3, 4, 5):
        assert await search(cached, "قابلمه", page=page, per_page=4) == await search(
            whole, "قابلمه", page=page, per_page=4
        )
    assert (await search(cached, "قابلمه", page=5, per_page=4))["items"]
    assert await scalar(world.engine, "SELECT count(*) FROM catalog_entry") == 17
