"""The gauges the chart's alerts read report what PostgreSQL holds: failed exports and the Mahak circuit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from hamgam.adapters.db.engine import create_engine
from hamgam.adapters.db.sync_reads import SyncReads
from hamgam.adapters.mahak import PostgresCircuitBreaker
from hamgam.adapters.queue.memory import MemoryQueue
from hamgam.services.sync.metrics import SyncMetrics

pytestmark = pytest.mark.postgres

KEY = "http://127.0.0.1:1/api/v3|demo"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[Any]:
    engine = create_engine(database_url, pool_size=2)
    yield engine
    await engine.dispose()


async def _order_with_export(conn: Any, mobile: str, job_status: str, kind: str = "sale") -> int:
    customer_id = await conn.scalar(
        text("INSERT INTO customer (mobile) VALUES (:m) ON CONFLICT (mobile) DO UPDATE SET mobile = :m RETURNING id"),
        {"m": mobile},
    )
    order_id = await conn.scalar(
        text(
            """INSERT INTO store_order (customer_id, status, items_rial, shipping_rial, total_rial, shipping_method,
                                        address)
               VALUES (:c, 'paid', 100000, 0, 100000, 'pickup', '{}') RETURNING id"""
        ),
        {"c": customer_id},
    )
    await conn.execute(
        text("INSERT INTO export_job (order_id, status, kind) VALUES (:o, :s, :k)"),
        {"o": order_id, "s": job_status, "k": kind},
    )
    return int(order_id)


def _sample(metrics: SyncMetrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


async def test_export_failed_orders_counts_rejected_and_failed_orders_by_status(engine: Any) -> None:
    # given: one order whose export ran out of retries (also with a failed return), two refused, one sent
    async with engine.begin() as conn:
        failed_order = await _order_with_export(conn, "09120000001", "failed")
        await conn.execute(
            text("INSERT INTO export_job (order_id, status, kind) VALUES (:o, 'failed', 'return')"),
            {"o": failed_order},
        )
        await _order_with_export(conn, "09120000002", "rejected")
        await _order_with_export(conn, "09120000003", "rejected")
        await _order_with_export(conn, "09120000004", "sent")
        await _order_with_export(conn, "09120000005", "pending")
    metrics = SyncMetrics()
    # when
    await metrics.refresh(SyncReads(engine), MemoryQueue())
    # then: orders, not jobs, are counted
    assert _sample(metrics, "hamgam_export_failed_orders", status="failed") == 1
    assert _sample(metrics, "hamgam_export_failed_orders", status="rejected") == 2


async def test_export_failed_orders_goes_back_to_zero_after_a_replay(engine: Any) -> None:
    # given
    async with engine.begin() as conn:
        order_id = await _order_with_export(conn, "09120000006", "failed")
    metrics = SyncMetrics()
    await metrics.refresh(SyncReads(engine), MemoryQueue())
    assert _sample(metrics, "hamgam_export_failed_orders", status="failed") == 1
    # when: staff replay it (the job is pending again)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE export_job SET status = 'pending' WHERE order_id = :o"), {"o": order_id})
    await metrics.refresh(SyncReads(engine), MemoryQueue())
    # then
    assert _sample(metrics, "hamgam_export_failed_orders", status="failed") == 0
    assert _sample(metrics, "hamgam_export_failed_orders", status="rejected") == 0


async def test_mahak_circuit_open_follows_the_breaker_shared_in_postgres(engine: Any) -> None:
    # given: a closed breaker
    breaker = PostgresCircuitBreaker(engine, KEY, failures=2, open_s=60.0)
    metrics = SyncMetrics()
    await metrics.refresh(SyncReads(engine), MemoryQueue())
    assert _sample(metrics, "hamgam_mahak_circuit_open") == 0
    # when: one failure (below the threshold), then the second
    await breaker.record_failure()
    await metrics.refresh(SyncReads(engine), MemoryQueue())
    still_closed = _sample(metrics, "hamgam_mahak_circuit_open")
    await breaker.record_failure()
    await metrics.refresh(SyncReads(engine), MemoryQueue())
    opened = _sample(metrics, "hamgam_mahak_circuit_open")
    # and Mahak answers again
    await breaker.record_success()
    await metrics.refresh(SyncReads(engine), MemoryQueue())
    # then
    assert (still_closed, opened) == (0, 1)
    assert _sample(metrics, "hamgam_mahak_circuit_open") == 0


async def test_mahak_circuit_open_is_zero_once_the_open_period_ended(engine: Any) -> None:
    # given: a circuit opened in the past whose open period is over (the next call will be the probe)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                """INSERT INTO mahak_circuit (key, failures, open_until, opened_count)
                   VALUES (:k, 5, clock_timestamp() - interval '1 second', 1)"""
            ),
            {"k": KEY},
        )
    metrics = SyncMetrics()
    # when
    await metrics.refresh(SyncReads(engine), MemoryQueue())
    # then
    assert _sample(metrics, "hamgam_mahak_circuit_open") == 0


async def test_mahak_rewind_gauges_follow_the_rewinds_recorded_in_postgres(engine: Any) -> None:
    # given: a rewind of ProductDetail found and not healed yet
    async with engine.begin() as conn:
        await conn.execute(
            text(
                """INSERT INTO sync_rewind (entity, cursor_row_version, evidence, detected_at)
                   VALUES ('ProductDetail', 3000000100, 'Mahak serves no row at or above the cursor',
                           '2026-12-01T10:00:00Z')"""
            )
        )
    metrics = SyncMetrics()
    await metrics.refresh(SyncReads(engine), MemoryQueue())
    # then the alerts' gauges raise it, for that entity only
    assert _sample(metrics, "hamgam_sync_rewind_open", entity="ProductDetail") == 1
    assert _sample(metrics, "hamgam_sync_rewind_open", entity="Product") == 0
    detected = _sample(metrics, "hamgam_sync_rewind_detected_timestamp_seconds", entity="ProductDetail")
    assert detected == 1796119200.0  # 2026-12-01T10:00:00Z
    # when the re-fetch healed it, the open gauge clears (the detection time stays for the hour-long notice)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE sync_rewind SET healed_at = now()"))
    await metrics.refresh(SyncReads(engine), MemoryQueue())
    assert _sample(metrics, "hamgam_sync_rewind_open", entity="ProductDetail") == 0
    assert _sample(metrics, "hamgam_sync_rewind_detected_timestamp_seconds", entity="ProductDetail") == detected
