"""One test per reported disagreement between govern and bare pandera (issue 11, 14).

Each reproduces the report on real or minimal data and asserts what bare pandera says.
The last tests break govern on purpose and check that the differential comparison fails.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow.parquet as pq
import pytest
from pandera.typing import DataFrame, Series

import govern
from govern.quarantine import file_digest
from tests.differential.pandera_harness import bare_pandas, compare
from tests.differential.test_pandera_real_data import load


def cancer() -> pd.DataFrame:
    return load("breast_cancer")


def penguins() -> pd.DataFrame:
    return load("penguins")


def gate(schema: Any, frame: Any, on_fail: str = "raise", **kw: Any) -> Any:
    @govern.stage(name=kw.pop("name", "clean"), inputs={"df": schema}, on_fail=on_fail)
    def clean(df: Any) -> Any:
        return df

    return clean(frame)


def checks(result: govern.StageResult) -> dict[tuple[str | None, str], govern.CheckResult]:
    return {(c.column, c.check): c for c in result.checks}


# 1 -----------------------------------------------------------------------------------


def test_item1_missing_column_fails_and_its_checks_are_not_run() -> None:
    class Clean(pa.DataFrameModel):
        mean_radiuss: Series[float] = pa.Field(ge=0)

    with pytest.raises(govern.GateError) as info:
        gate(Clean, cancer())
    result = info.value.result
    by = checks(result)
    presence = by[("mean_radiuss", "column_in_dataframe")]
    assert presence.outcome == "failed" and not presence.row_level
    assert "'mean_radiuss' not in dataframe" in (presence.message or "")
    assert "'mean_radius'" in (presence.message or "")  # the columns that exist
    not_run = {k for k, c in by.items() if c.outcome == "not_run"}
    assert not_run == {
        ("mean_radiuss", "dtype('float64')"),
        ("mean_radiuss", "not_nullable"),
        ("mean_radiuss", "greater_than_or_equal_to(0)"),
    }
    assert not any(c.passed for c in result.checks)
    assert ("Clean", "column_in_dataframe") not in by
    assert "3 check(s) not run" in str(info.value)


def test_item1_outcome_is_in_the_record() -> None:
    from govern.store.codec import decode_stage, encode_stage

    class Clean(pa.DataFrameModel):
        mean_radiuss: Series[float]

    with pytest.raises(govern.GateError) as info:
        gate(Clean, cancer())
    encoded = encode_stage(info.value.result)
    assert {c["outcome"] for c in encoded["checks"]} == {"failed", "not_run"}
    assert decode_stage(encoded).not_run_checks == info.value.result.not_run_checks


# 2 -----------------------------------------------------------------------------------


def test_item2_regex_columns_are_recorded_per_matched_column() -> None:
    schema = pa.DataFrameSchema(
        {"^bill_.*_mm$": pa.Column(float, pa.Check.less_than(50), regex=True, nullable=True)}
    )
    with pytest.raises(govern.GateError) as info:
        gate(schema, penguins())
    by = checks(info.value.result)
    length = by[("bill_length_mm", "less_than(50)")]
    depth = by[("bill_depth_mm", "less_than(50)")]
    assert not length.passed and length.failed_count == 57
    assert depth.passed and depth.outcome == "passed"
    assert not any(c.column == "^bill_.*_mm$" for c in info.value.result.checks)
    compare(schema, penguins(), "items")


# 3 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "dtype"), [("mean_radius", str), ("target", int)], ids=["str-on-float", "int-on-str"]
)
def test_item3_whole_column_dtype_failure_raises_under_quarantine(column: str, dtype: Any) -> None:
    schema = pa.DataFrameSchema({column: pa.Column(dtype)})
    with pytest.raises(govern.GateError) as info:
        gate(schema, cancer(), on_fail="quarantine")
    result = info.value.result
    assert result.status == "failed" and not result.quarantine
    (failed,) = result.failed_checks
    assert failed.check.startswith("dtype(") and not failed.row_level


def test_item3_element_type_failures_in_an_object_column_are_rows() -> None:
    frame = pd.DataFrame({"s": pd.Series(["a", 1, "b", 2.5], dtype=object)})
    out = gate(pa.DataFrameSchema({"s": pa.Column(str)}), frame, on_fail="quarantine")
    assert out["s"].tolist() == ["a", "b"]


# 4 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "index",
    [
        pd.RangeIndex(5),
        pd.Index([3, 4, 5, 6, 7], name="row"),
        pd.Index([0, 0, 1, 1, 2]),
        pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1), ("b", 2), ("c", 1)]),
        pd.Index([np.nan, 1.0, np.nan, 3.0, 4.0]),
        pd.date_range("2024-01-01", periods=5, tz="UTC"),
        pd.Index(["r0", "r1", "r2", "r3", "r4"]),
    ],
    ids=["range", "named", "non-unique", "multi", "nan", "datetime", "string"],
)
def test_item4_quarantine_is_exact_on_every_index(index: pd.Index) -> None:
    frame = pd.DataFrame({"v": [-1, 1, 2, -3, 4]}, index=index)
    out = gate(pa.DataFrameSchema({"v": pa.Column(int, pa.Check.ge(0))}), frame, "quarantine")
    pd.testing.assert_frame_equal(out, frame.iloc[[1, 2, 4]])
    (q,) = govern.last_result().quarantine  # type: ignore[union-attr]
    table = pq.read_table(q.path)
    assert table.column("_govern_row").to_pylist() == [str(x) for x in frame.iloc[[0, 3]].index]
    assert table.column("v").to_pylist() == [-1, -3]


# 5 -----------------------------------------------------------------------------------


def test_item5_coerced_rows_go_on_as_validate_returns_them() -> None:
    class Years(pa.DataFrameModel):
        year: Series[int] = pa.Field(ge=2000, coerce=True)

    frame = pd.DataFrame({"year": ["2007", "x", "1999", "2008"]})
    out = gate(Years, frame, on_fail="quarantine")
    pd.testing.assert_frame_equal(out, Years.validate(frame.iloc[[0, 3]]))
    assert out["year"].dtype == "int64" and out["year"].tolist() == [2007, 2008]


# 6 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["schema", "column"])
def test_item6_drop_invalid_rows_is_recorded_and_quarantined(where: str) -> None:
    check = pa.Column(float, pa.Check.le(20), drop_invalid_rows=where == "column")
    schema = pa.DataFrameSchema({"mean_radius": check}, drop_invalid_rows=where == "schema")
    frame = cancer()
    dropped_by_pandera = len(frame) - len(schema.validate(frame, lazy=True))
    out = gate(schema, frame, on_fail="quarantine")
    result = govern.last_result()
    assert result is not None and result.status == "quarantined"
    assert result.failed_checks[0].failed_count == dropped_by_pandera
    assert len(out) + result.quarantine[0].rows == len(frame)
    with pytest.raises(govern.GateError):
        gate(schema, frame, on_fail="raise")
    assert schema.drop_invalid_rows == (where == "schema")  # the user's schema is untouched


# 7 -----------------------------------------------------------------------------------


def test_item7_raise_warning_checks_fail_with_warn_severity() -> None:
    schema = pa.DataFrameSchema(
        {"mean_radius": pa.Column(float, pa.Check.le(20, raise_warning=True))}
    )
    with pytest.warns(govern.GateWarning, match="less_than_or_equal_to"):
        out = gate(schema, cancer())
    result = govern.last_result()
    assert result is not None and result.status == "warned" and len(out) == len(cancer())
    failed = checks(result)[("mean_radius", "less_than_or_equal_to(20)")]
    assert failed.outcome == "failed" and failed.severity == "warn"
    assert failed.failed_count == int((cancer()["mean_radius"] > 20).sum())
    assert schema.columns["mean_radius"].checks[0].raise_warning  # untouched


# 8 -----------------------------------------------------------------------------------


def test_item8_counts_on_a_non_unique_index_are_rows() -> None:
    frame = pd.DataFrame({"v": [-1, -2, 3]}, index=[0, 0, 1])
    with pytest.raises(govern.GateError) as info:
        gate(pa.DataFrameSchema({"v": pa.Column(int, pa.Check.ge(0))}), frame)
    (failed,) = info.value.result.failed_checks
    assert (
        failed.failed_count
        == 2
        == bare_pandas(pa.DataFrameSchema({"v": pa.Column(int, pa.Check.ge(0))}), frame).counts[
            ("v", "greater_than_or_equal_to(0)")
        ]
    )


# 9 -----------------------------------------------------------------------------------


def test_item9_n_failure_cases_does_not_limit_quarantine() -> None:
    frame = cancer()
    schema = pa.DataFrameSchema(
        {"mean_radius": pa.Column(float, pa.Check.le(15, n_failure_cases=2))}
    )
    failing = int((frame["mean_radius"] > 15).sum())
    out = gate(schema, frame, on_fail="quarantine")
    result = govern.last_result()
    assert result is not None and result.quarantine[0].rows == failing
    assert len(out) == len(frame) - failing and (out["mean_radius"] <= 15).all()
    assert result.failed_checks[0].failed_count == failing
    assert len(result.failed_checks[0].sample) == govern.settings().sample_size


# 10 ----------------------------------------------------------------------------------


def test_item10_warn_failures_in_a_quarantining_call_warn() -> None:
    schema = [
        govern.Gate(pa.DataFrameSchema({"v": pa.Column(int, pa.Check.ge(0))})),
        govern.Gate(
            pa.DataFrameSchema({"w": pa.Column(str, pa.Check.isin(["a"]))}), severity="warn"
        ),
    ]
    frame = pd.DataFrame({"v": [1, -1, 2], "w": ["a", "a", "b"]})
    with pytest.warns(govern.GateWarning, match="isin"):
        out = gate(schema, frame, on_fail="quarantine")
    assert govern.last_result().status == "quarantined"  # type: ignore[union-attr]
    assert out["v"].tolist() == [1, 2]


# 15 ----------------------------------------------------------------------------------


class In(pa.DataFrameModel):
    x: Series[int] = pa.Field(ge=0)


class Out(pa.DataFrameModel):
    y: Series[int] = pa.Field(le=10)


def test_item15_annotations_gate_parameters_and_return() -> None:
    @govern.stage(on_fail="quarantine")
    def double(df: DataFrame[In]) -> DataFrame[Out]:
        return df.assign(y=df["x"] * 2)  # type: ignore[return-value]

    out = double(pd.DataFrame({"x": [1, -1, 7]}))  # type: ignore[arg-type]
    result = govern.last_result()
    assert result is not None
    assert {c.dataset for c in result.checks} == {"double.df", "double.return"} or len(
        {c.dataset for c in result.checks}
    ) == 2
    assert out["y"].tolist() == [2]  # -1 quarantined on the way in, 14 on the way out
    assert sum(q.rows for q in result.quarantine) == 2


def test_item15_explicit_gates_win_over_annotations() -> None:
    loose = pa.DataFrameSchema({"x": pa.Column(int)})

    @govern.stage(inputs={"df": loose})
    def keep(df: DataFrame[In]) -> pd.DataFrame:
        return df

    keep(pd.DataFrame({"x": [-1]}))  # type: ignore[arg-type]
    result = govern.last_result()
    assert result is not None and result.status == "passed"


def test_item15_a_stage_without_gates_says_so(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    @govern.stage
    def nothing(df: pd.DataFrame) -> pd.DataFrame:
        return df

    with caplog.at_level("INFO", logger="govern"), govern.run("ungated") as run:
        nothing(pd.DataFrame({"x": [1]}))
    result = govern.last_result()
    assert result is not None and not result.gated and not result.checks
    assert "has no gates" in caplog.text
    # the record says so outright, and so does the status line (never just "passed")
    from govern.cli import main
    from govern.store import open_store

    with open_store() as store:
        (record,) = [r for r in store.records(kind="stage") if r.run_id == run.id]
    assert record.data["gated"] is False
    assert main(["runs", "show", run.id]) == 0
    shown = capsys.readouterr().out
    assert "no gates (nothing checked)" in shown


# 16 ----------------------------------------------------------------------------------


def test_item16_every_call_keeps_its_own_quarantine_file() -> None:
    schema = pa.DataFrameSchema({"v": pa.Column(int, pa.Check.ge(0))})

    @govern.stage(inputs={"df": schema}, on_fail="quarantine")
    def batch(df: pd.DataFrame) -> pd.DataFrame:
        return df

    with govern.run("batches") as run:
        batch(pd.DataFrame({"v": [-1, -2, 3]}))
        batch(pd.DataFrame({"v": [-3, 4]}))
    records = [q for stage in run.stages for q in stage.quarantine]
    assert [q.rows for q in records] == [2, 1]
    assert len({q.path for q in records}) == 2
    for q in records:
        assert pq.read_table(q.path).num_rows == q.rows
        assert q.sha256 == file_digest(Path(q.path))


def test_item16_non_ascii_stage_names_do_not_collide() -> None:
    schema = pa.DataFrameSchema({"v": pa.Column(int, pa.Check.ge(0))})
    frame = pd.DataFrame({"v": [-1, 1]})
    with govern.run("清洗流程") as run:
        gate(schema, frame, "quarantine", name="清洗")
        gate(schema, frame, "quarantine", name="过滤")
    paths = [Path(q.path) for s in run.stages for q in s.quarantine]
    assert len(paths) == 2 and paths[0].name.split(".")[0] != paths[1].name.split(".")[0]
    assert all(p.exists() for p in paths)


def test_item16_a_quarantine_file_is_never_replaced(tmp_path: Path) -> None:
    from govern.errors import GovernError
    from govern.quarantine import write_rejected

    path = tmp_path / "q.parquet"
    write_rejected(pd.DataFrame({"v": [1]}), path)
    before = path.read_bytes()
    with pytest.raises(GovernError, match=r"q\.parquet"):
        write_rejected(pd.DataFrame({"v": [2]}), path)
    assert path.read_bytes() == before


# issue 14: PII in the index -----------------------------------------------------------


def test_pii_index_labels_never_appear(caplog: pytest.LogCaptureFixture) -> None:
    govern.configure(pii_columns=["email"])
    frame = pd.DataFrame(
        {"age": [30, -1, 40]},
        index=pd.Index(["ann@example.com", "bob@example.com", "cy@example.com"], name="email"),
    )
    schema = pa.DataFrameSchema({"age": pa.Column(int, pa.Check.ge(0))})
    with caplog.at_level("DEBUG", logger="govern"), pytest.raises(govern.GateError) as info:
        gate(schema, frame)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gate(govern.Gate(schema, severity="warn"), frame)
    text = str(info.value) + caplog.text + " ".join(str(w.message) for w in caught)
    text += repr(info.value.result.checks) + repr(govern.last_result())
    assert "bob@example.com" not in text
    (failed,) = info.value.result.failed_checks
    assert failed.failed_count == 1 and failed.sample[0].index == "<pii>"
    assert failed.sample[0].value == "-1"  # the value of a non-PII column is still shown


def test_pii_multiindex_level_masks_every_label() -> None:
    govern.configure(pii_columns=["email"])
    index = pd.MultiIndex.from_tuples([("a@x.org", 1), ("b@x.org", 2)], names=["email", "n"])
    frame = pd.DataFrame({"age": [-1, 2]}, index=index)
    with pytest.raises(govern.GateError) as info:
        gate(pa.DataFrameSchema({"age": pa.Column(int, pa.Check.ge(0))}), frame)
    assert "a@x.org" not in str(info.value)


# the suite detects a broken govern ------------------------------------------------------


def test_a_split_that_loses_a_row_makes_the_comparison_fail(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import govern.gating

    real = govern.gating.split

    def lossy(frame: Any, reasons: Any) -> Any:
        valid, rejected = real(frame, reasons)
        return valid.iloc[1:], rejected  # one valid row silently lost

    monkeypatch.setattr(govern.gating, "split", lossy)
    frame = pd.DataFrame({"v": [1, -1, 2]})
    with pytest.raises(AssertionError):
        compare(pa.DataFrameSchema({"v": pa.Column(int, pa.Check.ge(0))}), frame, "sabotage")


def test_a_wrong_count_makes_the_comparison_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    import govern.gating

    real = govern.gating.GateCall.verdict

    def miscount(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = real(self, *args, **kwargs)
        return dataclasses.replace(result, failed_count=max(result.failed_count - 1, 0))

    monkeypatch.setattr(govern.gating.GateCall, "verdict", miscount)
    frame = pd.DataFrame({"v": [1, -1, -2]}, index=[0, 0, 1])
    with pytest.raises(AssertionError):
        compare(pa.DataFrameSchema({"v": pa.Column(int, pa.Check.ge(0))}), frame, "sabotage")


@pytest.mark.parametrize("lazy", [False, True], ids=["eager", "lazy"])
def test_item2_polars_regex_columns_are_recorded_per_matched_column(lazy: bool) -> None:
    import pandera.polars as pap
    import polars as pl

    frame = pl.from_pandas(penguins())
    schema = pap.DataFrameSchema(
        {"^bill_.*_mm$": pap.Column(pl.Float64, pap.Check.less_than(50), regex=True, nullable=True)}
    )
    out = gate(schema, frame.lazy() if lazy else frame, on_fail="quarantine")
    result = govern.last_result()
    assert result is not None
    by = checks(result)
    assert by[("bill_length_mm", "less_than(50)")].failed_count == 57
    assert by[("bill_depth_mm", "less_than(50)")].passed
    kept = out.collect() if lazy else out
    assert kept.height == frame.height - 57 and result.quarantine[0].rows == 57


@pytest.mark.parametrize("lazy", [False, True], ids=["eager", "lazy"])
def test_item6_item7_polars_drop_invalid_rows_and_raise_warning(lazy: bool) -> None:
    import pandera.polars as pap
    import polars as pl

    frame = pl.DataFrame({"a": [1, 5, 3]})
    frame = frame.lazy() if lazy else frame  # type: ignore[assignment]
    dropping = pap.DataFrameSchema(
        {"a": pap.Column(pl.Int64, pap.Check.lt(2))}, drop_invalid_rows=True
    )
    gate(dropping, frame, on_fail="quarantine")
    result = govern.last_result()
    assert result is not None and result.status == "quarantined"
    assert result.quarantine[0].rows == 2 and result.failed_checks[0].failed_count == 2
    warning = pap.DataFrameSchema({"a": pap.Column(pl.Int64, pap.Check.lt(2, raise_warning=True))})
    with pytest.warns(govern.GateWarning):
        gate(warning, frame, on_fail="quarantine")
    result = govern.last_result()
    assert result is not None and result.status == "warned" and not result.quarantine
    (failed,) = result.failed_checks
    assert failed.severity == "warn" and failed.failed_count == 2
