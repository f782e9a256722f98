"""The retry policy classifies failures by the kind they declare: what Mahak refuses, what breaks the contract and
what cannot be read are dead-lettered at once; what may pass later goes through the retry tiers."""

from __future__ import annotations

import pytest

from hamgam.adapters.mahak.errors import (
    ContractViolation,
    MahakAuthError,
    MahakCircuitOpen,
    MahakRateLimited,
    MahakRejected,
    MahakUnavailable,
)
from hamgam.domain.errors import MalformedMessage, PermanentError, TransientError
from hamgam.domain.export import ExportInDoubt, ExportNotReady, ExportRejected
from hamgam.domain.sync.batch import Batch
from hamgam.domain.sync.entities import UnknownEntity
from hamgam.services.messaging.retry_policy import decide

DELAYS = [5.0, 30.0]


@pytest.mark.parametrize(
    "error",
    [
        MahakRejected("Result=false: the product code is taken", code=12),
        ContractViolation("Product", 7, "Price", "not a number"),
        ExportRejected("the customer has no mobile"),
        UnknownEntity("Gadget"),
        MalformedMessage("not a sync batch"),
    ],
)
def test_a_declared_permanent_error_is_dead_lettered_on_its_first_attempt(error: Exception) -> None:
    decision = decide(error, 1, DELAYS)
    assert decision.dead
    assert decision.reason.startswith(f"permanent: {type(error).__name__}")


@pytest.mark.parametrize(
    "error",
    [
        MahakUnavailable("timeout"),
        MahakRateLimited("429", retry_after_s=3),
        MahakCircuitOpen("open", retry_after_s=10),
        MahakAuthError("login refused"),
        ExportNotReady("the customer has not arrived from Mahak yet"),
        ExportInDoubt("client id 4 already taken"),
    ],
)
def test_a_transient_or_undeclared_error_goes_through_the_tiers(error: Exception) -> None:
    assert [decide(error, attempt, DELAYS).retry_after_s for attempt in (1, 2)] == DELAYS
    assert decide(error, 3, DELAYS).dead


def test_a_declared_transient_kind_wins_over_a_built_in_base() -> None:
    class SlowLookup(TransientError, KeyError):
        pass

    assert decide(SlowLookup("later"), 1, DELAYS).retry_after_s == DELAYS[0]


def test_the_mahak_kinds_are_the_domain_kinds() -> None:
    assert issubclass(MahakRejected, PermanentError) and issubclass(ContractViolation, PermanentError)
    assert issubclass(MahakUnavailable, TransientError)


def test_a_body_that_is_no_batch_is_a_malformed_message() -> None:
    with pytest.raises(MalformedMessage):
        Batch.decode(b"{}")
