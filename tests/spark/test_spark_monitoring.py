"""Monitoring on Spark: partition summaries merged on the driver, and govern.Stable gates.

Runs in .venv-spark (scripts/test-spark.sh); skipped where pyspark is not installed.
"""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")

import numpy as np
import pandas as pd
import pyarrow as pa

import govern
from govern.monitoring.compute import summarize_table
from govern.monitoring.frames import summarize_frame
from govern.recording import close_stores
from govern.types import Outcome


def batch(seed: int, shift: str | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 400 if shift == "volume" else int(rng.integers(980, 1020))
    x = rng.normal(10.0, 2.0, n) + (6.0 if shift == "mean" else 0.0)
    x[rng.random(n) < (0.3 if shift == "nulls" else 0.02)] = np.nan
    cat = rng.choice(["a", "b"], n).astype(object)
    if shift == "new_category":
        cat[: n // 10] = "z"
    frame = pd.DataFrame({"x": x, "cat": cat, "k": rng.integers(0, 5, n)})
    if shift == "dropped":
        frame = frame.drop(columns=["k"])
    return frame


def spark_frame(spark: Any, frame: pd.DataFrame, partitions: int = 3) -> Any:
    return spark.createDataFrame(frame).repartition(partitions)


def test_merged_partition_summaries_equal_the_summary_of_the_whole(spark: Any) -> None:
    data = batch(0)
    merged = summarize_frame(spark_frame(spark, data, partitions=4))
    whole = summarize_table(pa.Table.from_pandas(data, preserve_index=False), level="sample")
    assert merged.rows == whole.rows == len(data)
    assert [n for n, _ in merged.schema] == ["x", "cat", "k"]
    assert dict(merged.schema) == {"x": "double", "cat": "string", "k": "bigint"}
    for name in ("x", "cat", "k"):
        a, b = merged.column(name), whole.column(name)
        assert a is not None and b is not None
        assert (a.rows, a.nulls, a.count) == (b.rows, b.nulls, b.count)
        if a.kind == "numeric":
            assert (a.min, a.max) == (b.min, b.max)
            assert a.mean == pytest.approx(b.mean) and a.std == pytest.approx(b.std)
            qa, qb = a.quantiles(), b.quantiles()
            assert qa is not None and qb is not None
            values = data[name].dropna().to_numpy()
            for q in qa:  # within the sketches' rank error (k: whole numbers, one step)
                if name == "x":
                    assert abs(float(np.mean(values <= qa[q])) - q) < 0.04
                else:
                    assert abs(qa[q] - qb[q]) <= 1.0
        else:
            assert dict(a.top) == dict(b.top)
        assert a.distinct == pytest.approx(b.distinct, rel=0.05)


def test_an_empty_frame_has_an_empty_summary(spark: Any) -> None:
    empty = spark.createDataFrame([], "x double, s string")
    summary = summarize_frame(empty)
    assert summary.rows == 0 and [c.rows for c in summary.columns] == [0, 0]


def _gate(frame: Any) -> govern.StageResult:
    stable = govern.Stable(
        window=10,
        min_history=4,
        metrics=["row_count", "null_fraction", "mean", "new_categories", "schema"],
    )

    @govern.stage(inputs={"df": govern.Gate(stable, severity="warn")}, name="score")
    def score(df: Any) -> int:
        return 0

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", govern.GateWarning)
        score(govern.source(frame, "feed", namespace="spark-test"))
    result = govern.last_result()
    assert result is not None
    return result


@pytest.fixture(scope="module")
def history(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the cold start and five clean Spark versions of 'feed'."""
    root = tmp_path_factory.mktemp("spark-history")
    (root / "pyproject.toml").write_text('[project]\nname = "history"\n')
    before = Path.cwd()
    os.chdir(root)
    try:
        govern.config.reset()
        govern.configure(store=str(root / "govern.db"))
        first = _gate(spark_frame(spark, batch(0)))
        assert {c.outcome for c in first.checks} == {Outcome.NOT_RUN}  # cold start
        for seed in range(1, 6):
            _gate(spark_frame(spark, batch(seed)))
        close_stores()
    finally:
        os.chdir(before)
        govern.config.reset()
    return root / "govern.db"


@pytest.mark.parametrize(
    ("shift", "check", "column"),
    [
        (None, None, None),
        ("volume", "stable:row_count", None),
        ("nulls", "stable:null_fraction", "x"),
        ("mean", "stable:mean", "x"),
        ("new_category", "stable:new_categories", "cat"),
        ("dropped", "stable:schema", "k"),
    ],
)
def test_stable_on_spark_frames(
    spark: Any, history: Path, tmp_path: Path, shift: str | None, check: str, column: str | None
) -> None:
    copy = tmp_path / "govern.db"
    shutil.copyfile(history, copy)
    govern.configure(store=str(copy))
    try:
        result = _gate(spark_frame(spark, batch(50, shift)))
    finally:
        close_stores()
    outcomes = {(c.check, c.column): c.outcome for c in result.checks}
    if shift is None:
        assert set(outcomes.values()) == {Outcome.PASSED}, result.checks
    else:
        assert outcomes[(check, column)] is Outcome.FAILED
