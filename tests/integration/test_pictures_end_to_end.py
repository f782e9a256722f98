"""Mahak's pictures from the simulator to the product page: the sync brings Picture and PhotoGallery rows, the
batch workers announce them, the pictures consumers fetch and list them; a picture changed in Mahak replaces the
old one, an unlinked one leaves the page. No periodic job runs here: only the sync's own path."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest

from hamgam.bootstrap import Container, build
from hamgam.domain.sync.entities import SYNC_ORDER
from hamgam.entrypoints.api.app import create_app
from hamgam.settings import StorageSettings
from hamgam_sim.mahak.server import RunningSimulator
from tests.integration.conftest import delete_test_queues, sync_settings

#: Generous bound for the consumers to settle what the sync announced.
SETTLE_S = 60.0


@pytest.fixture
def make_shop(
    request: pytest.FixtureRequest, database_url: str, queue_prefix: str, queue_kind: str, tmp_path: Path
) -> Callable[[str], Any]:
    rabbitmq_url = request.getfixturevalue("rabbitmq_url") if queue_kind == "rabbitmq" else None

    @asynccontextmanager
    async def make(mahak_url: str) -> AsyncIterator[Container]:
        settings = sync_settings(database_url, mahak_url, rabbitmq_url, queue_prefix).model_copy(
            update={"storage": StorageSettings(backend="memory"), "data_dir": tmp_path}
        )
        container = await build(settings)
        batches, pictures = container.worker(), container.picture_worker()
        assert pictures is not None
        tasks = [asyncio.create_task(batches.run()), asyncio.create_task(pictures.run())]
        try:
            yield container
        finally:
            batches.stop()
            pictures.stop()
            await asyncio.wait_for(asyncio.gather(*tasks), 120)
            await delete_test_queues(container)
            await container.aclose()

    return make


async def until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + SETTLE_S
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {SETTLE_S} s: {what}")
        await asyncio.sleep(0.2)


def _media(page: str, product_id: int) -> set[str]:
    return set(re.findall(rf"/media/(m/{product_id}/\d+-[0-9a-f]+)/\d+\.webp", page))


async def test_pictures_reach_the_product_page_and_follow_mahak(
    fresh_mahak: RunningSimulator, make_shop: Callable[[str], Any]
) -> None:
    control = fresh_mahak.control
    gallery = next(g for g in control.rows("PhotoGallery", live=True) if g["EntityType"] == 102)
    product_id, picture_id = int(gallery["ItemCode"]), int(gallery["PictureId"])
    async with make_shop(fresh_mahak.base_url) as shop:
        images = shop.images
        assert images is not None
        # when: the first sync runs (no pictures job anywhere)
        for entity in SYNC_ORDER:
            await shop.fetcher.run(entity.name)

        async def listed() -> list[dict[str, Any]]:
            return [e for e in await images.images(product_id) if e.get("picture_id") == str(picture_id)]

        async def shown() -> bool:
            return any("error" not in e for e in await listed())

        await until(shown, "the picture is listed")
        # then: the product page shows it in every width, served from the object store as a real picture
        async with httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=create_app(shop)), base_url="http://shop.test"
        ) as http:
            page = (await http.get(f"/product/{product_id}")).text
            keys = _media(page, product_id)
            assert len(keys) == 1, keys
            (first,) = keys
            assert first.startswith(f"m/{product_id}/{picture_id}-")
            served = await http.get(f"/media/{first}/480.webp")
            assert served.status_code == 200 and served.content[8:12] == b"WEBP"
            assert len(served.content) > 1000  # a drawn card, not a 16 px square

            # when: Mahak's picture changes (a new file for the same picture row)
            control.upsert_rows(
                "Picture",
                [
                    {
                        "PictureId": picture_id,
                        "FileName": f"v2-{product_id}.png",
                        "Url": f"/Content/Images/all/v2-{product_id}.png",
                    }
                ],
            )
            await shop.fetcher.run("Picture")

            async def replaced() -> bool:
                entries = await listed()
                return len(entries) == 1 and entries[0].get("key") != first and "error" not in entries[0]

            await until(replaced, "the changed picture replaces the old one")
            page = (await http.get(f"/product/{product_id}")).text
            (second,) = _media(page, product_id)
            assert second != first
            assert (await http.get(f"/media/{first}/480.webp")).status_code == 404

            # when: Mahak unlinks the picture from the product
            control.delete_rows("PhotoGallery", [int(gallery["PhotoGalleryId"])])
            await shop.fetcher.run("PhotoGallery")

            async def removed() -> bool:
                return not await listed()

            await until(removed, "the unlinked picture leaves the product")
            page = (await http.get(f"/product/{product_id}")).text
            assert _media(page, product_id) == set()
            assert (await http.get(f"/media/{second}/480.webp")).status_code == 404
