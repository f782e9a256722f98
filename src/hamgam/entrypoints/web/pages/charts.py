"""Server-rendered charts as plain SVG geometry for a template: no script and no inline style, so they pass the
strict Content-Security-Policy.

Right to left: time runs from right (oldest) to left (newest), as Persian reads, and bars of a list grow from the
right. The SVGs hold geometry only and stretch to their box (``preserveAspectRatio="none"``, strokes that do not
scale); every label is HTML beside them, so text keeps its size from a 320 px phone to a wide desktop. The time
and day axes are grids of equal columns (``.xaxis``) whose labelled cells sit under the bars they name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hamgam.domain.jalali import to_tehran
from hamgam.domain.persian import to_persian_digits
from hamgam.domain.reports import day_label
from hamgam.domain.sync.freshness import Freshness

#: The drawing's own units; the SVG stretches them to its box.
WIDTH, HEIGHT = 600, 160
#: Columns of the sync chart's time axis (each label centred in its column).
TIME_TICKS = 5
#: One day in so many is named on a day axis.
DAY_LABEL_EVERY = 7


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(value)


def _gridlines(top: float) -> list[dict[str, Any]]:
    """Horizontal lines at half and all of the scale (``top``, a nice number)."""
    return [{"y": round(HEIGHT - HEIGHT * f, 1), "value": top * f} for f in (0.5, 1.0)]


def sync_chart(points: list[dict[str, Any]]) -> dict[str, Any]:
    """Rows fetched per run (bars, placed at the run's start time) and the lag when it started (a line), on a time
    axis from the first run to the last: ``ticks`` are ``TIME_TICKS`` evenly spaced moments for the axis, each
    with its Tehran ``day`` (``۱۵ آذر``) and ``time`` (``۱۴:۳۰``)."""
    if not points:
        return {"empty": True}
    first, last = points[0]["at"], points[-1]["at"]
    span = max((last - first).total_seconds(), 1.0)
    # a run is drawn in a slot as wide as the mean gap between runs, inside the edges
    slot = WIDTH / (len(points) + 1)
    inner = WIDTH - slot

    def x_of(moment: dt.datetime) -> float:
        # right to left: the first run at the right edge, the last at the left
        share = (moment - first).total_seconds() / span if len(points) > 1 else 0.5
        return WIDTH - slot / 2 - share * inner

    rows_max = _nice_max(max(p["rows"] for p in points))
    lags = [p["lag_s"] for p in points if p["lag_s"] is not None]
    lag_max = _nice_max(max(lags)) if lags else 1.0
    bars, line = [], []
    for p in points:
        centre, h = x_of(p["at"]), HEIGHT * p["rows"] / rows_max
        bars.append(
            {
                "x": round(centre - slot * 0.35, 1),
                "y": round(HEIGHT - h, 1),
                "w": round(slot * 0.7, 1),
                "h": round(h, 1),
                "failed": p["status"] == "failed",
                "rows": p["rows"],
                "at": p["at"],
                "lag_s": p["lag_s"],
            }
        )
        if p["lag_s"] is not None:
            line.append(f"{centre:.1f},{HEIGHT - HEIGHT * p['lag_s'] / lag_max:.1f}")
    # the axis labels: the moments at the centres of TIME_TICKS equal columns, oldest (rightmost) first
    ticks = []
    for i in range(TIME_TICKS):
        centre_x = WIDTH - WIDTH * (i + 0.5) / TIME_TICKS
        share = (WIDTH - slot / 2 - centre_x) / inner
        moment = to_tehran(first + dt.timedelta(seconds=share * span))
        ticks.append({"at": moment, "day": day_label(moment.date()), "time": to_persian_digits(f"{moment:%H:%M}")})
    return {
        "empty": False,
        "width": WIDTH,
        "height": HEIGHT,
        "bars": bars,
        "line": " ".join(line),
        "rows_max": int(rows_max),
        "lag_max": lag_max,
        "grid": _gridlines(1.0),
        "ticks": ticks,
        "first": first,
        "last": last,
    }


def day_chart(days: Sequence[Mapping[str, Any]], key: str) -> dict[str, Any]:
    """A bar per day (``days`` in order, each with ``day`` and ``key``), the first day at the right; ``labels``
    has one entry per day, the day's name (``۱۵ آذر``) on one day in ``DAY_LABEL_EVERY`` counted back from the
    last, else empty. Nothing but zeros is ``empty``: no chart to draw."""
    if not any(int(d[key]) for d in days):
        return {"empty": True}
    top = _nice_max(max(int(d[key]) for d in days))
    slot = WIDTH / len(days)
    bars = []
    n = len(days)
    for i, d in enumerate(days):
        h = HEIGHT * int(d[key]) / top
        bars.append(
            {
                "x": round(WIDTH - (i + 1) * slot + slot * 0.15, 2),
                "y": round(HEIGHT - h, 1),
                "w": round(slot * 0.7, 2),
                "h": round(h, 1),
                "day": d["day"],
                "value": int(d[key]),
            }
        )
    # named days stay off the edges, where a centred label would be clipped
    labels = [
        day_label(d["day"]) if (n - 1 - i) % DAY_LABEL_EVERY == DAY_LABEL_EVERY // 2 else "" for i, d in enumerate(days)
    ]
    return {
        "empty": False,
        "width": WIDTH,
        "height": HEIGHT,
        "bars": bars,
        "top": int(top),
        "grid": _gridlines(top),
        "labels": labels,
        "columns": n,
        "total": sum(int(d[key]) for d in days),
    }


def list_bars(items: Iterable[Mapping[str, Any]], key: str) -> list[dict[str, Any]]:
    """Horizontal bars for a list (``items`` with ``key``): each item with ``bar``, its length in percent of the
    largest, and ``bar_x``, where it starts so that it grows from the right."""
    rows = [dict(i) for i in items]
    top = max((int(r[key]) for r in rows), default=0) or 1
    for r in rows:
        length = round(100 * int(r[key]) / top, 1)
        r["bar"], r["bar_x"] = length, round(100 - length, 1)
    return rows


def freshness_bars(entities: Iterable[Freshness]) -> list[dict[str, Any]]:
    """A bar per entity: its lag on a scale of twice its objective (a lag past that fills the bar), the
    objective marked at the middle; ``state`` is ``ok``, ``late`` or ``never``."""
    rows = []
    for f in entities:
        share = min(f.ratio / 2, 1.0)
        length = round(100 * share, 1)
        rows.append(
            {
                "entity": f.entity,
                "lag_s": f.lag_s,
                "objective_s": f.objective_s,
                "state": f.state,
                "bar": length,
                "bar_x": round(100 - length, 1),
                "mark_x": 50.0,
            }
        )
    return rows
