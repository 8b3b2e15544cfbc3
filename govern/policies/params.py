"""Rule parameters: what a rule accepts under ``with:``, checked when a pack is loaded.

A rule declares its parameters as ``{name: Param(kind, ...)}``; a policy file's values
are checked against that before anything is evaluated, so a typo or a wrong type is a
``PolicyError`` naming file and line, not a surprise in CI.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from govern.errors import PolicyError
from govern.yamlfile import LineDict, show

__all__ = ["Param", "ParamKind", "check_params", "parse_duration"]

ParamKind = Literal["number", "integer", "string", "boolean", "strings", "metrics", "duration"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_KIND_WORDS = {
    "number": "a finite number",
    "integer": "a whole number",
    "string": "a string",
    "boolean": "true or false",
    "strings": "a list of strings",
    "metrics": "a mapping of metric name to finite number",
    "duration": "a duration such as 30m, 24h, 7d or 2w (at most 999,999,999 days)",
}


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter a rule accepts.

    Attributes:
        kind: ``number``, ``integer``, ``string``, ``boolean``, ``strings`` (a list),
            ``metrics`` (``{name: number}``) or ``duration`` (``30m``, ``24h``, ``7d``,
            ``2w``; read as a ``timedelta``).
        required: the rule cannot run without it.
        default: the value when the policy file leaves it out.
        doc: one line for the docs and error messages.
        minimum: the least a ``number``/``integer`` (or each ``metrics`` value) may be.
        maximum: the most it may be.
    """

    kind: ParamKind
    required: bool = False
    default: Any = None
    doc: str = ""
    minimum: float | None = None
    maximum: float | None = None

    def out_of_range(self, value: Any) -> str | None:
        """Why ``value`` (already coerced) is out of range, or None."""
        values = list(value.values()) if isinstance(value, Mapping) else [value]
        for v in values:
            if not isinstance(v, int | float):
                continue
            if self.minimum is not None and v < self.minimum:
                return f"must be at least {self.minimum:g}, got {v:g}"
            if self.maximum is not None and v > self.maximum:
                return f"must be at most {self.maximum:g}, got {v:g}"
        return None


_MAX_SECONDS = timedelta.max.total_seconds()


def parse_duration(value: Any) -> timedelta | None:
    """``30m``/``24h``/``7d``/``2w``/``90s`` (or a number of seconds) as a timedelta.

    None for anything else: a negative, infinite or NaN amount, or one longer than a
    ``timedelta`` can hold (999,999,999 days).
    """
    if isinstance(value, bool):
        return None
    seconds: float | None = None
    if isinstance(value, int | float):
        seconds = float(value) if _is_number(value) else None
    elif isinstance(value, str) and len(value) <= 64:  # a duration is a few characters
        match = _DURATION.match(value)
        if match:
            seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds is None or not 0 <= seconds <= _MAX_SECONDS:  # NaN fails both
        return None
    return timedelta(seconds=seconds)


def _is_number(value: Any) -> bool:
    """An int or a finite float (not a bool; NaN and infinities are no threshold)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def _coerce(kind: ParamKind, value: Any) -> tuple[bool, Any]:
    if kind == "number":
        return _is_number(value), float(value) if _is_number(value) else None
    if kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool) and _is_number(value)
        return ok, value
    if kind == "string":
        return isinstance(value, str) and bool(value.strip()), value
    if kind == "boolean":
        return isinstance(value, bool), value
    if kind == "strings":
        ok = isinstance(value, list) and all(isinstance(v, str) and v for v in value)
        return ok, tuple(value) if ok else None
    if kind == "metrics":
        ok = isinstance(value, Mapping) and all(_is_number(v) for v in value.values())
        return ok, {str(k): float(v) for k, v in value.items()} if ok else None
    duration = parse_duration(value)
    return duration is not None, duration


def check_params(
    spec: Mapping[str, Param], values: Any, where: Callable[[int], str], line: int
) -> dict[str, Any]:
    """Check a rule's ``with:`` mapping against its parameters; fill in defaults.

    Args:
        spec: the rule's parameters.
        values: the ``with:`` value from the policy file (None when absent).
        where: makes the ``FILE:LINE: rule 'id'`` prefix of a message for a line.
        line: the line of the ``with:`` key (or of the rule when absent).

    Raises:
        PolicyError: not a mapping, an unknown key, a missing required parameter or a
            value of the wrong kind.
    """
    if values is None:
        values = LineDict()
        values.line, values.lines = line, {}
    if not isinstance(values, LineDict):
        raise PolicyError(f"{where(line)}: 'with' must be a mapping of parameters")
    known = ", ".join(sorted(spec)) or "none"
    checked: dict[str, Any] = {}
    for key, value in values.items():
        param = spec.get(key)
        if param is None:
            raise PolicyError(
                f"{where(values.line_of(key))}: unknown parameter {key!r} in 'with'; "
                f"this condition takes: {known}"
            )
        ok, coerced = _coerce(param.kind, value)
        if not ok:
            raise PolicyError(
                f"{where(values.line_of(key))}: parameter {key!r} must be "
                f"{_KIND_WORDS[param.kind]}, got {show(value)}"
            )
        problem = param.out_of_range(coerced)
        if problem:
            raise PolicyError(f"{where(values.line_of(key))}: parameter {key!r} {problem}")
        checked[key] = coerced
    for key, param in spec.items():
        if key in checked:
            continue
        if param.required:
            raise PolicyError(
                f"{where(values.line)}: parameter {key!r} is required"
                + (f" ({param.doc})" if param.doc else "")
            )
        checked[key] = param.default
    return checked
