"""Turn user-supplied values (params, metrics, hyperparameters) into JSON-safe ones."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

__all__ = ["bounded_repr", "jsonable"]

_DEPTH = 6
_MAX_VALUE_CHARS = 80


def bounded_repr(value: Any, limit: int = _MAX_VALUE_CHARS) -> str:
    """``repr`` cut to ``limit`` characters, so a sample can never be huge."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def jsonable(value: Any, depth: int = 0) -> Any:
    """A JSON-serialisable rendering of ``value``; never raises.

    numpy scalars are unwrapped, NaN and infinities become None, unknown objects a
    bounded repr.
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if depth < _DEPTH:
        if isinstance(value, Mapping):
            return {str(k): jsonable(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [jsonable(v, depth + 1) for v in value]
    item = getattr(value, "item", None)  # numpy / pandas scalars
    if callable(item) and type(value).__module__.startswith("numpy"):
        try:
            return jsonable(item(), depth + 1)
        except (TypeError, ValueError):
            pass
    return bounded_repr(value)
