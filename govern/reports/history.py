"""Line-chart geometry for a dataset's metric history, drawn as inline SVG by the templates.

One chart per metric series (row count; per column the null fraction and a location
metric): the values in record order as a polyline, each version a dot, the versions a
``stable:*`` check flagged as anomalies drawn larger in red. Numbers only: the templates
draw them (HTML inline SVG, which WeasyPrint also renders for PDF), no script, no fonts
or files fetched.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = ["history_chart"]

_W = 300  # plot width: two charts side by side on a page
_H = 80  # plot height
_LEFT = 64  # room for the axis labels
_TOP = 8
_BOTTOM = 18


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def history_chart(
    metric: str,
    values: Sequence[float | None],
    labels: Sequence[str],
    anomalies: Sequence[bool],
    *,
    fraction: bool = False,
) -> dict[str, Any]:
    """The geometry of one metric's history (oldest version first).

    Args:
        metric: what the values are (the chart's title).
        values: one value per version; None where the version has none (a gap).
        labels: one short version label per value (tooltips, the axis ends).
        anomalies: per version, whether a check flagged this metric there.
        fraction: the values are fractions (0-1): the scale starts at 0.
    """
    numbers = [_finite(v) for v in values]
    present = [v for v in numbers if v is not None]
    low = min(present, default=0.0)
    high = max(present, default=1.0)
    if fraction:  # a share: from 0, and a flat 0 at the bottom of a small scale
        low = 0.0
        high = max(high, 0.01)
    elif high - low < 1e-12:  # a flat line sits in the middle
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    count = len(numbers)
    step = _W / (count - 1) if count > 1 else 0.0

    def x(i: int) -> float:
        return round(_LEFT + (i * step if count > 1 else _W / 2), 2)

    def y(v: float) -> float:
        return round(_TOP + _H - (v - low) / (high - low) * _H, 2)

    points = []
    segments: list[list[tuple[float, float]]] = [[]]
    for i, (value, label, flagged) in enumerate(zip(numbers, labels, anomalies, strict=True)):
        if value is None:
            if segments[-1]:
                segments.append([])
            continue
        segments[-1].append((x(i), y(value)))
        points.append(
            {"x": x(i), "y": y(value), "value": value, "label": label, "anomaly": bool(flagged)}
        )
    lines = [" ".join(f"{px},{py}" for px, py in seg) for seg in segments if len(seg) > 1]
    return {
        "metric": metric,
        "width": _LEFT + _W + 12,
        "height": _TOP + _H + _BOTTOM,
        "plot": {"x": _LEFT, "y": _TOP, "w": _W, "h": _H},
        "low": low,
        "high": high,
        "lines": lines,
        "points": points,
        "anomalies": sum(1 for p in points if p["anomaly"]),
        "first": labels[0] if labels else "",
        "last": labels[-1] if labels else "",
        "versions": count,
    }
