"""A dataset's history as columns of numbers: what `govern.Stable` judges a version against.

`History` holds, for the last versions of one dataset (oldest first), each metric of
each column as one numpy array (NaN: no value, or the column absent), the columns'
kinds and types per version, and the categorical columns' frequent values. Built from
summaries (`History.from_points`) or, for long windows, straight from the index's packed
numbers (`History.from_series`): no summary object per version, no JSON number parsed.
Both give the same history (tested).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from govern.monitoring.packing import NUMBERS
from govern.monitoring.summary import ColumnSummary, DatasetSummary

__all__ = ["FIELDS", "ColumnHistory", "History", "HistoryPoint", "PackedVersion", "numbers_of"]

FIELDS = ("null_fraction", "distinct", "mean", "std", "p05", "median", "p95")
"""The numbers kept per column and version, in `ColumnHistory.numbers` order."""
_WIDTH = len(NUMBERS)
_AT = {name: i for i, name in enumerate(NUMBERS)}


class PackedVersion(Protocol):
    """A version as the store's index keeps it (govern.store.summaries.SeriesRow)."""

    @property
    def seq(self) -> int:
        """The version's place in the record."""

    @property
    def ts(self) -> float:
        """Its time (epoch seconds)."""

    @property
    def layout(self) -> str:
        """Its layout (govern.monitoring.packing)."""

    @property
    def numbers(self) -> bytes:
        """Its packed numbers."""


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """One earlier version of the dataset: its place in the record, time and summary."""

    seq: int
    ts: float | None
    summary: DatasetSummary


@dataclass(frozen=True)
class ColumnHistory:
    """One column over the history's versions.

    Attributes:
        kinds: its kind per version (None where the version has no such column).
        dtypes: its type per version (None where absent).
        numbers: ``FIELDS`` per version (n x 7); NaN where there is no value.
        values: the frequent values any version listed (categorical).
        counts: each version's count of each of ``values`` (n x len(values); 0: not listed).
        other: each version's rows outside its listed values.
        listed: each version is categorical and lists values.
    """

    kinds: list[str | None]
    dtypes: list[str | None]
    numbers: Any
    values: list[str]
    counts: Any
    other: Any
    listed: Any

    def series(self, name: str) -> Any:
        """One of `FIELDS` over the versions (a numpy array, NaN for no value)."""
        return self.numbers[:, FIELDS.index(name)]

    def tracked(self, i: int) -> bool:
        """Version ``i`` lists all its values (see categories.tracked)."""
        return self.kinds[i] is not None and self.other[i] == 0 and bool(self.listed[i])

    def shares(self, versions: Any) -> Any:
        """The value shares of these versions (rows x `values`), as `frequencies` gives."""
        counts = self.counts[versions]
        total = counts.sum(axis=1) + self.other[versions]
        safe = np.where(total > 0, total, 1.0)
        return np.where(total[:, None] > 0, counts / safe[:, None], 0.0)


class _Categories:
    """Collects one categorical column's listed values over the versions."""

    def __init__(self, n: int) -> None:
        self.index: dict[str, int] = {}
        self.cells: list[tuple[Any, list[int], Any]] = []  # (versions, value slots, counts)
        self.other = np.zeros(n)
        self.listed = np.zeros(n, dtype=bool)

    def add(self, versions: Any, values: Sequence[str], counts: Any, other: Any) -> None:
        slots = [self.index.setdefault(v, len(self.index)) for v in values]
        self.cells.append((versions, slots, counts))
        self.other[versions] = other
        self.listed[versions] = len(values) > 0

    def column(
        self, kinds: list[str | None], dtypes: list[str | None], numbers: Any
    ) -> ColumnHistory:
        counts = np.zeros((len(kinds), len(self.index)))
        for versions, slots, found in self.cells:
            counts[np.ix_(versions, slots)] = found
        return ColumnHistory(
            kinds, dtypes, numbers, list(self.index), counts, self.other, self.listed
        )


@dataclass(frozen=True)
class History:
    """The last versions of a dataset (oldest first), metric by metric.

    Attributes:
        seq: each version's place in the record.
        ts: each version's time (epoch seconds; None where unknown).
        rows: row counts (numpy).
        columns: every column any version had, by name.
        last: the newest version's columns, in order.
    """

    seq: list[int]
    ts: list[float | None]
    rows: Any
    columns: dict[str, ColumnHistory] = field(default_factory=dict)
    last: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.seq)

    @classmethod
    def from_points(cls, points: Sequence[HistoryPoint]) -> History:
        """From summaries (any form, sketches or not)."""
        n = len(points)
        names: dict[str, None] = {}
        for p in points:
            names.update((c.name, None) for c in p.summary.columns)
        columns = {}
        for name in names:
            found = [p.summary.column(name) for p in points]
            categories = _Categories(n)
            for i, c in enumerate(found):
                if c is not None and c.kind == "categorical":
                    top = sorted(c.top)
                    counts = np.array([[k for _, k in top]], dtype=float)
                    categories.add(np.array([i]), [v for v, _ in top], counts, c.other)
            columns[name] = categories.column(
                [None if c is None else c.kind for c in found],
                [None if c is None else c.dtype for c in found],
                np.array([numbers_of(c) for c in found], dtype=float).reshape(n, len(FIELDS)),
            )
        return cls(
            seq=[p.seq for p in points],
            ts=[p.ts for p in points],
            rows=np.array([p.summary.rows for p in points], dtype=float),
            columns=columns,
            last=tuple(c.name for c in points[-1].summary.columns) if points else (),
        )

    @classmethod
    def from_series(cls, found: Sequence[PackedVersion]) -> History:
        """From the index's packed numbers (govern.monitoring.packing), oldest first.

        Versions with one layout (most often all of them) are decoded together: one
        parse of the layout, one numpy block of their numbers.
        """
        n = len(found)
        groups: dict[str, list[int]] = {}
        for i, r in enumerate(found):
            groups.setdefault(r.layout, []).append(i)
        parsed = {text: json.loads(text)["columns"] for text in groups}
        names: dict[str, None] = {}
        for layout in parsed.values():
            names.update((c[0], None) for c in layout)
        raw = {name: np.full((n, _WIDTH), math.nan) for name in names}
        kinds: dict[str, list[str | None]] = {name: [None] * n for name in names}
        dtypes: dict[str, list[str | None]] = {name: [None] * n for name in names}
        categories = {name: _Categories(n) for name in names}
        rows = np.full(n, math.nan)
        for text, members in groups.items():
            versions = np.array(members)
            block = np.stack([np.frombuffer(found[i].numbers, dtype="<f8") for i in members])
            rows[versions] = block[:, 0]
            at = 1
            for name, kind, dtype, values in parsed[text]:
                raw[name][versions] = block[:, at : at + _WIDTH]
                at += _WIDTH
                for i in members:
                    kinds[name][i], dtypes[name][i] = kind, dtype
                if values is not None:
                    width = len(values)
                    counts, other = block[:, at : at + width], block[:, at + width]
                    categories[name].add(versions, values, counts, other)
                    at += width + 1
        return cls(
            seq=[r.seq for r in found],
            ts=[r.ts for r in found],
            rows=rows,
            columns={
                name: categories[name].column(kinds[name], dtypes[name], _fields(raw[name]))
                for name in names
            },
            last=tuple(c[0] for c in parsed[found[-1].layout]) if found else (),
        )


def numbers_of(col: ColumnSummary | None) -> list[float]:
    """A column summary's `FIELDS` (NaN for none); the same as the packed path computes."""
    if col is None:
        return [math.nan] * len(FIELDS)
    quantiles: tuple[float | None, ...] = (None, None, None)
    if col.kind == "numeric" and col.q is not None:  # kept with the summary: as packed
        quantiles = (col.q[0], col.q[2], col.q[4])
    elif col.kind == "numeric":
        found = col.quantiles((0.05, 0.5, 0.95))
        quantiles = (None, None, None) if found is None else (found[0.05], found[0.5], found[0.95])
    values = [col.null_fraction, col.distinct, col.mean, col.std, *quantiles]
    return [math.nan if v is None else float(v) for v in values]


def _fields(raw: Any) -> Any:
    """The packed numbers (n x NUMBERS) as `FIELDS` (n x 7), like the summary's properties."""
    rows, nulls, count, m2 = (raw[:, _AT[k]] for k in ("rows", "nulls", "count", "m2"))
    with np.errstate(divide="ignore", invalid="ignore"):
        null_fraction = np.where(rows > 0, nulls / np.where(rows > 0, rows, 1.0), math.nan)
        std = np.where(
            (count > 0) & ~np.isnan(m2),
            np.sqrt(np.maximum(m2, 0.0) / np.where(count > 0, count, 1.0)),
            math.nan,
        )
    return np.column_stack(
        [
            null_fraction,
            raw[:, _AT["distinct"]],
            raw[:, _AT["mean"]],
            std,
            raw[:, _AT["q0"]],
            raw[:, _AT["q2"]],
            raw[:, _AT["q4"]],
        ]
    )
