from hamgam.services.messaging.retry_policy import decide

DELAYS = [5.0, 30.0, 120.0]


def test_transient_failure_retries_with_the_tier_of_its_attempt() -> None:
    assert [decide(ConnectionError("down"), attempt, DELAYS).retry_after_s for attempt in (1, 2, 3)] == DELAYS


def test_transient_failure_is_dead_lettered_after_the_last_tier() -> None:
    decision = decide(ConnectionError("down"), 4, DELAYS)
    assert decision.dead and "gave up after 4 attempts" in decision.reason and "down" in decision.reason


def test_permanent_failure_is_dead_lettered_at_once() -> None:
    decision = decide(ValueError("not a sync batch"), 1, DELAYS)
    assert decision.dead and decision.reason.startswith("permanent: ValueError")
