"""What an operator should do about an entity whose sync run did not succeed: one line each, for the CLI's
closing report and the scheduler's log. One entity's failure never stops the others (a Mahak that does not serve
a list still syncs everything else)."""

from __future__ import annotations

from dataclasses import dataclass

from hamgam.domain.errors import ContractBreach, CredentialsRefused, TransientError


@dataclass(frozen=True)
class EntityProblem:
    """One entity that did not sync: what happened, and what to do."""

    entity: str
    what: str
    todo: str

    def line(self) -> str:
        return f"{self.entity}: {self.what} — {self.todo}"


def problem_from_error(entity: str, error: BaseException) -> EntityProblem:
    """The problem of a run that raised ``error``."""
    what = f"{type(error).__name__}: {error}"
    again = f"then run `hamgam sync run --entity {entity}`"
    if isinstance(error, ContractBreach) and error.reason == "list is null although its cursor was sent":
        todo = (
            f"this Mahak does not serve the {error.field} list (its version or package lacks it); the other "
            f"entities synced. If the shop needs it, update the Mahak desktop app or ask Mahak support, {again}"
        )
    elif isinstance(error, ContractBreach):
        todo = f"Mahak sent data the contract does not allow; report it to Mahak support with this line, {again}"
    elif isinstance(error, CredentialsRefused):
        todo = (
            "check HAMGAM_MAHAK__USERNAME and HAMGAM_MAHAK__PASSWORD (the site user of the Bazara module in "
            f"the desktop app), {again}"
        )
    elif isinstance(error, TransientError):
        todo = f"Mahak is slow or unreachable; wait a few minutes, {again}"
    else:
        todo = f"see the log for details, fix the cause, {again}"
    return EntityProblem(entity, what, todo)


def problem_from_status(entity: str, status: str) -> EntityProblem | None:
    """The problem of a run that ended with ``status``, or None when it left nothing to do (``succeeded``, or
    ``skipped``: another process is running the entity right now)."""
    if status == "dead_letters":
        return EntityProblem(
            entity,
            "rows held in the dead-letter queue",
            "inspect them with `hamgam dlq list`, fix the cause and replay them",
        )
    if status == "incomplete":
        return EntityProblem(
            entity,
            "batches still unsettled",
            f"check the workers are running, then run `hamgam sync run --entity {entity}`",
        )
    return None
