"""Gates on Spark DataFrames: verdicts, quarantine by predicate, metrics, GX, the example.

Runs in .venv-spark (scripts/test-spark.sh); skipped where pyspark is not installed.
"""

from __future__ import annotations

import json
import math
import runpy
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")

import pandas as pd
import pandera.pyspark as pa
from pyspark.sql import types as T

import govern
from govern.datasets import read_spark_parquet, spark_source
from govern.metrics import profile
from tests.conftest import REPO_ROOT

SCHEMA = pa.DataFrameSchema(
    {
        "id": pa.Column(T.LongType()),
        "score": pa.Column(T.DoubleType(), pa.Check.in_range(0, 100)),
        "grade": pa.Column(T.StringType(), pa.Check.isin(["a", "b", "c"]), nullable=True),
    }
)
ROWS = "id long, score double, grade string"


def make(spark: Any, scores: list[float], grades: list[str | None] | None = None) -> Any:
    grades = grades or ["a"] * len(scores)
    return spark.createDataFrame(list(zip(range(len(scores)), scores, grades, strict=True)), ROWS)


def test_pass_records_every_check(spark: Any) -> None:
    @govern.stage(inputs={"df": SCHEMA}, outputs=SCHEMA)
    def f(df: Any) -> Any:
        return df

    out = f(make(spark, [1.0, 2.0]))
    result = govern.last_result()
    assert result is not None and result.status == "passed"
    assert out.count() == 2
    assert ("score", "in_range(0, 100)") in {(c.column, c.check) for c in result.checks}
    assert all(c.passed for c in result.checks)
    assert [d.row_count for d in result.datasets] == [2, 2]
    assert all(
        d.fingerprint and d.fingerprint.startswith("rowhash-spark:") for d in result.datasets
    )


def test_fail_raises_with_counts_computed_by_spark(spark: Any) -> None:
    @govern.stage(inputs={"df": SCHEMA})
    def f(df: Any) -> int:  # pragma: no cover - the gate stops it
        raise AssertionError("must not be called")

    with pytest.raises(govern.GateError) as info:
        f(make(spark, [1.0, -5.0, 150.0, None], ["a", "z", "b", None]))  # type: ignore[list-item]
    message = str(info.value)
    assert "column 'score': in_range(0, 100) -- 2 failing rows of 4" in message
    assert "column 'grade': isin(['a', 'b', 'c']) -- 1 failing row of 4" in message
    assert "column 'score': not_nullable -- 1 failing row of 4" in message
    failed = {c.check: c for c in info.value.result.failed_checks}
    assert sorted(s.value for s in failed["in_range(0, 100)"].sample) == ["-5.0", "150.0"]


def test_warn_mode_severity_and_mostly(spark: Any) -> None:
    @govern.stage(outputs=SCHEMA, on_fail="warn")
    def warned() -> Any:
        return make(spark, [1.0, -1.0])

    @govern.stage(outputs=govern.Gate(SCHEMA, severity="warn"))
    def soft() -> Any:
        return make(spark, [1.0, -1.0])

    for stage in (warned, soft):
        with pytest.warns(govern.GateWarning, match="in_range"):
            assert stage().count() == 2
        result = govern.last_result()
        assert result is not None and result.status == "warned"

    @govern.stage(inputs={"df": govern.Gate(SCHEMA, mostly=0.9)})
    def lenient(df: Any) -> int:
        return 1

    assert lenient(make(spark, [1.0] * 9 + [-1.0])) == 1


def test_quarantine_writes_parquet_with_spark_and_partitions_rows(spark: Any) -> None:
    @govern.stage(inputs={"df": SCHEMA}, on_fail="quarantine")
    def keep(df: Any) -> Any:
        return df

    data = make(spark, [1.0, -5.0, 50.0, 200.0, 3.0], ["a", "a", "q", "b", None])
    out = keep(data)
    result = govern.last_result()
    assert result is not None and result.status == "quarantined"
    (record,) = result.quarantine
    assert Path(record.path).is_dir()  # written by Spark: a directory of part files
    rejected = spark.read.parquet(record.path)
    assert sorted(r.id for r in out.collect()) == [0, 4]
    assert record.rows == rejected.count() == 3
    assert out.count() + rejected.count() == data.count()
    reasons = {r.id: list(r._govern_reasons) for r in rejected.collect()}
    assert reasons == {
        1: ["score: in_range(0, 100)"],
        2: ["grade: isin(['a', 'b', 'c'])"],
        3: ["score: in_range(0, 100)"],
    }
    assert {r._govern_row for r in rejected.collect()} == {None}  # Spark rows have no index


def test_quarantine_of_a_custom_check_fails_clearly(spark: Any) -> None:
    from pyspark.sql import functions as F

    custom = pa.DataFrameSchema(
        {
            "score": pa.Column(
                T.DoubleType(),
                # a custom pyspark check gets the whole frame and answers for it as a whole
                pa.Check(lambda df: df.filter(F.col("score") < 0).count() == 0, name="non_neg"),
            )
        }
    )

    @govern.stage(inputs={"df": custom}, on_fail="quarantine")
    def keep(df: Any) -> Any:  # pragma: no cover
        return df

    with pytest.raises(govern.GateError, match="cannot be quarantined"):
        keep(make(spark, [1.0, -1.0]))
    result = govern.last_result()
    assert result is not None and result.status == "failed" and result.quarantine == ()


def test_wrong_dtype_and_missing_column_are_table_level(spark: Any) -> None:
    @govern.stage(inputs={"df": SCHEMA}, on_fail="quarantine")
    def keep(df: Any) -> Any:  # pragma: no cover
        return df

    frame = spark.createDataFrame([(1, 1.0)], "id int, score double")
    with pytest.raises(govern.GateError) as info:
        keep(frame)
    failed = {(c.column, c.check): c for c in info.value.result.failed_checks}
    assert failed[("grade", "column_in_dataframe")].message == "column 'grade' is missing"
    assert not failed[("id", "dtype('LongType()')")].row_level


def test_gx_suite_on_spark(spark: Any, tmp_path: Path) -> None:
    suite = tmp_path / "suite.json"
    suite.write_text(
        json.dumps(
            {
                "name": "scores",
                "expectations": [
                    {
                        "type": "expect_column_values_to_be_between",
                        "kwargs": {"column": "score", "min_value": 0, "max_value": 100},
                    },
                    {"type": "expect_column_to_exist", "kwargs": {"column": "id"}},
                ],
            }
        )
    )

    @govern.stage(inputs={"df": suite})
    def f(df: Any) -> int:  # pragma: no cover
        return 0

    with pytest.raises(govern.GateError, match="2 failing rows of 3"):
        f(make(spark, [1.0, 500.0, -2.0]))

    @govern.stage(inputs={"df": suite}, on_fail="quarantine")
    def q(df: Any) -> int:  # pragma: no cover
        return 0

    with pytest.raises(govern.GateError) as info:
        q(make(spark, [1.0, 500.0]))
    (failed,) = info.value.result.failed_checks
    assert failed.failed_count == 1 and "cannot be quarantined" in (failed.message or "")
    assert info.value.result.quarantine == ()

    @govern.stage(inputs={"df": suite})
    def ok(df: Any) -> int:
        return 1

    assert ok(make(spark, [1.0, 5.0])) == 1


# --- metrics against the pandas reference ------------------------------------------------


def reference() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "f": [1.5, None, -3.25, 8.0, 2.0, None],
            "i": [3, 1, 4, 1, 5, 9],
            "s": ["b", "a", None, "c", "a", "b"],
            "flag": pd.array([True, False, True, None, False, True], dtype="boolean"),
        }
    )


def approx_equal(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(approx_equal(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12)
    return bool(a == b)


@pytest.mark.parametrize("level", ["full"])
def test_metrics_equal_the_pandas_reference(spark: Any, level: str) -> None:
    pdf = reference()
    expected = profile(pdf, level).metrics  # type: ignore[arg-type]
    frame = spark.createDataFrame(pdf, "f double, i long, s string, flag boolean")
    got = profile(frame, level).metrics  # type: ignore[arg-type]
    assert expected is not None and got is not None
    assert "bytes" not in got  # Spark does not know the size without materialising

    def strip(metrics: dict[str, Any]) -> dict[str, Any]:  # quantiles: t-digest vs Spark's
        columns = {
            n: {k: v for k, v in m.items() if k != "quantiles"}
            for n, m in metrics["columnMetrics"].items()
        }
        return {"rowCount": metrics["rowCount"], "columnMetrics": columns}

    assert approx_equal(strip(got), strip(expected))
    if level == "full":
        assert set(got["columnMetrics"]["i"]["quantiles"]) == {"0.25", "0.5", "0.75"}


def test_cheap_metrics_are_the_row_count_only(spark: Any) -> None:
    frame = spark.createDataFrame(reference(), "f double, i long, s string, flag boolean")
    cheap = profile(frame, "cheap")
    assert cheap.metrics == {"rowCount": 6, "columnMetrics": {}}
    assert cheap.row_count == 6
    assert profile(frame, "off").metrics is None


@pytest.mark.parametrize("level", ["cheap", "full"])
def test_fingerprint_is_a_content_version(spark: Any, level: str) -> None:
    # local data: the plan does not pin the rows, so every level hashes the content
    def fingerprint(rows: list[tuple[Any, ...]], ddl: str = "a long, b string") -> str | None:
        return profile(spark.createDataFrame(rows, ddl), level).fingerprint  # type: ignore[arg-type]

    rows: list[tuple[Any, ...]] = [(1, "x"), (2, None), (None, "z")]
    first = fingerprint(rows)
    assert first is not None and first.startswith("rowhash-spark:")
    assert fingerprint(list(reversed(rows))) == first  # Spark frames have no row order
    variants = {
        fingerprint([(1, "x"), (2, None), (None, "y")]),  # a changed value
        fingerprint(rows[:2]),  # a row less
        fingerprint([*rows, rows[0]]),  # a duplicate row
        fingerprint(rows, "a long, c string"),  # a renamed column
        fingerprint(rows, "a int, b string"),  # another type
    }
    assert first not in variants and len(variants) == 5
    # xxhash64 skips nulls: the null pattern is hashed so moved nulls still differ
    ddl = "a string, b string"
    assert fingerprint([("x", None)], ddl) != fingerprint([(None, "x")], ddl)


def test_read_spark_parquet_and_input_files_identity(spark: Any, tmp_path: Path) -> None:
    path = tmp_path / "orders.parquet"
    make(spark, [1.0, 2.0]).write.parquet(str(path))

    @govern.stage(inputs={"df": SCHEMA})
    def f(df: Any) -> int:
        return 1

    f(read_spark_parquet(spark, path))
    (source,) = govern.last_result().datasets  # type: ignore[union-attr]
    assert (source.ref.namespace, source.ref.name) == ("file", str(path))
    f(spark_source(spark.read.parquet(str(path))))  # from inputFiles(): the directory
    (source,) = govern.last_result().datasets  # type: ignore[union-attr]
    assert (source.ref.namespace, source.ref.name) == ("file", str(path))


def test_no_collect_of_the_frame(spark: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Gating, profiling and quarantining never bring the frame to the driver.

    Only bounded results are collected (one ``agg`` row, ``limit(sample_size)`` samples).
    """
    from pyspark.sql import DataFrame

    def refuse(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the gated frame was collected to the driver")

    data = make(spark, [1.0, -1.0, 2.0])

    @govern.stage(inputs={"df": SCHEMA}, on_fail="quarantine")
    def keep(df: Any) -> Any:
        return df

    for name in ("toPandas", "toLocalIterator"):
        monkeypatch.setattr(DataFrame, name, refuse)
    out = keep(data)
    monkeypatch.undo()
    assert out.count() == 2


# --- the example -----------------------------------------------------------------------


def test_example_runs_on_spark(spark: Any, capsys: pytest.CaptureFixture[str]) -> None:
    engines = runpy.run_path(str(REPO_ROOT / "examples" / "penguins" / "engines.py"), run_name="x")
    assert engines["main"](["--engine", "spark"]) == 0
    out = capsys.readouterr().out
    assert "pipeline 'penguins-spark': completed" in out
    assert "quarantined 11 row(s)" in out
    result = govern.last_result()
    assert result is not None and result.model is not None
    assert result.model.metrics["accuracy"] > 0.9
