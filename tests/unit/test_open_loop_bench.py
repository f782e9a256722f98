"""The open-loop benchmark's arithmetic and its load generator (``bench/bench_open_loop.py``), against a local
socket server: the schedule, the percentiles, the summary, and that the sender never waits for an answer."""

from __future__ import annotations

import asyncio
import math
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import bench_open_loop
from bench_open_loop import Outcome, arrival_offsets, percentile, summarize

#: Handles one request: gets the request head, returns the response bytes.
Handler = Callable[[bytes], Awaitable[bytes]]


def ok(body: bytes = b"ok", extra: str = "") -> bytes:
    return f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode() + body


@asynccontextmanager
async def server(handler: Handler) -> AsyncIterator[tuple[str, list[int]]]:
    """A loopback HTTP/1.1 server answering each request with ``handler``; yields its base URL and a one-item
    list counting the connections it accepted."""
    connections = [0]

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections[0] += 1
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                writer.write(await handler(head))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    listener = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", connections
    finally:
        listener.close()


def test_arrival_offsets_fixed_are_k_over_rate_below_the_duration() -> None:
    # when
    offsets = arrival_offsets(200, 1.0)
    uneven = arrival_offsets(3, 1.5)

    # then
    assert offsets == [k / 200 for k in range(200)]
    assert uneven == [0, 1 / 3, 2 / 3, 1, 4 / 3]


def test_arrival_offsets_poisson_repeat_with_their_seed_at_the_mean_rate() -> None:
    # when
    first, again, other = (arrival_offsets(200, 50.0, seed) for seed in (7, 7, 8))

    # then
    assert first == again
    assert first != other
    assert first == sorted(first)
    assert 0 < first[0] and first[-1] < 50.0
    assert 9_600 <= len(first) <= 10_400  # 10,000 expected, 4 standard deviations either way


def test_percentile_is_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]

    assert percentile(values, 0.50) == 50
    assert percentile(values, 0.95) == 95
    assert percentile(values, 0.99) == 99
    assert percentile(values, 1.0) == 100
    assert percentile([7.0], 0.95) == 7
    assert math.isnan(percentile([], 0.5))


def test_summarize_leaves_out_the_warm_up_and_counts_failures_as_slowest() -> None:
    # given 5 warm-up requests, then 19 answered in 1..19 ms and one timeout
    warm_up = [Outcome(due_s=k * 0.1, send_lag_s=0.5, latency_s=9.0) for k in range(5)]
    answered = [Outcome(due_s=1.0 + k * 0.1, send_lag_s=0.001, latency_s=(k + 1) / 1000) for k in range(19)]
    timeout = [Outcome(due_s=2.9, send_lag_s=0.001, latency_s=None, failure="timeout")]

    # when
    figures = summarize(warm_up + answered + timeout, measured_from_s=1.0, measured_s=2.0, max_lag_ms=10)

    # then
    assert (figures["requests"], figures["ok"], figures["errors"], figures["timeouts"]) == (20, 19, 0, 1)
    assert figures["latency_ms"] == {"p50": 10.0, "p95": 19.0, "p99": None, "max": None}
    assert figures["send_lag_ms"]["max"] == 1.0
    assert figures["offered_rps"] == 10.0
    assert figures["answered_rps"] == 9.5
    assert figures["valid"]


def test_summarize_has_no_p95_once_more_than_5_percent_fail() -> None:
    outcomes = [Outcome(k * 0.01, 0.0, 0.002) for k in range(18)]
    outcomes += [Outcome(0.5, 0.0, None, "503"), Outcome(0.6, 0.0, None, "ConnectionResetError")]

    figures = summarize(outcomes, measured_from_s=0.0, measured_s=1.0, max_lag_ms=10)

    assert figures["latency_ms"]["p50"] == 2.0
    assert figures["latency_ms"]["p95"] is None
    assert figures["errors"] == 2
    assert figures["failure_kinds"] == {"503": 1, "ConnectionResetError": 1}


def test_summarize_flags_a_sender_that_fell_behind() -> None:
    outcomes = [Outcome(k * 0.01, 0.001, 0.005) for k in range(98)] + [Outcome(1.0, 0.2, 0.3)] * 2

    figures = summarize(outcomes, measured_from_s=0.0, measured_s=1.0, max_lag_ms=10)

    assert not figures["valid"]
    assert "send lag p99 200.0 ms" in figures["invalid_because"][0]


async def test_open_loop_sends_every_request_before_any_is_answered() -> None:
    # given a server that answers no request until all 20 have arrived (a closed loop would wait forever)
    total = 20
    arrived: list[bytes] = []
    everyone = asyncio.Event()

    async def handler(head: bytes) -> bytes:
        arrived.append(head)
        if len(arrived) == total:
            everyone.set()
        await everyone.wait()
        return ok()

    async with server(handler) as (base, connections), bench_open_loop.raw_get(base, 100) as get:
        # when
        outcomes, most_in_flight = await bench_open_loop.open_loop(get, "/x", arrival_offsets(100, 0.2), 60.0)

    # then
    assert most_in_flight == total
    assert connections[0] == total
    assert [o.failure for o in outcomes] == [None] * total
    assert [o.due_s for o in outcomes] == arrival_offsets(100, 0.2)
    assert all(o.latency_s is not None and o.latency_s >= o.send_lag_s for o in outcomes)


async def test_open_loop_counts_unanswered_requests_as_timeouts_and_statuses_as_errors() -> None:
    # given a server that holds /slow until the test ends and answers /gone with 503
    release = asyncio.Event()

    async def handler(head: bytes) -> bytes:
        if head.startswith(b"GET /slow "):
            await release.wait()
        return b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"

    async with server(handler) as (base, _), bench_open_loop.raw_get(base, 100) as get:
        # when
        slow, _ = await bench_open_loop.open_loop(get, "/slow", [0.0, 0.01, 0.02], 0.3)
        gone, _ = await bench_open_loop.open_loop(get, "/gone", [0.0, 0.01], 60.0)
        release.set()

    # then
    assert [o.failure for o in slow] == ["timeout"] * 3
    assert [o.failure for o in gone] == ["503", "503"]
    assert all(o.latency_s is None for o in slow + gone)


async def test_raw_client_reads_chunked_bodies_and_keeps_the_connection() -> None:
    # given a server answering in chunks, then with a plain body
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=1\r\n world\r\n0\r\n\r\n"
    answers = iter([chunked, ok(b"x" * 70_000)])

    async def handler(head: bytes) -> bytes:
        return next(answers)

    async with server(handler) as (base, connections), bench_open_loop.raw_get(base, 4) as get:
        # when
        statuses = [await get("/a"), await get("/b")]

    # then
    assert statuses == [200, 200]
    assert connections[0] == 1


async def test_raw_client_opens_a_new_connection_after_connection_close() -> None:
    async def handler(head: bytes) -> bytes:
        return ok(extra="Connection: close\r\n")

    async with server(handler) as (base, connections), bench_open_loop.raw_get(base, 4) as get:
        statuses = [await get("/a"), await get("/b")]

    assert statuses == [200, 200]
    assert connections[0] == 2
