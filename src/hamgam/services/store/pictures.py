"""Mahak's product pictures follow the sync: each applied Picture, PhotoGallery or Product batch announces the
pictures (or products) it touched on the pictures topic, and the pictures consumers bring those up to date
(``ImageService.sync_picture``: fetched, resized, stored, listed; replaced when Mahak changed the picture; removed
when Mahak deleted it or its gallery link).

The consumers run on the shared consumer pool (``hamgam.services.messaging``): a download that fails for a passing
reason goes through the retry tiers, a picture that is not an image (or that kept failing) becomes a dead letter
that staff can replay. The periodic catch-up pass (``ImageService.attach_mahak_pictures``) picks up anything a
message could not settle (a product deleted and restored, a vanished row).
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
import structlog

from hamgam.domain.dead_letters import FailedMessage
from hamgam.domain.errors import MalformedMessage
from hamgam.domain.sync.batch import Batch
from hamgam.ports import Delivery, MessageQueue
from hamgam.ports.catalog import CatalogUnitOfWork, PictureSource
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.services.messaging.consumer_pool import ConsumerPool
from hamgam.services.messaging.retry_policy import Decision
from hamgam.services.store.images import ImageService

log = structlog.get_logger(__name__)

PICTURES_TOPIC = "sync.pictures"
#: Products named in one message (a Product batch is announced in slices of this many).
PRODUCTS_PER_MESSAGE = 500


def picture_message(picture_id: int) -> bytes:
    return orjson.dumps({"picture_id": int(picture_id)})


def products_message(product_ids: Sequence[int]) -> bytes:
    return orjson.dumps({"product_ids": [int(p) for p in product_ids]})


def parse_message(body: bytes) -> tuple[int | None, list[int]]:
    """``(picture_id, [])`` or ``(None, product_ids)``; ``MalformedMessage`` for anything else."""
    try:
        message = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise MalformedMessage("pictures message is not JSON") from None
    if isinstance(message, dict):
        picture_id = message.get("picture_id")
        if type(picture_id) is int:
            return picture_id, []
        products = message.get("product_ids")
        if isinstance(products, list) and all(type(p) is int for p in products):
            return None, list(products)
    raise MalformedMessage("pictures message names no picture_id nor product_ids")


class PicturesOnSync:
    """The sync's ``AppliedBatchListener``: announce the pictures a batch touched on the pictures topic."""

    def __init__(self, queue: MessageQueue, topic: str = PICTURES_TOPIC) -> None:
        self._queue = queue
        self._topic = topic

    async def batch_applied(self, batch: Batch) -> None:
        if batch.entity == "Picture":
            ids = sorted({int(r["mahak_id"]) for r in batch.rows})
        elif batch.entity == "PhotoGallery":
            ids = sorted({int(r["picture_id"]) for r in batch.rows if r.get("picture_id") is not None})
        elif batch.entity == "Product":
            products = sorted({int(r["mahak_id"]) for r in batch.rows})
            for n in range(0, len(products), PRODUCTS_PER_MESSAGE):
                part = products[n : n + PRODUCTS_PER_MESSAGE]
                await self._queue.publish(
                    self._topic, products_message(part), message_id=f"pictures-{batch.batch_id}-p{n}"
                )
            return
        else:
            return
        for picture_id in ids:
            await self._queue.publish(
                self._topic, picture_message(picture_id), message_id=f"pictures-{batch.batch_id}-{picture_id}"
            )


class PictureHandler:
    """A pictures delivery's part in the consumer pool."""

    def __init__(
        self, images: ImageService, mahak: PictureSource, uow: UnitOfWorkFactory[CatalogUnitOfWork], topic: str
    ) -> None:
        self.images = images
        self.mahak = mahak
        self.uow = uow
        self.topic = topic

    async def apply(self, delivery: Delivery) -> None:
        picture_id, product_ids = parse_message(delivery.body)
        if picture_id is not None:
            changed = await self.images.sync_picture(self.mahak, picture_id)
        else:
            changed = await self.images.sync_products_pictures(self.mahak, product_ids)
        log.debug("pictures.synced", picture_id=picture_id, products=len(product_ids), changed=changed)

    async def on_retry(self, delivery: Delivery, error: Exception, decision: Decision) -> None:
        log.info("pictures.retry", message_id=delivery.message_id, reason=decision.reason, attempt=delivery.attempt)

    async def on_dead(self, delivery: Delivery, error: Exception, decision: Decision) -> None:
        log.warning("pictures.dead", message_id=delivery.message_id, reason=decision.reason, attempt=delivery.attempt)
        letter = FailedMessage(
            topic=self.topic,
            message_id=delivery.message_id,
            body=delivery.body,
            headers=dict(delivery.headers or {}),
            error=decision.reason,
            attempts=delivery.attempt,
        )
        async with self.uow() as uow:
            await uow.dead_letters.add(letter)


class PictureWorker(ConsumerPool):
    """``concurrency`` consumers of the pictures topic. ``stop()`` lets the pictures being fetched finish, then
    gives back what is still unsettled."""

    def __init__(
        self,
        queue: MessageQueue,
        images: ImageService,
        mahak: PictureSource,
        uow: UnitOfWorkFactory[CatalogUnitOfWork],
        *,
        concurrency: int,
        prefetch: int,
        retry_delays_s: Sequence[float],
        topic: str = PICTURES_TOPIC,
    ) -> None:
        super().__init__(
            queue,
            topic,
            PictureHandler(images, mahak, uow, topic),
            concurrency=concurrency,
            prefetch=prefetch,
            retry_delays_s=retry_delays_s,
        )
