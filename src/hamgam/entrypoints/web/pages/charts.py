"""A server-rendered chart: rows synced per run (bars) and lag (line), as plain SVG geometry for a template.
No script and no inline style, so it passes the strict Content-Security-Policy."""

from __future__ import annotations

from typing import Any

WIDTH, HEIGHT, PAD = 600, 180, 28


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(value)


def sync_chart(points: list[dict[str, Any]]) -> dict[str, Any]:
    """Bars (rows fetched, left axis) and a polyline (lag in seconds, right axis) over the runs."""
    if not points:
        return {"empty": True, "width": WIDTH, "height": HEIGHT}
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    rows_max = _nice_max(max(p["rows"] for p in points))
    lags = [p["lag_s"] for p in points if p["lag_s"] is not None]
    lag_max = _nice_max(max(lags)) if lags else 1.0
    slot = inner_w / len(points)
    bars, line = [], []
    for i, p in enumerate(points):
        h = inner_h * p["rows"] / rows_max
        x = PAD + i * slot
        bars.append(
            {
                "x": round(x + slot * 0.15, 1),
                "y": round(PAD + inner_h - h, 1),
                "w": round(slot * 0.7, 1),
                "h": round(h, 1),
                "failed": p["status"] == "failed",
                "rows": p["rows"],
                "at": p["at"],
            }
        )
        if p["lag_s"] is not None:
            line.append(f"{x + slot / 2:.1f},{PAD + inner_h - inner_h * p['lag_s'] / lag_max:.1f}")
    return {
        "empty": False,
        "width": WIDTH,
        "height": HEIGHT,
        "pad": PAD,
        "inner_h": inner_h,
        "bars": bars,
        "line": " ".join(line),
        "rows_max": int(rows_max),
        "lag_max": lag_max,
        "baseline": PAD + inner_h,
    }
