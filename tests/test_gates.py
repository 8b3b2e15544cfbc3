"""Gate verdicts with pandera: raise, warn, quarantine, severity, mostly, polars."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pandera.polars as pap
import polars as pl
import pytest
from pandera.typing import Series

import govern

SCHEMA = pa.DataFrameSchema(
    {
        "id": pa.Column(int, unique=True),
        "score": pa.Column(float, pa.Check.in_range(0, 100)),
        "grade": pa.Column(str, pa.Check.isin(["a", "b", "c"]), nullable=True),
    }
)


def frame(scores: list[float], grades: list[str | None] | None = None) -> pd.DataFrame:
    n = len(scores)
    return pd.DataFrame({"id": range(n), "score": scores, "grade": grades or ["a"] * n})


class Model(pa.DataFrameModel):
    score: Series[float] = pa.Field(ge=0)


def test_passing_gate_records_every_check_evaluated() -> None:
    @govern.stage(inputs={"df": SCHEMA})
    def f(df: pd.DataFrame) -> int:
        return len(df)

    assert f(frame([1.0, 2.0])) == 2
    result = govern.last_result()
    assert result is not None and result.status == "passed"
    labels = {(c.column, c.check) for c in result.checks}
    assert ("score", "in_range(0, 100)") in labels
    assert ("id", "field_uniqueness") in labels
    assert ("grade", "isin(['a', 'b', 'c'])") in labels
    assert all(c.passed and c.failed_count == 0 for c in result.checks)
    assert result.row_counts["input:df"] == 2


def test_error_failure_raises_gate_error_with_full_message() -> None:
    @govern.stage(inputs={"df": SCHEMA})
    def score(df: pd.DataFrame) -> int:  # pragma: no cover - the gate stops it
        raise AssertionError("must not be called")

    with pytest.raises(govern.GateError) as info:
        score(frame([1.0, -5.0, 150.0], ["a", "z", "b"]))
    message = str(info.value)
    assert "stage 'score' (failed)" in message
    assert "dataset 'score.df'" in message
    assert "column 'score': in_range(0, 100) -- 2 failing rows of 3" in message
    assert "-5.0 (index 1)" in message
    assert "column 'grade': isin(['a', 'b', 'c']) -- 1 failing row" in message
    result = info.value.result
    assert result.status == "failed"
    failing = {c.check: c for c in result.failed_checks}
    assert failing["in_range(0, 100)"].failed_count == 2
    assert [s.index for s in failing["in_range(0, 100)"].sample] == ["1", "2"]
    assert govern.last_result() == result


def test_gate_error_is_a_govern_error() -> None:
    assert issubclass(govern.GateError, govern.GovernError)
    assert issubclass(govern.NotAFrameError, govern.GateDefinitionError)
    assert issubclass(govern.GateDefinitionError, TypeError)


def test_warn_mode_records_warns_and_goes_on() -> None:
    @govern.stage(outputs=SCHEMA, on_fail="warn")
    def make() -> pd.DataFrame:
        return frame([1.0, -1.0])

    with pytest.warns(govern.GateWarning, match="in_range"):
        out = make()
    assert len(out) == 2
    result = govern.last_result()
    assert result is not None and result.status == "warned"


def test_warn_severity_never_blocks_even_in_raise_mode() -> None:
    @govern.stage(outputs=govern.Gate(SCHEMA, severity="warn"))
    def make() -> pd.DataFrame:
        return frame([1.0, -1.0])

    with pytest.warns(govern.GateWarning):
        out = make()
    assert len(out) == 2
    result = govern.last_result()
    assert result is not None and result.status == "warned"
    assert [c.severity for c in result.failed_checks] == ["warn"]


def test_mostly_tolerates_a_fraction_of_failing_rows() -> None:
    data = frame([1.0] * 9 + [-1.0])  # 10% fail

    @govern.stage(inputs={"df": govern.Gate(SCHEMA, mostly=0.9)})
    def lenient(df: pd.DataFrame) -> int:
        return len(df)

    @govern.stage(inputs={"df": govern.Gate(SCHEMA, mostly=0.95)})
    def strict(df: pd.DataFrame) -> int:  # pragma: no cover
        return len(df)

    assert lenient(data) == 10
    result = govern.last_result()
    assert result is not None and result.status == "passed"
    check = next(c for c in result.checks if c.check == "in_range(0, 100)")
    assert check.passed and check.failed_count == 1
    with pytest.raises(govern.GateError):
        strict(data)


def test_quarantine_passes_valid_rows_and_keeps_rejected_with_reasons(tmp_path: Path) -> None:
    govern.configure(quarantine_dir=str(tmp_path / "q"))
    seen: list[int] = []

    @govern.stage(inputs={"df": SCHEMA}, on_fail="quarantine")
    def keep(df: pd.DataFrame) -> pd.DataFrame:
        seen.append(len(df))
        return df

    data = frame([1.0, -5.0, 50.0, 200.0], ["a", "a", "q", "b"])
    out = keep(data)
    assert seen == [1]
    assert out["id"].tolist() == [0]
    result = govern.last_result()
    assert result is not None and result.status == "quarantined"
    (record,) = result.quarantine
    assert record.rows == 3 and record.dataset == "keep.df"
    rejected = pd.read_parquet(record.path)
    assert len(rejected) + len(out) == len(data)
    reasons = dict(zip(rejected["_govern_row"], rejected["_govern_reasons"].map(list), strict=True))
    assert reasons == {
        "1": ["score: in_range(0, 100)"],
        "2": ["grade: isin(['a', 'b', 'c'])"],
        "3": ["score: in_range(0, 100)"],
    }
    assert Path(record.path).is_relative_to(tmp_path / "q")


def test_quarantine_output_gate_returns_valid_rows() -> None:
    @govern.stage(outputs=SCHEMA, on_fail="quarantine")
    def make() -> pd.DataFrame:
        return frame([1.0, -1.0, 3.0])

    out = make()
    assert out["score"].tolist() == [1.0, 3.0]
    result = govern.last_result()
    assert result is not None
    assert result.quarantine[0].rows == 1
    assert Path(result.quarantine[0].path).is_relative_to(Path.cwd() / ".govern" / "quarantine")


def test_quarantine_cannot_isolate_a_missing_column_so_it_raises() -> None:
    @govern.stage(inputs={"df": SCHEMA}, on_fail="quarantine")
    def keep(df: pd.DataFrame) -> pd.DataFrame:  # pragma: no cover
        return df

    existing = r"column 'grade' not in dataframe; columns in the dataframe: \['id', 'score'\]"
    with pytest.raises(govern.GateError, match=existing):
        keep(frame([1.0]).drop(columns=["grade"]))
    result = govern.last_result()
    assert result is not None and result.status == "failed" and result.quarantine == ()


def test_quarantine_keeps_rows_with_mixed_types_as_text(tmp_path: Path) -> None:
    schema = pa.DataFrameSchema(
        {"v": pa.Column(object, pa.Check(lambda s: s.map(lambda v: isinstance(v, int))))}
    )

    @govern.stage(inputs={"df": schema}, on_fail="quarantine")
    def keep(df: pd.DataFrame) -> pd.DataFrame:
        return df

    data = pd.DataFrame({"v": pd.Series([1, "two", 3.5, 4], dtype=object)})
    out = keep(data)
    result = govern.last_result()
    assert result is not None
    rejected = pd.read_parquet(result.quarantine[0].path)
    assert sorted(rejected["v"]) == ["3.5", "two"]
    assert len(out) + len(rejected) == 4


def test_dataframe_model_gates_and_coercion() -> None:
    class Coerced(pa.DataFrameModel):
        score: Series[float] = pa.Field(ge=0, coerce=True)

    @govern.stage(inputs={"df": Model}, outputs=Coerced)
    def f(df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"score": [1, 2]})

    out = f(pd.DataFrame({"score": [1.0]}))
    assert str(out["score"].dtype) == "float64"


def test_several_gates_on_one_dataset_all_run() -> None:
    other = pa.DataFrameSchema({"score": pa.Column(float, pa.Check.le(10))})

    @govern.stage(inputs={"df": [SCHEMA, govern.Gate(other, severity="warn")]})
    def f(df: pd.DataFrame) -> int:
        return len(df)

    with pytest.warns(govern.GateWarning):
        f(frame([50.0]))
    result = govern.last_result()
    assert result is not None
    failing = [(c.check, c.severity) for c in result.failed_checks]
    assert failing == [("less_than_or_equal_to(10)", "warn")]


def test_pii_columns_keep_no_failure_samples() -> None:
    govern.configure(pii_columns=["grade"])

    @govern.stage(inputs={"df": SCHEMA}, on_fail="warn")
    def f(df: pd.DataFrame) -> int:
        return len(df)

    with pytest.warns(govern.GateWarning) as caught:
        f(frame([1.0], ["secret-value"]))
    result = govern.last_result()
    assert result is not None
    (check,) = result.failed_checks
    assert check.sample == () and check.failed_count == 1
    assert "secret-value" not in str(caught[0].message)


class TestPolars:
    SCHEMA = pap.DataFrameSchema(
        {"id": pap.Column(int), "score": pap.Column(float, pap.Check.in_range(0, 100))}
    )

    def test_polars_pass_and_metrics(self) -> None:
        @govern.stage(inputs={"df": self.SCHEMA})
        def f(df: pl.DataFrame) -> int:
            return df.height

        assert f(pl.DataFrame({"id": [1, 2], "score": [1.0, 2.0]})) == 2
        result = govern.last_result()
        assert result is not None and result.status == "passed"
        (dataset,) = result.datasets
        assert dataset.row_count == 2 and dataset.fingerprint

    def test_polars_quarantine_partitions_rows(self) -> None:
        @govern.stage(inputs={"df": self.SCHEMA}, on_fail="quarantine")
        def f(df: pl.DataFrame) -> pl.DataFrame:
            return df

        data = pl.DataFrame({"id": [1, 2, 3, 4], "score": [1.0, -1.0, 2.0, 500.0]})
        out = f(data)
        assert out["id"].to_list() == [1, 3]
        result = govern.last_result()
        assert result is not None
        rejected = pl.read_parquet(result.quarantine[0].path)
        assert rejected["id"].to_list() == [2, 4]
        assert rejected["_govern_reasons"].to_list() == [["score: in_range(0, 100)"]] * 2

    def test_pandas_schema_on_polars_frame_is_a_clear_error(self) -> None:
        @govern.stage(inputs={"df": SCHEMA})
        def f(df: pl.DataFrame) -> int:  # pragma: no cover
            return 0

        with pytest.raises(
            govern.NotAFrameError, match=r"stage 'f', parameter 'df'.*for pandas frames"
        ):
            f(pl.DataFrame({"id": [1]}))


def test_no_warning_when_everything_passes() -> None:
    @govern.stage(inputs={"df": SCHEMA})
    def f(df: pd.DataFrame) -> int:
        return len(df)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f(frame([1.0]))


class TestGreatExpectations:
    """GX gates through the decorator: verdicts from each expectation, quarantine by index."""

    @staticmethod
    def suite_file(tmp_path: Path, severity: str = "critical") -> Path:
        import json

        path = tmp_path / "suite.json"
        path.write_text(
            json.dumps(
                {
                    "name": "scores",
                    "expectations": [
                        {
                            "type": "expect_column_values_to_be_between",
                            "kwargs": {"column": "score", "min_value": 0, "max_value": 100},
                            "severity": severity,
                        },
                        {"type": "expect_column_to_exist", "kwargs": {"column": "id"}},
                    ],
                }
            )
        )
        return path

    def test_gx_failure_raises_with_counts(self, tmp_path: Path) -> None:
        @govern.stage(inputs={"df": self.suite_file(tmp_path)})
        def f(df: pd.DataFrame) -> int:  # pragma: no cover
            return len(df)

        with pytest.raises(govern.GateError, match="1 failing row of 3"):
            f(frame([1.0, 500.0, 2.0]))
        result = govern.last_result()
        assert result is not None
        (failed,) = result.failed_checks
        assert failed.backend == "gx" and failed.column == "score"

    def test_gx_warning_severity_does_not_block(self, tmp_path: Path) -> None:
        @govern.stage(inputs={"df": self.suite_file(tmp_path, severity="warning")})
        def f(df: pd.DataFrame) -> int:
            return len(df)

        with pytest.warns(govern.GateWarning):
            assert f(frame([1.0, 500.0])) == 2
        result = govern.last_result()
        assert result is not None and result.status == "warned"

    def test_gx_quarantine_uses_failing_index(self, tmp_path: Path) -> None:
        @govern.stage(outputs=self.suite_file(tmp_path), on_fail="quarantine")
        def make() -> pd.DataFrame:
            return frame([1.0, 500.0, 2.0, -3.0])

        out = make()
        assert out["id"].tolist() == [0, 2]
        result = govern.last_result()
        assert result is not None and result.status == "quarantined"
        rejected = pd.read_parquet(result.quarantine[0].path)
        assert rejected["id"].tolist() == [1, 3]
        assert rejected["_govern_reasons"].map(len).tolist() == [1, 1]

    def test_gx_missing_column_cannot_be_quarantined(self, tmp_path: Path) -> None:
        @govern.stage(outputs=self.suite_file(tmp_path), on_fail="quarantine")
        def make() -> pd.DataFrame:
            return frame([1.0]).drop(columns=["id"])

        with pytest.raises(govern.GateError, match="expect_column_to_exist"):
            make()


def test_the_longest_names_allowed_still_quarantine(isolated_project: Path) -> None:
    """255-byte stage and pipeline names (the limit) give files the file system accepts."""
    schema = pa.DataFrameSchema({"x": pa.Column(int, pa.Check.ge(0))})

    @govern.stage(name="a" * 255, outputs=schema, on_fail="quarantine")
    def first() -> pd.DataFrame:
        return pd.DataFrame({"x": [1, -1]})

    @govern.stage(name="a" * 254 + "b", outputs=schema, on_fail="quarantine")
    def second() -> pd.DataFrame:
        return pd.DataFrame({"x": [2, -2]})

    with govern.run("p" * 255):
        first()
        one = govern.last_result()
        second()
        two = govern.last_result()
    paths = [Path(str(r.quarantine[0].path)) for r in (one, two)]
    assert paths[0] != paths[1]  # truncated names stay distinct (a hash of the full name)
    assert all(p.is_file() and len(p.name.encode()) <= 200 for p in paths)
