"""Gates on polars DataFrame and LazyFrame: verdicts, quarantine, metrics, the example."""

from __future__ import annotations

import math
import runpy
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.polars as pa
import polars as pl
import pytest

import govern
from govern.metrics import profile
from tests.conftest import REPO_ROOT

SCHEMA = pa.DataFrameSchema(
    {
        "id": pa.Column(int, unique=True),
        "score": pa.Column(float, pa.Check.in_range(0, 100)),
        "grade": pa.Column(str, pa.Check.isin(["a", "b", "c"]), nullable=True),
    }
)
KINDS = ["eager", "lazy"]


def make(kind: str, scores: list[float], grades: list[str | None] | None = None) -> Any:
    n = len(scores)
    df = pl.DataFrame({"id": list(range(n)), "score": scores, "grade": grades or ["a"] * n})
    return df.lazy() if kind == "lazy" else df


def collect(frame: Any) -> pl.DataFrame:
    return frame.collect() if isinstance(frame, pl.LazyFrame) else frame


@pytest.mark.parametrize("kind", KINDS)
def test_pass_records_every_check_and_keeps_the_frame_kind(kind: str) -> None:
    @govern.stage(inputs={"df": SCHEMA}, outputs=SCHEMA)
    def f(df: Any) -> Any:
        return df

    out = f(make(kind, [1.0, 2.0]))
    assert isinstance(out, pl.LazyFrame if kind == "lazy" else pl.DataFrame)
    result = govern.last_result()
    assert result is not None and result.status == "passed"
    assert ("score", "in_range(0, 100)") in {(c.column, c.check) for c in result.checks}
    assert all(c.passed for c in result.checks)
    assert [d.row_count for d in result.datasets] == [2, 2]


def test_lazy_frame_with_bad_values_fails() -> None:
    """pandera alone checks only a LazyFrame's schema; govern must run the data checks."""
    bad = make("lazy", [1.0, -5.0, 500.0], ["a", "z", "b"])
    SCHEMA.validate(bad, lazy=True)  # pandera's default: passes silently

    @govern.stage(inputs={"df": SCHEMA})
    def f(df: pl.LazyFrame) -> int:  # pragma: no cover - the gate stops it
        raise AssertionError("must not be called")

    with pytest.raises(govern.GateError) as info:
        f(bad)
    message = str(info.value)
    assert "column 'score': in_range(0, 100) -- 2 failing rows of 3" in message
    assert "column 'grade': isin(['a', 'b', 'c']) -- 1 failing row of 3" in message


def test_lazy_data_checks_run_even_when_pandera_is_set_to_schema_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pandera.config import ValidationDepth, config_context

    @govern.stage(inputs={"df": SCHEMA})
    def f(df: Any) -> int:  # pragma: no cover
        return 0

    for kind in KINDS:
        with (
            config_context(validation_depth=ValidationDepth.SCHEMA_ONLY),
            pytest.raises(govern.GateError, match="in_range"),
        ):
            f(make(kind, [-1.0]))


@pytest.mark.parametrize("kind", KINDS)
def test_fail_raises_with_counts(kind: str) -> None:
    @govern.stage(inputs={"df": SCHEMA})
    def f(df: Any) -> int:  # pragma: no cover
        return 0

    with pytest.raises(govern.GateError) as info:
        f(make(kind, [1.0, -5.0, 150.0]))
    result = info.value.result
    assert result.status == "failed"
    (failed,) = result.failed_checks
    assert (failed.check, failed.failed_count, failed.checked_count) == ("in_range(0, 100)", 2, 3)
    assert [s.value for s in failed.sample] == ["-5.0", "150.0"]


@pytest.mark.parametrize("kind", KINDS)
def test_warn_mode_and_warn_severity(kind: str) -> None:
    @govern.stage(outputs=SCHEMA, on_fail="warn")
    def warned() -> Any:
        return make(kind, [1.0, -1.0])

    @govern.stage(outputs=govern.Gate(SCHEMA, severity="warn"))
    def soft() -> Any:
        return make(kind, [1.0, -1.0])

    for stage in (warned, soft):
        with pytest.warns(govern.GateWarning, match="in_range"):
            out = stage()
        assert collect(out).height == 2
        result = govern.last_result()
        assert result is not None and result.status == "warned"


@pytest.mark.parametrize("kind", KINDS)
def test_mostly_tolerates_a_fraction(kind: str) -> None:
    @govern.stage(inputs={"df": govern.Gate(SCHEMA, mostly=0.9)})
    def lenient(df: Any) -> int:
        return 1

    assert lenient(make(kind, [1.0] * 9 + [-1.0])) == 1
    result = govern.last_result()
    assert result is not None and result.status == "passed"


@pytest.mark.parametrize("kind", KINDS)
def test_quarantine_partitions_rows_and_keeps_reasons(kind: str, tmp_path: Path) -> None:
    govern.configure(quarantine_dir=str(tmp_path / "q"))

    @govern.stage(inputs={"df": SCHEMA}, on_fail="quarantine")
    def keep(df: Any) -> Any:
        return df

    data = make(kind, [1.0, -5.0, 50.0, 200.0, 3.0], ["a", "a", "q", "b", None])
    out = keep(data)
    assert isinstance(out, type(data))
    valid = collect(out)
    assert valid["id"].to_list() == [0, 4]
    result = govern.last_result()
    assert result is not None and result.status == "quarantined"
    (record,) = result.quarantine
    rejected = pl.read_parquet(record.path)
    assert record.rows == rejected.height == 3
    assert valid.height + rejected.height == collect(data).height
    assert rejected["id"].to_list() == [1, 2, 3]
    assert dict(
        zip(rejected["_govern_row"], rejected["_govern_reasons"].to_list(), strict=True)
    ) == {
        "1": ["score: in_range(0, 100)"],
        "2": ["grade: isin(['a', 'b', 'c'])"],
        "3": ["score: in_range(0, 100)"],
    }
    # the ungated return value is not counted when lazy (that would run the plan)
    assert [d.row_count for d in result.datasets] == [5, None if kind == "lazy" else 2]


def test_lazy_quarantine_output_gate_stays_lazy_and_profiles_valid_rows() -> None:
    @govern.stage(outputs=SCHEMA, on_fail="quarantine")
    def produce() -> pl.LazyFrame:
        return make("lazy", [1.0, -1.0, 3.0])

    out = produce()
    assert isinstance(out, pl.LazyFrame)
    assert out.collect()["score"].to_list() == [1.0, 3.0]
    result = govern.last_result()
    assert result is not None and result.quarantine[0].rows == 1
    (output,) = result.datasets
    assert output.row_count == 2 and output.fingerprint is not None


@pytest.mark.parametrize("kind", KINDS)
def test_missing_column_cannot_be_quarantined(kind: str) -> None:
    @govern.stage(inputs={"df": SCHEMA}, on_fail="quarantine")
    def keep(df: Any) -> Any:  # pragma: no cover
        return df

    with pytest.raises(govern.GateError, match="column 'grade' not in dataframe"):
        keep(make(kind, [1.0]).drop("grade"))


# --- metrics against the pandas reference ------------------------------------------------


def reference() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "f": [1.5, None, -3.25, 8.0, 2.0, None],
            "i": [3, 1, 4, 1, 5, 9],
            "s": ["b", "a", None, "c", "a", "b"],
            "t": pd.to_datetime(
                ["2024-01-02", "2024-01-01", None, "2024-03-01", "2024-01-05", "2023-12-31"]
            ),
            "flag": [True, False, True, None, False, True],
        }
    ).astype({"flag": "boolean"})


def comparable(metrics: dict[str, Any], *, quantiles: bool) -> dict[str, Any]:
    """rowCount and columnMetrics; quantiles only where both sides use the same method."""
    columns = {
        name: {k: v for k, v in m.items() if quantiles or k != "quantiles"}
        for name, m in metrics["columnMetrics"].items()
    }
    return {"rowCount": metrics["rowCount"], "columnMetrics": columns}


def approx_equal(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(approx_equal(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12)
    return bool(a == b)


@pytest.mark.parametrize("level", ["cheap", "full"])
@pytest.mark.parametrize("kind", KINDS)
def test_metrics_equal_the_pandas_reference(kind: str, level: str) -> None:
    pdf = reference()
    expected = profile(pdf, level).metrics  # type: ignore[arg-type]
    frame = pl.from_pandas(pdf)
    got = profile(frame.lazy() if kind == "lazy" else frame, level).metrics  # type: ignore[arg-type]
    assert expected is not None and got is not None
    same_quantiles = kind == "eager"  # lazy: exact linear quantiles, eager: Arrow t-digest
    assert approx_equal(
        comparable(got, quantiles=same_quantiles), comparable(expected, quantiles=same_quantiles)
    )
    if kind == "lazy" and level == "full":
        assert got["columnMetrics"]["i"]["quantiles"] == {"0.25": 1.5, "0.5": 3.5, "0.75": 4.75}
        assert "bytes" not in got  # a plan does not know its size


def test_lazy_fingerprint_is_a_content_version() -> None:
    df = pl.DataFrame({"a": [1, 2, 3], "b": ["x", None, "z"]})
    first = profile(df.lazy()).fingerprint
    assert first is not None and first.startswith("rowhash-polars:")
    assert (
        profile(pl.DataFrame({"a": [1, 2, 3], "b": ["x", None, "z"]}).lazy()).fingerprint == first
    )
    changed = [
        df.with_columns(pl.lit(0).alias("a")),
        df.reverse(),  # order matters, as in the eager fingerprint
        df.rename({"b": "c"}),
        df.with_columns(pl.col("a").cast(pl.Int32)),
        df.head(2),
    ]
    prints = {profile(c.lazy()).fingerprint for c in changed}
    assert first not in prints and len(prints) == len(changed)


def test_lazy_profile_is_one_query() -> None:
    calls: list[int] = []
    frame = pl.LazyFrame({"a": [1, 2]}).map_batches(lambda d: calls.append(1) or d)
    profile(frame, "full")
    assert calls == [1]


def test_scan_parquet_declares_a_lazy_source(tmp_path: Path) -> None:
    from govern.datasets import scan_parquet

    path = tmp_path / "data.parquet"
    pl.DataFrame({"id": [0, 1], "score": [1.0, 2.0], "grade": ["a", "b"]}).write_parquet(path)

    @govern.stage(inputs={"df": SCHEMA})
    def f(df: pl.LazyFrame) -> int:
        return 1

    f(scan_parquet(path))
    result = govern.last_result()
    assert result is not None
    (source,) = result.datasets
    assert (source.ref.namespace, source.ref.name) == ("file", str(path.resolve()))


# --- the example -----------------------------------------------------------------------


def test_example_runs_on_polars(capsys: pytest.CaptureFixture[str]) -> None:
    engines = runpy.run_path(str(REPO_ROOT / "examples" / "penguins" / "engines.py"), run_name="x")
    assert engines["main"](["--engine", "polars"]) == 0
    out = capsys.readouterr().out
    assert "pipeline 'penguins-polars': completed" in out
    assert "quarantined 11 row(s)" in out
    assert "model penguin-species@" in out
    run = govern.last_result()
    assert run is not None and run.stage == "train" and run.model is not None
    assert run.model.metrics["accuracy"] > 0.9
