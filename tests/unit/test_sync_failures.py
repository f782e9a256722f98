"""What the operator is told about an entity that did not sync follows the kind the failure declares."""

from __future__ import annotations

from hamgam.adapters.mahak.errors import ContractViolation, MahakAuthError, MahakUnavailable
from hamgam.services.sync.failures import problem_from_error


def test_a_list_this_mahak_does_not_serve_is_named() -> None:
    error = ContractViolation(None, None, "Receipts", "list is null although its cursor was sent")
    assert "does not serve the Receipts list" in problem_from_error("Receipt", error).todo


def test_each_kind_gets_its_own_advice() -> None:
    assert (
        "report it to Mahak support"
        in problem_from_error("Product", ContractViolation("Product", 1, "Price", "x")).todo
    )
    assert "HAMGAM_MAHAK__PASSWORD" in problem_from_error("Product", MahakAuthError("refused")).todo
    assert "slow or unreachable" in problem_from_error("Product", MahakUnavailable("timeout")).todo
    assert "see the log" in problem_from_error("Product", RuntimeError("bug")).todo
