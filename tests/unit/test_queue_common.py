"""Retry bookkeeping shared by the queue adapters."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hamgam.adapters.queue.common import (
    ATTEMPT_HEADER,
    ERROR_HEADER,
    FIRST_FAILED_AT_HEADER,
    pick_tier,
    plain_headers,
    retry_headers,
    tier_label,
)
from hamgam.adapters.queue.topology import main_arguments, tier_arguments, topic_names

delays = st.lists(st.floats(min_value=0.001, max_value=86_400), min_size=1, max_size=8)


@given(delays, st.floats(min_value=0, max_value=100_000))
def test_pick_tier_is_the_smallest_long_enough_or_the_longest(tiers: list[float], delay_s: float) -> None:
    tier = pick_tier(tiers, delay_s)
    assert tier in tiers
    if tier >= delay_s:
        assert not [t for t in tiers if delay_s <= t < tier]
    else:
        assert tier == max(tiers)


def test_tier_labels() -> None:
    assert [tier_label(d) for d in (0.2, 5, 30, 120, 600, 3600, 1.5)] == [
        "200ms",
        "5s",
        "30s",
        "2m",
        "10m",
        "1h",
        "1500ms",
    ]


def test_retry_headers_count_attempts_and_keep_the_first_failure() -> None:
    first = retry_headers({"entity": "product", "x-death": [{}], "x-delivery-count": 2}, "boom")
    assert first[ATTEMPT_HEADER] == 2 and first[ERROR_HEADER] == "boom" and first["entity"] == "product"
    assert "x-death" not in first and "x-delivery-count" not in first
    second = retry_headers(first, "again")
    assert second[ATTEMPT_HEADER] == 3 and second[ERROR_HEADER] == "again"
    assert second[FIRST_FAILED_AT_HEADER] == first[FIRST_FAILED_AT_HEADER]


def test_plain_headers_decode_amqp_values() -> None:
    assert plain_headers({"a": b"x", "b": [{"c": b"y"}], "n": 1}) == {"a": "x", "b": [{"c": "y"}], "n": 1}


def test_topology_names_and_arguments() -> None:
    names = topic_names("shop", "batches", [0.5, 0.2, 0.5])
    assert names.main == "shop.batches" and names.dead == "shop.batches.dead"
    assert names.tiers == {0.2: "shop.batches.retry.200ms", 0.5: "shop.batches.retry.500ms"}
    assert names.tier_for(0.3) == "shop.batches.retry.500ms"
    main = main_arguments(names, delivery_limit=7)
    assert main["x-queue-type"] == "quorum" and main["x-delivery-limit"] == 7
    assert main["x-dead-letter-routing-key"] == "shop.batches.dead"
    assert main["x-dead-letter-strategy"] == "at-least-once" and main["x-overflow"] == "reject-publish"
    tier = tier_arguments(names, 0.2)
    assert tier["x-message-ttl"] == 200 and tier["x-dead-letter-routing-key"] == "shop.batches"
