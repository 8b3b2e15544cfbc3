"""Drift between two dataset versions (or a version and a window), from their summaries.

``compare(reference, current, thresholds)`` reads two ``Profile`` values -- the view
drift takes of a recorded `DatasetSummary` (``of_summary``; ``window`` pools several):
rows, and per column its type, null count and either a quantile sketch (numbers) or a
frequency table (categories) -- and returns a ``Drift``: the
row-count change, schema changes (added, removed, retyped columns) and per column the
null-fraction change and a distance (PSI and KS for numbers, Jensen-Shannon for
categories; see ``govern.monitoring.distance``). Each measure is compared with its
threshold; ``Drift.crossed`` lists what crossed one. Nothing here reads data or the store.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal

from govern.errors import ConfigError
from govern.monitoring.distance import QuantileSketch, js_distance, ks_distance, psi
from govern.monitoring.summary import ColumnSummary, DatasetSummary, kll_from_bytes, merge_columns

__all__ = [
    "ColumnDrift",
    "ColumnProfile",
    "Drift",
    "Profile",
    "Thresholds",
    "compare",
    "of_summary",
    "window",
]

ColumnKind = Literal["numeric", "categorical", "other"]
Change = Literal["same", "added", "removed", "retyped"]


@dataclass(frozen=True)
class ColumnProfile:
    """What drift reads of one column of one version (or of a merged window).

    Attributes:
        type: the column's type as recorded.
        count: values (rows) seen; ``nulls`` of them null.
        quantiles: a quantile sketch of the non-null numbers (numeric columns).
        frequencies: value -> count of the most frequent values (categorical columns);
            ``frequency_total`` is the count of every non-null value, listed or not.
    """

    type: str
    count: int
    nulls: int
    quantiles: QuantileSketch | None = None
    frequencies: Mapping[str, float] | None = None
    frequency_total: float = 0.0

    @property
    def kind(self) -> ColumnKind:
        """Numeric when it has a quantile sketch, categorical with a frequency table."""
        if self.quantiles is not None:
            return "numeric"
        return "categorical" if self.frequencies is not None else "other"

    @property
    def null_fraction(self) -> float | None:
        """The nulls / count ratio; None for an empty column."""
        return self.nulls / self.count if self.count else None


@dataclass(frozen=True)
class Profile:
    """What drift reads of a dataset version: its rows and columns (in order)."""

    rows: float
    columns: Mapping[str, ColumnProfile]
    label: str = ""


@dataclass(frozen=True)
class Thresholds:
    """Where drift becomes a finding (None: never). ``schema``: any column change counts.

    Attributes:
        psi: population stability index of a numeric column (0.1 moderate, 0.2 large).
        ks: Kolmogorov-Smirnov distance of a numeric column (0-1).
        js: Jensen-Shannon distance (base 2, 0-1) of a categorical column.
        rows: relative change of the row count, either way (0.3: 30% more or fewer).
        nulls: change of a column's null fraction, either way (0.05: 5 points).
        schema: a column added, removed or retyped is a finding.
    """

    psi: float | None = 0.2
    ks: float | None = None
    js: float | None = 0.1
    rows: float | None = 0.3
    nulls: float | None = 0.05
    schema: bool = True

    @classmethod
    def parse(
        cls, items: Mapping[str, Any], where: str, base: Thresholds | None = None
    ) -> Thresholds:
        """``{"psi": 0.25, "ks": "none", "schema": False}`` over ``base`` (or the defaults).

        Raises:
            ConfigError: an unknown name or a value that is not a finite number >= 0.
        """
        known = {f.name for f in fields(cls)}
        changes: dict[str, Any] = {}
        for key, value in items.items():
            if key not in known:
                raise ConfigError(
                    f"{where}: unknown drift threshold {key!r}; known: {', '.join(sorted(known))}"
                )
            changes[key] = (
                _flag(key, value, where) if key == "schema" else _bound(key, value, where)
            )
        return replace(base or cls(), **changes)


def _bound(key: str, value: Any, where: str) -> float | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("none", "off")):
        return None
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise ConfigError(
            f"{where}: drift threshold {key!r} must be a finite number >= 0 or 'none', "
            f"got {value!r}"
        )
    return number


def _flag(key: str, value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "on", "yes", "1"):
        return True
    if text in ("false", "off", "no", "none", "0"):
        return False
    raise ConfigError(f"{where}: drift threshold {key!r} must be true or false, got {value!r}")


@dataclass(frozen=True)
class ColumnDrift:
    """Drift of one column: schema change, null fraction, distance, what crossed."""

    column: str
    kind: ColumnKind
    change: Change
    type_before: str | None
    type_after: str | None
    null_fraction_before: float | None = None
    null_fraction_after: float | None = None
    psi: float | None = None
    ks: float | None = None
    js: float | None = None
    crossed: tuple[str, ...] = ()

    @property
    def null_change(self) -> float | None:
        """Null fraction after minus before (points as a fraction)."""
        if self.null_fraction_before is None or self.null_fraction_after is None:
            return None
        return self.null_fraction_after - self.null_fraction_before


@dataclass(frozen=True)
class Drift:
    """Drift of a dataset between a reference and a current version."""

    reference: str
    current: str
    rows_before: float
    rows_after: float
    columns: tuple[ColumnDrift, ...]
    thresholds: Thresholds
    crossed: tuple[str, ...] = field(default=())

    @property
    def row_change(self) -> float | None:
        """(after - before) / before; None when the reference had no rows."""
        if not self.rows_before:
            return None
        return (self.rows_after - self.rows_before) / self.rows_before

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, with the derived changes spelled out."""
        return {
            "reference": self.reference,
            "current": self.current,
            "rows_before": self.rows_before,
            "rows_after": self.rows_after,
            "row_change": self.row_change,
            "columns": [
                {**asdict(c), "crossed": list(c.crossed), "null_change": c.null_change}
                for c in self.columns
            ],
            "thresholds": asdict(self.thresholds),
            "crossed": list(self.crossed),
        }


def _over(value: float | None, limit: float | None) -> bool:
    return value is not None and limit is not None and abs(value) > limit


def _column(
    name: str, before: ColumnProfile | None, after: ColumnProfile | None, t: Thresholds
) -> ColumnDrift:
    if before is None or after is None:
        present = after or before
        assert present is not None
        change: Change = "added" if before is None else "removed"
        return ColumnDrift(
            name,
            present.kind,
            change,
            before.type if before else None,
            after.type if after else None,
            before.null_fraction if before else None,
            after.null_fraction if after else None,
            crossed=(f"schema:{change}",) if t.schema else (),
        )
    retyped = before.type != after.type
    kind = after.kind if before.kind == after.kind else "other"
    measures: dict[str, float | None] = {"psi": None, "ks": None, "js": None}
    if kind == "numeric" and before.quantiles is not None and after.quantiles is not None:
        measures["psi"] = psi(before.quantiles, after.quantiles)
        measures["ks"] = ks_distance(before.quantiles, after.quantiles)
    elif kind == "categorical" and before.frequencies is not None and after.frequencies is not None:
        measures["js"] = js_distance(
            before.frequencies, before.frequency_total, after.frequencies, after.frequency_total
        )
    drift = ColumnDrift(
        name,
        kind,
        "retyped" if retyped else "same",
        before.type,
        after.type,
        before.null_fraction,
        after.null_fraction,
        psi=measures["psi"],
        ks=measures["ks"],
        js=measures["js"],
    )
    crossed = ["schema:retyped"] if retyped and t.schema else []
    crossed += [m for m in ("psi", "ks", "js") if _over(measures[m], getattr(t, m))]
    if _over(drift.null_change, t.nulls):
        crossed.append("nulls")
    return replace(drift, crossed=tuple(crossed))


def compare(reference: Profile, current: Profile, thresholds: Thresholds | None = None) -> Drift:
    """Drift of ``current`` against ``reference`` (a version or a merged window)."""
    t = thresholds or Thresholds()
    names = list(current.columns) + [c for c in reference.columns if c not in current.columns]
    columns = tuple(_column(n, reference.columns.get(n), current.columns.get(n), t) for n in names)
    drift = Drift(reference.label, current.label, reference.rows, current.rows, columns, t)
    crossed = ["rows"] if _over(drift.row_change, t.rows) else []
    crossed += [f"{c.column}:{what}" for c in columns for what in c.crossed]
    return replace(drift, crossed=tuple(crossed))


def of_summary(summary: DatasetSummary, label: str = "") -> Profile:
    """The view drift takes of a recorded `DatasetSummary`."""
    return Profile(summary.rows, {c.name: _column_of(c) for c in summary.columns}, label)


def _column_of(column: ColumnSummary) -> ColumnProfile:
    quantiles = kll_from_bytes(column.kll) if column.kind == "numeric" else None
    frequencies = dict(column.top) if column.kind == "categorical" else None
    total = sum(c for _, c in column.top) + column.other
    return ColumnProfile(column.dtype, column.rows, column.nulls, quantiles, frequencies, total)


def window(summaries: Sequence[DatasetSummary], labels: Sequence[str] = ()) -> Profile:
    """One reference from several versions (oldest first): mean rows, pooled columns.

    A column is pooled (`merge_columns`: sketches and counts of all its values) over the
    versions where it had the type it has in the newest version that holds it.
    """
    if not summaries:
        raise ValueError("a window needs at least one version")
    names: list[str] = []
    for summary in summaries:
        names += [c.name for c in summary.columns if c.name not in names]
    columns = {}
    for name in names:
        found = [c for s in summaries if (c := s.column(name)) is not None]
        newest = found[-1]
        same = [c for c in found if (c.dtype, c.kind) == (newest.dtype, newest.kind)]
        merged = same[0]
        for column in same[1:]:
            merged = merge_columns(merged, column, top_k=max(s.top_k for s in summaries))
        columns[name] = _column_of(merged)
    rows = sum(s.rows for s in summaries) / len(summaries)
    label = f"{len(summaries)} version(s)"
    if labels:
        label += f" {labels[0]}..{labels[-1]}" if len(labels) > 1 else f" {labels[0]}"
    return Profile(rows, columns, label)
