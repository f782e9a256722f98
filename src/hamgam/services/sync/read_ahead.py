"""Read ahead: work on the next item of an async stream while the caller handles the current one.

The fetcher's pages come from a slow source (a Mahak request, then validation and the transform) and go to slow
sinks (the batch's row in the database, the broker's confirm). Read serially, each waits for the other. Here the
next item is being produced while the caller awaits its own work on the current one, and at most ``depth`` items
wait ready (plus the one being produced), so memory stays bounded by a few pages.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from typing import TypeVar

T = TypeVar("T")


async def read_ahead(source: AsyncIterator[T], depth: int = 1) -> AsyncGenerator[T, None]:
    """Yield ``source``'s items in order, producing up to ``depth`` of them ahead of the one handed out.

    An error raised by ``source`` is raised here, at the item where it happened (the items before it are handed
    out first). Leaving early (an error of the caller, a cancellation) stops the producer and closes ``source``.
    """
    if depth < 1:
        raise ValueError("depth must be at least 1")
    ready: asyncio.Queue[tuple[bool, T | BaseException | None]] = asyncio.Queue(maxsize=depth)

    async def produce() -> None:
        try:
            async for item in source:
                await ready.put((True, item))
            await ready.put((False, None))
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed to the consumer, raised where it reads the item
            await ready.put((False, exc))

    producer = asyncio.create_task(produce())
    try:
        while True:
            more, item = await ready.get()
            if not more:
                if isinstance(item, BaseException):
                    raise item
                return
            yield item  # type: ignore[misc]  # ``more`` is True: ``item`` is one of the source's items
    finally:
        producer.cancel()
        await asyncio.wait([producer])  # the producer's end, without raising its cancellation here
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            await aclose()
