"""Fault injection for simulators: latency, hangs (client timeouts), bare HTTP errors, provider codes.

A fault targets one endpoint key (``"verify"``, ``"kavenegar.lookup"``, ...) or ``"*"``, and fires ``count``
times (None: until cleared). Latency faults add up and never stop the request; the first other matching fault
decides the response. Thread-safe: tests change the plan while the server thread serves.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import asdict, dataclass
from typing import Literal

FaultKind = Literal["latency", "timeout", "http_error", "error_code", "drop_callback"]


@dataclass
class Fault:
    kind: FaultKind
    endpoint: str = "*"
    #: Seconds: the added delay for ``latency``, how long to hang for ``timeout``.
    delay_s: float = 30.0
    #: HTTP status for ``http_error`` (bare, non-JSON body; default 503) and ``error_code`` (provider-shaped
    #: body; default: what the provider sends with that code).
    status: int | None = None
    #: Provider result code for ``error_code`` (Zarinpal -12, Kavenegar 418, SMS.ir 102 ...).
    code: int | None = None
    #: How many requests it affects; None: until cleared.
    count: int | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


class FaultPlan:
    """The active faults of one simulator. ``release()`` wakes every hanging request (reset and shutdown)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._release = threading.Event()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def release(self) -> None:
        """Clear all faults and end every ongoing hang or delay now."""
        self.clear()
        self._release.set()
        # Requests arriving after this must be able to hang again.
        self._release = threading.Event()

    def take(self, endpoint: str) -> tuple[float, Fault | None]:
        """Consume the faults for one request: (total latency, the deciding fault or None)."""
        delay = 0.0
        decisive: Fault | None = None
        with self._lock:
            for fault in list(self._faults):
                if fault.endpoint not in ("*", endpoint):
                    continue
                if fault.kind == "latency":
                    delay += fault.delay_s
                elif decisive is None:
                    decisive = fault
                else:
                    continue
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
        return delay, decisive

    async def sleep(self, seconds: float) -> None:
        """Sleep without blocking the server, ending early on ``release()``."""
        event = self._release
        deadline = time.monotonic() + seconds
        # The event is set from other threads, so poll it rather than tie up a worker thread per hang.
        while not event.is_set() and (remaining := deadline - time.monotonic()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(min(remaining, 0.05))
