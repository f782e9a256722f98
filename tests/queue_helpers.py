"""Helpers shared by the queue tests: bounded waits on consumer iterators and a controllable TCP proxy."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

#: Retry tiers small enough that waiting for them keeps the suite fast.
TEST_RETRY_DELAYS_S = (0.2, 0.5)


async def next_delivery(consumer: AsyncIterator[Any], timeout_s: float = 60.0) -> Any:
    return await asyncio.wait_for(consumer.__anext__(), timeout_s)


async def assert_no_delivery(consumer: AsyncIterator[Any], within_s: float = 0.4) -> None:
    with pytest.raises(TimeoutError):
        delivery = await asyncio.wait_for(consumer.__anext__(), within_s)
        pytest.fail(f"unexpected delivery {delivery.message_id}")


async def eventually(
    check: Callable[[], Awaitable[bool] | bool], timeout_s: float = 60.0, every_s: float = 0.05
) -> None:
    """Poll ``check`` (a plain or an async function) until it holds (broker counters settle asynchronously, a
    consumer texts when it gets to it). The bound is generous: a loaded CI machine (load average 7 on 2 cores and
    more) is many times slower than a quiet one, and a test checks that a thing happens, not how fast (speed belongs
    to ``bench/``)."""
    deadline = time.monotonic() + timeout_s
    while not await _holds(check):
        if time.monotonic() > deadline:
            pytest.fail("condition not met in time")
        await asyncio.sleep(every_s)


async def _holds(check: Callable[[], Awaitable[bool] | bool]) -> bool:
    result = check()
    return bool(await result) if inspect.isawaitable(result) else bool(result)


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; ``cut`` drops every connection, as a network failure would."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        #: Connections forwarded so far, counted once both ends are open and a ``cut`` would drop them (a
        #: reconnect shows up as one more).
        self.accepted = 0
        self._forwarded = asyncio.Condition()
        self._server: asyncio.Server | None = None
        self._transports: set[asyncio.BaseTransport] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self._transports.update({client_writer.transport, upstream_writer.transport})
        async with self._forwarded:
            self.accepted += 1
            self._forwarded.notify_all()
        pumps = [
            asyncio.create_task(self._pump(client_reader, upstream_writer)),
            asyncio.create_task(self._pump(upstream_reader, client_writer)),
        ]
        self._tasks.update(pumps)
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for writer in (client_writer, upstream_writer):
            writer.transport.abort()

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()

    async def reconnection(self, beyond: int, within_s: float = 60.0) -> None:
        """Wait until a connection is forwarded after the first ``beyond`` ones: the client came back."""
        async with asyncio.timeout(within_s), self._forwarded:
            await self._forwarded.wait_for(lambda: self.accepted > beyond)

    async def cut(self, outage_s: float = 0.0) -> None:
        """Abort every open connection; with ``outage_s`` also refuse new ones for that long."""
        if outage_s and self._server is not None:
            self._server.close()
        for transport in list(self._transports):
            transport.abort()
        self._transports.clear()
        if outage_s:
            await asyncio.sleep(outage_s)
            await self.start()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for transport in list(self._transports):
            transport.abort()
        for task in self._tasks:
            task.cancel()
