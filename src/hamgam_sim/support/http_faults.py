"""Fault handling every simulator's HTTP app shares: latency, hanging, and bare HTML 5xx answers."""

from __future__ import annotations

from starlette.responses import HTMLResponse, Response

from hamgam_sim.support.faults import Fault, FaultPlan


async def transport_fault(faults: FaultPlan, endpoint: str) -> Response | Fault | None:
    """Apply the latency and the fault due for ``endpoint``.

    Returns a response that replaces the answer (``http_error``), the fault still to act on when its shape is the
    provider's own (``error_code``, ``drop_callback``), or None to answer normally (``timeout`` has already hung).
    """
    delay, fault = faults.take(endpoint)
    if delay:
        await faults.sleep(delay)
    if fault is None:
        return None
    if fault.kind == "timeout":
        await faults.sleep(fault.delay_s)
        return None
    if fault.kind == "http_error":
        status = fault.status or 503
        return HTMLResponse(f"<html><body><h1>{status} Service Unavailable</h1></body></html>", status)
    return fault
