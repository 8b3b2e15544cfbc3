"""In-process identity through Polars code (eager and lazy): which patterns keep the edge.

Polars frames carry no metadata, so a derived frame is linked to identified frames that
are alive through what it still holds of them: their Arrow buffers (untouched columns),
their rows (on the columns it shares with them: filter, sort, sample, join, concat,
group_by, a lazy query collected) or, for a LazyFrame, their data and plan inside its
query plan. The table in docs/lineage.md.
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
    "filter, rows in one run": (lambda x, y: x.filter(pl.col("a") > 0), {"x"}),
    "filter, scattered rows": (lambda x, y: x.filter(pl.col("k") % 2 == 0), {"x"}),
    "sort": (lambda x, y: x.sort("a", descending=True), {"x"}),
    "sample": (lambda x, y: x.sample(3, seed=1), {"x"}),
    "join of two governed frames": (
        lambda x, y: x.join(y, on="k", maintain_order="left"),
        {"x", "y"},
    ),
    "concat": (lambda x, y: pl.concat([x, x.filter(pl.col("k") > 2)]), {"x"}),
    "diagonal concat of two governed frames": (
        lambda x, y: pl.concat([x, y], how="diagonal"),
        {"x", "y"},
    ),
    "group_by-agg": (lambda x, y: x.group_by("g").agg(pl.col("a").sum()), {"x"}),
    "group_by-agg, two keys": (
        lambda x, y: x.group_by("g", "c").agg(pl.col("a").max()),
        {"x"},
    ),
    "unique": (lambda x, y: x.unique(subset="g", keep="first"), {"x"}),
    "lazy filter, collect": (
        lambda x, y: x.lazy().filter(pl.col("k") % 2 == 0).collect(),
        {"x"},
    ),
    "lazy filter, passed lazy": (lambda x, y: x.lazy().filter(pl.col("k") % 2 == 0), {"x"}),
    "lazy join of two governed frames, passed lazy": (
        lambda x, y: x.lazy().join(y.lazy(), on="k", maintain_order="left"),
        {"x", "y"},
    ),
    "to_numpy and back (kept by its string column)": (
        lambda x, y: pl.DataFrame(x.to_numpy(), schema=x.columns, orient="row"),
        {"x"},
    ),
    "to_numpy and back, numbers only (loses it: other types)": (
        lambda x, y: pl.DataFrame(x.drop("g").to_numpy(), schema=x.drop("g").columns, orient="row"),
        set(),
    ),
}


@pytest.mark.parametrize("pattern", list(POLARS))
def test_polars_between_stage_patterns(pattern: str) -> None:
    from govern.metrics import profile

    derive, expected = POLARS[pattern]
    frame = pl.DataFrame({"k": [1, 2, 3, 4], "c": [1, None, 3, 4], "g": ["p", "q", "p", "q"]})
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


def test_a_lazy_frame_derived_from_a_lazy_stage_output_links_that_output() -> None:
    source = govern.source(pl.DataFrame({"k": [1, 2, 3, 4]}).lazy(), "/data/k.parquet")
    with govern.run("identity") as run:
        x = one(source)
        two(x.filter(pl.col("a") > 0).with_columns(z=pl.col("k") * 2))
    assert parents(run.stages[1]) == {"identity.one.return"}  # not the source: nearest


def test_a_lazy_scan_of_a_declared_file_links_the_file(tmp_path: Any) -> None:
    path = tmp_path / "k.parquet"
    pl.DataFrame({"k": [1, 2, 3, 4]}).write_parquet(path)
    scanned = govern.scan_parquet(path)
    with govern.run("identity") as run:
        two(scanned.filter(pl.col("k") > 2))
    assert parents(run.stages[0]) == {str(path.resolve())}


def test_a_lazy_plan_over_other_data_links_nothing() -> None:
    """Same plan, equal content, other frame: the plan's data is not the identified one's."""
    data = {"k": [1, 2, 3, 4], "c": [1, None, 3, 4]}
    source = govern.source(pl.DataFrame(data).lazy(), "/data/k.parquet")
    with govern.run("identity") as run:
        x = one(source)
        apart = pl.DataFrame(data).lazy().with_columns(a=pl.col("k") - 2)
        two(apart.filter(pl.col("a") > 0))
    assert x is not None
    assert parents(run.stages[1]) == set()


def test_a_frame_of_other_content_links_nothing() -> None:
    source = govern.source(pl.DataFrame({"k": [1, 2, 3, 4]}), "/data/k.parquet")
    with govern.run("identity") as run:
        x = one(source)
        two(pl.DataFrame({"k": [1, 2, 99]}))  # one row no identified frame holds
        two(pl.DataFrame({"z": [1, 2]}))  # no column in common
        two(x.filter(pl.col("k") > 99))  # no rows: nothing to recognise
    assert [parents(r) for r in run.stages[1:]] == [set(), set(), set()]


def test_equal_rows_built_apart_are_taken_as_derived() -> None:
    """The documented limit of the row test: content, not provenance (docs/lineage.md)."""
    source = govern.source(pl.DataFrame({"k": [1, 2, 3, 4]}), "/data/k.parquet")
    with govern.run("identity") as run:
        x = one(source)
        two(pl.DataFrame({"k": [4, 2], "a": [2, 0]}))
    assert x is not None
    assert parents(run.stages[1]) == {"identity.one.return"}


def test_a_large_frame_is_probed_at_sampled_rows_with_the_same_answers() -> None:
    from govern.engines.polars_derivation import SAMPLE

    rows = 3 * SAMPLE + 7
    source = govern.source(pl.DataFrame({"k": range(rows)}), "/data/k.parquet")
    with govern.run("identity") as run:
        x = one(source)
        two(x.filter(pl.col("k") % 3 != 1).sort("a", descending=True))
        # a recomputed: only its k rows are known, and they are the source's
        two(x.with_columns(a=pl.col("a") + 1).filter(pl.col("k") % 2 == 0))
        two(pl.DataFrame({"k": range(rows, 2 * rows)}))  # other rows entirely
    found = [parents(r) for r in run.stages[1:]]
    assert found == [{"identity.one.return"}, {"/data/k.parquet"}, set()]
