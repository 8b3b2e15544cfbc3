"""What a stage call collects from inside the function: params, metrics, its result.

``govern.log_params`` / ``govern.log_metrics`` write into the collector of the stage call
running in this context; ``govern.last_result`` reads what the latest call recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from govern.errors import GovernError
from govern.jsonable import jsonable
from govern.types import StageResult

__all__ = ["last_result", "log_metrics", "log_params"]


@dataclass
class _Collector:
    """What one stage call accumulates; becomes a StageResult at the end."""

    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    slices: dict[str, dict[str, Any]] = field(default_factory=dict)


_collector: ContextVar[_Collector | None] = ContextVar("govern_stage", default=None)
_last: list[StageResult] = []


def last_result() -> StageResult | None:
    """The result of the latest governed stage call in this process."""
    return _last[-1] if _last else None


def _active(func: str) -> _Collector:
    collector = _collector.get()
    if collector is None:
        raise GovernError(f"govern.{func}() must be called inside a governed stage")
    return collector


def log_metrics(*, slices: Mapping[str, Mapping[str, Any]] | None = None, **metrics: Any) -> None:
    """Record metrics of what the current stage produces (a model or a dataset).

    Args:
        slices: per-slice metrics, e.g. ``{"sex=female": {"accuracy": 0.96}}``.
        **metrics: overall metrics, e.g. ``accuracy=0.97``.
    """
    collector = _active("log_metrics")
    collector.metrics.update(jsonable(metrics))
    for name, values in (slices or {}).items():
        if not isinstance(values, Mapping):
            raise GovernError(f"log_metrics(slices=...): slice {name!r} needs a dict of metrics")
        collector.slices.setdefault(str(name), {}).update(jsonable(values))


def log_params(**params: Any) -> None:
    """Record parameters of the current stage (JSON-safe renderings are stored)."""
    _active("log_params").params.update(jsonable(params))
