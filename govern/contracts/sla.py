"""The service levels of a contract that the record can judge: freshness and frequency.

ODCS ``slaProperties`` entries name a property, a value and a unit. govern judges, per
dataset version recorded by a governed stage:

- ``latency`` / ``freshness``: the newest version is at most this old at evaluation time;
- ``frequency``: consecutive versions are at most this far apart (over the last 30).

Other properties (``retention``, ``availability``, ``throughput``, ``timeOfAvailability``,
...) describe the storage or the serving system, which the record does not observe; they
are listed by ``govern contract lint``'s translation as not judged, never as passed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from govern.contracts.document import ContractDocument
from govern.errors import ContractError

__all__ = ["JUDGED", "SlaTerm", "sla_terms"]

JUDGED = {"latency": "freshness", "freshness": "freshness", "frequency": "frequency"}
_UNITS = {
    "s": 1, "sec": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "week": 604800, "weeks": 604800,
    "y": 31536000, "yr": 31536000, "year": 31536000, "years": 31536000,
}  # fmt: skip


@dataclass(frozen=True)
class SlaTerm:
    """One judged service level: ``freshness`` or ``frequency`` within ``limit``."""

    kind: str
    limit: timedelta
    source: str
    element: str | None = None


def sla_terms(doc: ContractDocument) -> tuple[list[SlaTerm], list[str]]:
    """The judged terms of a contract, and the names of the properties not judged."""
    terms: list[SlaTerm] = []
    skipped: list[str] = []
    for i, item in enumerate(doc.data.get("slaProperties") or ()):
        where = doc.where(("slaProperties", i))
        if not isinstance(item, dict):
            raise ContractError(f"{where}: an slaProperties entry is a mapping")
        prop = str(item.get("property", ""))
        kind = JUDGED.get(prop)
        if kind is None:
            skipped.append(prop)
            continue
        value: Any = item.get("value")
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value <= 0
        ):
            raise ContractError(f"{where}: {prop} needs a positive number as value, got {value!r}")
        unit = str(item.get("unit") or "d").lower()
        if unit not in _UNITS:
            raise ContractError(
                f"{where}: unknown unit {unit!r} for {prop}; use one of s, m, h, d, w, y"
            )
        seconds = float(value) * _UNITS[unit]
        if seconds > timedelta.max.total_seconds():
            raise ContractError(f"{where}: {prop} of {value} {unit} is too long")
        element = item.get("element")
        terms.append(
            SlaTerm(
                kind,
                timedelta(seconds=seconds),
                f"{prop} {value:g} {unit}",
                str(element) if element else None,
            )
        )
    return terms, skipped
