"""How fresh each entity's copy is against its objective: the lag (seconds since the last complete sync started)
each entity may reach, the same numbers the ``HamgamSyncLagOverObjective`` alert uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Freshness:
    entity: str
    #: Seconds since the last complete sync started (None: never synced).
    lag_s: float | None
    objective_s: float

    @property
    def state(self) -> str:
        """``never`` (no complete sync yet), ``ok`` (within the objective) or ``late`` (past it)."""
        if self.lag_s is None:
            return "never"
        return "ok" if self.lag_s <= self.objective_s else "late"

    @property
    def ratio(self) -> float:
        """The lag as a share of the objective (1.0: at the objective); 0 when never synced."""
        return 0.0 if self.lag_s is None else self.lag_s / self.objective_s


def objective_for(entity: str, default_s: float, overrides: Mapping[str, float]) -> float:
    """The entity's own objective when set, else the default."""
    return float(overrides.get(entity, default_s))


def freshness(entity: str, lag_s: float | None, default_s: float, overrides: Mapping[str, float]) -> Freshness:
    return Freshness(entity, lag_s, objective_for(entity, default_s, overrides))
