"""In-process identity through Polars code (eager and lazy): which patterns keep the edge.

Polars frames carry no metadata, so a derived frame is linked to an identified one that
is still alive through the Arrow buffers it shares with it (columns it did not touch).
Patterns that recompute every column (a filter of scattered rows, sort, join, group_by,
concat, lazy collect) produce new buffers and lose the edge: the table in docs/lineage.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pl = pytest.importorskip("polars")
pap = pytest.importorskip("pandera.polars")

import govern  # noqa: E402
from govern.types import DatasetKind, StageResult  # noqa: E402

Anything = pap.DataFrameSchema()


@govern.stage(outputs=Anything)
def one(df: Any) -> Any:
    return df.with_columns(a=pl.col("k") - 2)


@govern.stage(outputs=Anything)
def other(df: Any) -> Any:
    return df.with_columns(b=pl.col("k") * 10)


@govern.stage(inputs={"df": Anything})
def two(df: Any) -> int:
    return int(df.select(pl.len()).collect().item() if isinstance(df, pl.LazyFrame) else len(df))


def parents(result: StageResult) -> set[str]:
    return {d.ref.name for d in result.datasets if d.parameter == "df (derived from)"}


POLARS: dict[str, tuple[Callable[[Any, Any], Any], set[str]]] = {
    "with_columns": (lambda x, y: x.with_columns(c=pl.lit(1)), {"x"}),
    "select": (lambda x, y: x.select("k", "a"), {"x"}),
    "rename": (lambda x, y: x.rename({"a": "z"}), {"x"}),
    "drop": (lambda x, y: x.drop("c"), {"x"}),
    "head": (lambda x, y: x.head(2), {"x"}),
    "cast of another column": (lambda x, y: x.cast({"c": pl.Float32}), {"x"}),
    "clone": (lambda x, y: x.clone(), {"x"}),
    "hstack of two governed frames": (lambda x, y: x.hstack(y.select("b")), {"x", "y"}),
    "fill_null (other columns untouched)": (lambda x, y: x.fill_null(0), {"x"}),
    "filter, rows in one run (kept: Polars slices)": (
        lambda x, y: x.filter(pl.col("a") > 0),
        {"x"},
    ),
    "filter, scattered rows (loses it)": (lambda x, y: x.filter(pl.col("k") % 2 == 0), set()),
    "sort (loses it)": (lambda x, y: x.sort("a", descending=True), set()),
    "join of two governed frames (loses it)": (lambda x, y: x.join(y, on="k"), set()),
    "concat (loses it)": (lambda x, y: pl.concat([x, x]), set()),
    "group_by-agg (loses it)": (lambda x, y: x.group_by("k").agg(pl.col("a").sum()), set()),
    "lazy filter, collect (loses it)": (
        lambda x, y: x.lazy().filter(pl.col("k") % 2 == 0).collect(),
        set(),
    ),
    "to_numpy and back (loses it)": (
        lambda x, y: pl.DataFrame(x.to_numpy(), schema=x.columns, orient="row"),
        set(),
    ),
}


@pytest.mark.parametrize("pattern", list(POLARS))
def test_polars_between_stage_patterns(pattern: str) -> None:
    from govern.metrics import profile

    derive, expected = POLARS[pattern]
    frame = pl.DataFrame({"k": [1, 2, 3, 4], "c": [1, None, 3, 4]})
    source = govern.source(frame, "/data/k.parquet")
    with govern.run("identity") as run:
        x = one(source)
        y = other(source)
        derived = derive(x, y)
        two(derived)
    names = {
        key: next(d.ref.name for d in r.datasets if d.role == "output")
        for key, r in (("x", run.stages[0]), ("y", run.stages[1]))
    }
    called = run.stages[2]
    assert parents(called) == {names[k] for k in expected}
    (seen,) = [d for d in called.datasets if d.parameter == "df"]
    assert seen.ref.kind is (DatasetKind.DERIVED if expected else DatasetKind.ANONYMOUS)
    assert seen.fingerprint == profile(derived).fingerprint  # its own content


def test_a_lazy_frame_passed_on_as_is_keeps_its_identity() -> None:
    source = govern.source(pl.DataFrame({"k": [1, 2, 3]}).lazy(), "/data/k.parquet")
    with govern.run("identity") as run:
        two(one(source))
    (used,) = [d for d in run.stages[1].datasets if d.role == "input"]
    assert used.ref.kind is DatasetKind.STAGE_OUTPUT


def test_a_dead_frames_buffers_link_nothing() -> None:
    import gc

    with govern.run("identity") as run:
        x = one(govern.source(pl.DataFrame({"k": [1, 2, 3]}), "/data/k.parquet"))
        kept = x.to_numpy()
        del x
        gc.collect()
        two(pl.DataFrame(kept, schema=["k", "a"], orient="row"))
    assert parents(run.stages[1]) == set()
