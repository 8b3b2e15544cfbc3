"""Mergeable summaries of one dataset version: what monitoring and drift read instead of data.

A `DatasetSummary` holds the row count and one `ColumnSummary` per column. Everything in it
merges: two summaries of disjoint parts of a dataset (Spark partitions, chunks of a
frame) combine with `DatasetSummary.merge` into the summary of the whole, exactly for the
counts, extrema and moments, within the sketches' error bounds for the rest.

Per column:

- counts: ``rows``, ``nulls`` (null or NaN: pandas and Polars agree), exact.
- numeric (integers, floats, decimals, booleans are categorical; dates and times as their
  epoch value): ``count``, ``min``, ``max``, ``mean`` and ``m2`` (the sum of squared
  deviations; Chan et al.'s parallel update merges them) over *all* values, and a KLL
  quantile sketch (Apache DataSketches ``kll_doubles_sketch``, k=200: normalised rank
  error ~1.65%).
- categorical (strings, booleans, dictionary/categorical columns): the ``top`` most
  frequent values with their counts and ``other`` (rows outside them).
- both: ``distinct``, an estimate of the distinct non-missing values, with an HLL sketch
  (DataSketches ``hll_sketch``) of the values seen when the column has few of them.

Sampling (``step`` > 1): the sketches and frequencies may be computed on a stratified
random sample of one row in ``step`` (a power of two, so that merged parts stay exact
multiples of each other); frequencies are then scaled by ``step`` and the KLL sketch of a
part with a coarser step is merged in ``step`` times over (its items weigh that much
more). See govern.monitoring.compute and docs/monitoring.md for what is sampled and why.

Serialised form (`DatasetSummary.to_dict`): JSON scalars, sketches as base64 of
DataSketches' own binary format (portable across its languages and versions).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

__all__ = [
    "KLL_K",
    "QUANTILES",
    "ColumnKind",
    "ColumnSummary",
    "DatasetSummary",
    "kll_from_bytes",
    "merge_columns",
]

ColumnKind = Literal["numeric", "categorical", "other"]

KLL_K = 200
"""KLL's accuracy parameter (the library default: ~1.65% normalised rank error)."""
HLL_LG_K = 12
"""HLL registers 2^12 (HLL_8): ~1.6% relative standard error."""
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""The quantiles kept as plain numbers (history reads them without the sketch)."""
SUMMARY_FORMAT = 1


@dataclass(frozen=True, slots=True)
class ColumnSummary:
    """One column of one dataset version (see the module docstring for each field).

    Attributes:
        name: the column's name.
        dtype: its type as the frame library prints it.
        kind: ``numeric``, ``categorical`` or ``other`` (counts only).
        rows: rows in the part summarised.
        nulls: missing values (null, or NaN in a float column).
        step: sketches and frequencies were computed on one row in ``step``.
        distinct: estimated distinct non-missing values; None when unknown.
        count: non-missing values (numeric).
        min, max, mean, m2: over all non-missing values (numeric); None when count is 0.
        kll: the serialised KLL sketch of the (sampled) values (numeric).
        hll: the serialised HLL sketch of the (sampled) values, when kept.
        top: the most frequent values (as strings) and their (scaled) counts, most
            frequent first (categorical).
        other: (scaled) non-missing rows whose value is not in ``top`` (categorical).
        q: the `QUANTILES` read off the KLL sketch, kept so that a compact summary
            (without sketches) still has them.
    """

    name: str
    dtype: str
    kind: ColumnKind
    rows: int
    nulls: int
    step: int = 1
    distinct: float | None = None
    count: int = 0
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    m2: float | None = None
    kll: bytes | None = None
    hll: bytes | None = None
    top: tuple[tuple[str, int], ...] = ()
    other: int = 0
    q: tuple[float, ...] | None = field(default=None, compare=False)

    @property
    def null_fraction(self) -> float | None:
        """Missing values over rows; None for an empty part."""
        return self.nulls / self.rows if self.rows else None

    @property
    def std(self) -> float | None:
        """Population standard deviation of the non-missing values."""
        if self.m2 is None or not self.count:
            return None
        return math.sqrt(max(self.m2, 0.0) / self.count)

    def quantiles(self, qs: Iterable[float] = QUANTILES) -> dict[float, float] | None:
        """Approximate quantiles from the KLL sketch; None without one or when empty.

        A compact summary (no sketch) answers for `QUANTILES` from ``q``.
        """
        qs = tuple(qs)
        if self.kll is None and self.q is not None and set(qs) <= set(QUANTILES):
            known = dict(zip(QUANTILES, self.q, strict=True))
            return {p: known[p] for p in qs}
        sketch = kll_from_bytes(self.kll)
        if sketch is None or sketch.is_empty():
            return None
        return {q: float(sketch.get_quantile(q)) for q in qs}

    def frequencies(self) -> dict[str, float]:
        """Each top value's share of the non-missing rows (categorical)."""
        total = sum(c for _, c in self.top) + self.other
        return {v: c / total for v, c in self.top} if total else {}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (sketches base64); defaults left out to keep records small."""
        out: dict[str, Any] = {
            "name": self.name,
            "dtype": self.dtype,
            "kind": self.kind,
            "rows": self.rows,
            "nulls": self.nulls,
        }
        if self.step != 1:
            out["step"] = self.step
        if self.distinct is not None:
            out["distinct"] = self.distinct
        if self.kind == "numeric":
            out.update(count=self.count, min=self.min, max=self.max, mean=self.mean, m2=self.m2)
            q = self.quantiles()
            if q is not None:
                out["q"] = [q[p] for p in QUANTILES]
        for key in ("kll", "hll"):
            blob = getattr(self, key)
            if blob is not None:
                out[key] = base64.b64encode(blob).decode("ascii")
        if self.kind == "categorical":
            out["top"] = [[v, c] for v, c in self.top]
            out["other"] = self.other
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ColumnSummary:
        """The inverse of `to_dict`."""

        def blob(key: str) -> bytes | None:
            text = d.get(key)
            return None if text is None else base64.b64decode(text)

        def number(key: str) -> float | None:
            value = d.get(key)
            return None if value is None else float(value)

        return cls(
            name=str(d["name"]),
            dtype=str(d["dtype"]),
            kind=d["kind"],
            rows=int(d["rows"]),
            nulls=int(d["nulls"]),
            step=int(d.get("step", 1)),
            distinct=number("distinct"),
            count=int(d.get("count", 0)),
            min=number("min"),
            max=number("max"),
            mean=number("mean"),
            m2=number("m2"),
            kll=blob("kll"),
            hll=blob("hll"),
            top=tuple((str(v), int(c)) for v, c in d.get("top", ())),
            other=int(d.get("other", 0)),
            q=None if d.get("q") is None else tuple(float(x) for x in d["q"]),
        )

    def compact(self) -> ColumnSummary:
        """This summary without its sketches (quantiles kept in ``q``): what history reads."""
        q = self.quantiles()
        return replace(
            self, kll=None, hll=None, q=None if q is None else tuple(q[p] for p in QUANTILES)
        )


@dataclass(frozen=True, slots=True)
class DatasetSummary:
    """A dataset version: its rows and one summary per column, in column order.

    Attributes:
        rows: rows in the dataset (the part summarised).
        columns: the column summaries.
        top_k: how many frequent values a categorical column keeps.
    """

    rows: int
    columns: tuple[ColumnSummary, ...] = ()
    top_k: int = 100
    _by_name: dict[str, ColumnSummary] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._by_name.update((c.name, c) for c in self.columns)

    @property
    def schema(self) -> tuple[tuple[str, str], ...]:
        """``(name, dtype)`` per column, in order."""
        return tuple((c.name, c.dtype) for c in self.columns)

    def column(self, name: str) -> ColumnSummary | None:
        """The summary of column ``name``, or None."""
        return self._by_name.get(name)

    def merge(self, other: DatasetSummary) -> DatasetSummary:
        """The summary of both parts (same columns, same order; names decide).

        Raises:
            ValueError: the parts have different columns or column types.
        """
        if self.schema != other.schema:
            raise ValueError(
                f"cannot merge summaries of different schemas: {list(self.schema)} "
                f"and {list(other.schema)}"
            )
        top_k = max(self.top_k, other.top_k)
        return DatasetSummary(
            rows=self.rows + other.rows,
            columns=tuple(
                merge_columns(a, b, top_k=top_k)
                for a, b in zip(self.columns, other.columns, strict=True)
            ),
            top_k=top_k,
        )

    @classmethod
    def merge_all(cls, parts: Iterable[DatasetSummary]) -> DatasetSummary:
        """Merge any number of parts (at least one).

        Raises:
            ValueError: no parts, or parts of different schemas.
        """
        merged: DatasetSummary | None = None
        for part in parts:
            merged = part if merged is None else merged.merge(part)
        if merged is None:
            raise ValueError("merge_all needs at least one summary")
        return merged

    def compact(self) -> DatasetSummary:
        """This summary without sketches (see `ColumnSummary.compact`)."""
        return replace(self, columns=tuple(c.compact() for c in self.columns))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (see `ColumnSummary.to_dict`)."""
        return {
            "format": SUMMARY_FORMAT,
            "rows": self.rows,
            "top_k": self.top_k,
            "columns": [c.to_dict() for c in self.columns],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DatasetSummary:
        """The inverse of `to_dict`.

        Raises:
            ValueError: a summary written by a newer govern (unknown format).
        """
        version = int(d.get("format", SUMMARY_FORMAT))
        if version > SUMMARY_FORMAT:
            raise ValueError(f"summary format {version} is newer than this govern reads")
        return cls(
            rows=int(d["rows"]),
            columns=tuple(ColumnSummary.from_dict(c) for c in d.get("columns", ())),
            top_k=int(d.get("top_k", 100)),
        )


def kll_from_bytes(blob: bytes | None) -> Any:
    """A ``kll_doubles_sketch`` from its serialised bytes (None for None)."""
    if blob is None:
        return None
    from datasketches import kll_doubles_sketch

    return kll_doubles_sketch.deserialize(blob)


def _hll_from_bytes(blob: bytes) -> Any:
    from datasketches import hll_sketch

    return hll_sketch.deserialize(blob)


def merge_columns(a: ColumnSummary, b: ColumnSummary, *, top_k: int = 100) -> ColumnSummary:
    """The summary of one column over two disjoint parts.

    Raises:
        ValueError: different column names or types.
    """
    if (a.name, a.dtype, a.kind) != (b.name, b.dtype, b.kind):
        raise ValueError(f"cannot merge column {a.name!r} ({a.dtype}) with {b.name!r} ({b.dtype})")
    step = min(a.step, b.step)
    merged = replace(
        a,
        rows=a.rows + b.rows,
        nulls=a.nulls + b.nulls,
        step=step,
        distinct=_merge_distinct(a, b),
        hll=_merge_hll(a.hll, b.hll),
        q=None,  # read off the merged sketch
    )
    if a.kind == "numeric":
        merged = replace(merged, **_merge_moments(a, b), kll=_merge_kll(a, b, step))
    elif a.kind == "categorical":
        top, other = _merge_top(a, b, top_k)
        merged = replace(merged, top=top, other=other)
    return merged


def _merge_moments(a: ColumnSummary, b: ColumnSummary) -> dict[str, Any]:
    if not (a.count and b.count):  # one part has no values: the other's moments
        c = a if a.count else b
        return {"count": c.count, "min": c.min, "max": c.max, "mean": c.mean, "m2": c.m2}
    assert a.mean is not None and b.mean is not None and a.m2 is not None and b.m2 is not None
    n = a.count + b.count
    delta = b.mean - a.mean
    return {
        "count": n,
        "min": min(x for x in (a.min, b.min) if x is not None),
        "max": max(x for x in (a.max, b.max) if x is not None),
        "mean": a.mean + delta * b.count / n,
        "m2": a.m2 + b.m2 + delta * delta * a.count * b.count / n,
    }


def _weighted(blob: bytes, times: int) -> Any:
    """A KLL sketch whose every item weighs ``times`` (a power of two) as much."""
    sketch = kll_from_bytes(blob)
    while times > 1:  # doubling: merging a copy into itself doubles every weight
        sketch.merge(kll_from_bytes(sketch.serialize()))
        times //= 2
    return sketch


def _merge_kll(a: ColumnSummary, b: ColumnSummary, step: int) -> bytes | None:
    if a.kll is None or b.kll is None:
        return a.kll if b.kll is None else b.kll
    merged = _weighted(a.kll, a.step // step)
    merged.merge(_weighted(b.kll, b.step // step))
    return bytes(merged.serialize())


def _merge_hll(a: bytes | None, b: bytes | None) -> bytes | None:
    if a is None or b is None:
        return None  # a part without one had too many values to keep one
    from datasketches import hll_union, tgt_hll_type

    union = hll_union(HLL_LG_K)
    union.update(_hll_from_bytes(a))
    union.update(_hll_from_bytes(b))
    return bytes(union.get_result(tgt_hll_type.HLL_8).serialize_compact())


def _merge_distinct(a: ColumnSummary, b: ColumnSummary) -> float | None:
    if a.distinct is None or b.distinct is None:
        return None
    if a.hll is not None and b.hll is not None:
        # both parts saw all their (few) values: the union's estimate
        union = _merge_hll(a.hll, b.hll)
        assert union is not None
        return float(round(_hll_from_bytes(union).get_estimate()))
    # many values: parts of a high-cardinality column rarely share them
    limit = a.count + b.count if a.kind == "numeric" else a.rows + b.rows - a.nulls - b.nulls
    return float(min(limit, a.distinct + b.distinct))


def _merge_top(
    a: ColumnSummary, b: ColumnSummary, top_k: int
) -> tuple[tuple[tuple[str, int], ...], int]:
    counts: dict[str, int] = dict(a.top)
    for value, count in b.top:
        counts[value] = counts.get(value, 0) + count
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    kept = tuple(ranked[:top_k])
    dropped = sum(c for _, c in ranked[top_k:])
    return kept, a.other + b.other + dropped
