"""Bar-chart geometry for metrics per slice, drawn as inline SVG by the HTML templates."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["bar_charts"]

_BAR_H = 16
_GAP = 6
_LABEL_W = 170
_PLOT_W = 260
_VALUE_W = 70


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def bar_charts(
    overall: Sequence[Mapping[str, Any]], slices: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """One horizontal bar chart per numeric metric: the overall value, then each slice.

    Args:
        overall: ``[{"name", "value"}]`` metrics of the whole evaluation set.
        slices: ``[{"name", "metrics": [{"name", "value"}]}]``.
    """
    names: list[str] = []
    for item in overall:
        if _number(item["value"]) is not None and item["name"] not in names:
            names.append(str(item["name"]))
    for sliced in slices:
        for item in sliced["metrics"]:
            if _number(item["value"]) is not None and item["name"] not in names:
                names.append(str(item["name"]))
    charts = []
    for metric in names:
        rows: list[tuple[str, float]] = []
        for item in overall:
            value = _number(item["value"])
            if item["name"] == metric and value is not None:
                rows.append(("overall", value))
        for sliced in slices:
            for item in sliced["metrics"]:
                value = _number(item["value"])
                if item["name"] == metric and value is not None:
                    rows.append((str(sliced["name"]), value))
        charts.append(_chart(metric, rows))
    return charts


def _chart(metric: str, rows: list[tuple[str, float]]) -> dict[str, Any]:
    unit = all(0.0 <= v <= 1.0 for _, v in rows)
    top = 1.0 if unit else max((abs(v) for _, v in rows), default=1.0) or 1.0
    bars = []
    for index, (label, value) in enumerate(rows):
        bars.append(
            {
                "label": label,
                "value": value,
                "x": _LABEL_W,
                "y": index * (_BAR_H + _GAP),
                "w": round(_PLOT_W * abs(value) / top, 2),
                "h": _BAR_H,
                "overall": label == "overall" and index == 0,
            }
        )
    return {
        "metric": metric,
        "scale_max": top,
        "label_w": _LABEL_W,
        "plot_w": _PLOT_W,
        "width": _LABEL_W + _PLOT_W + _VALUE_W,
        "height": max(len(rows) * (_BAR_H + _GAP) - _GAP, _BAR_H),
        "bars": bars,
    }
