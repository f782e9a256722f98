"""Fault rules: which misbehaviour hits which request, and when.

A rule matches requests whose lower-cased path (after ``/api/v3/``) contains ``path``. Of the
matching requests it skips the first ``after``, then fires on every ``every``-th one (every one if
``every`` is null) until it has fired ``times`` times (forever if ``times`` is null).

Kinds and their ``param``:

============================  ===============================================================
``latency``                   seconds to wait before answering normally (default 1)
``timeout``                   seconds to wait, longer than the client's timeout (default 30)
``rate_limit``                HTTP 429 with ``Retry-After: param`` seconds (default 1)
``server_error``              HTTP status 500, 502 or 503 (default 503)
``drop``                      close the connection without any response
``malformed_json``            HTTP 200 whose JSON body is cut in half
``invalid_rows``              ``{"entity": "ProductDetail", "defect": "negative_price", "count": 1}``;
                              defects ``missing_field``, ``wrong_type``, ``negative_price``,
                              ``unknown_fk``
``token_expiry``              every issued token dies; this request already gets 401
``mutate``                    after this response is sent, apply a desktop change:
                              ``{"entity": "Product", "rows": [{...}], "delete_ids": [...]}``
============================  ===============================================================
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field
from typing import Any

FAULT_KINDS = frozenset(
    {
        "latency",
        "timeout",
        "rate_limit",
        "server_error",
        "drop",
        "malformed_json",
        "invalid_rows",
        "token_expiry",
        "mutate",
    }
)
ROW_DEFECTS = frozenset({"missing_field", "wrong_type", "negative_price", "unknown_fk"})
_ids = itertools.count(1)


@dataclass
class FaultRule:
    """One scheduled misbehaviour; see the module docstring for kinds and params."""

    kind: str
    path: str | None = None  #: substring of the lower-cased API path; None matches every API call
    times: int | None = 1
    after: int = 0
    every: int | None = None
    param: Any = None
    id: int = field(default_factory=lambda: next(_ids))
    seen: int = 0  #: matching requests so far
    fired: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {sorted(FAULT_KINDS)}")
        if self.path is not None:
            self.path = self.path.lower().strip("/")
        if self.every is not None and self.every < 1:
            raise ValueError("every must be >= 1 or null")
        if self.kind == "server_error" and self.param not in (None, 500, 502, 503, 504):
            raise ValueError("server_error param must be 500, 502, 503 or 504")
        if self.kind == "invalid_rows":
            defect = (self.param or {}).get("defect", "missing_field")
            if defect not in ROW_DEFECTS:
                raise ValueError(f"unknown row defect {defect!r}; known: {sorted(ROW_DEFECTS)}")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultRule:
        allowed = {"kind", "path", "times", "after", "every", "param"}
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown fault rule key(s) {sorted(unknown)}")
        return cls(**data)

    def matches(self, api_path: str) -> bool:
        return self.path is None or self.path in api_path

    def consider(self) -> bool:
        """Count one matching request; True if the rule fires on it."""
        self.seen += 1
        if self.times is not None and self.fired >= self.times:
            return False
        nth = self.seen - self.after
        if nth < 1 or (self.every is not None and (nth - 1) % self.every != 0):
            return False
        self.fired += 1
        return True

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaultPlan:
    """The active rules, consulted once per API request."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []

    def add(self, rule: FaultRule) -> FaultRule:
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()

    def fire(self, api_path: str) -> list[FaultRule]:
        """The rules firing for one request to ``api_path`` (lower-case, relative to ``/api/v3``)."""
        return [rule for rule in self.rules if rule.matches(api_path) and rule.consider()]
