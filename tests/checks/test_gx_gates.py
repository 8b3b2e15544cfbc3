"""GX gates in a stage: exact quarantine on every index kind, GX's own ``mostly``, backend
exceptions as govern errors (recorded), and no progress bars (issue 11 items 4, 11-13)."""

from __future__ import annotations

import contextlib
import io
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import govern
from govern.checks.gx import GXCheck
from govern.errors import CheckEvaluationError, GateDefinitionError, GovernError
from govern.quarantine import REASONS_COLUMN, ROW_COLUMN

gx = pytest.importorskip("great_expectations")
gxe = gx.expectations

VALUES = [1.0, 50.0, 3.0, np.nan, 70.0, 2.0]
BAD = [1, 4]  # positions outside [0, 10]; NaN is not checked by a between expectation

INDEXES: dict[str, Any] = {
    "range": pd.RangeIndex(6),
    "offset_range": pd.RangeIndex(10, 16),
    "named": pd.Index(["a", "b", "c", "d", "e", "f"], name="key"),
    "non_unique": pd.Index([0, 0, 1, 1, 2, 2]),
    "non_unique_named": pd.Index(["x", "x", "x", "y", "y", "y"], name="k"),
    "nan_labels": pd.Index([1.0, np.nan, 3.0, np.nan, 5.0, 6.0]),
    "multi": pd.MultiIndex.from_tuples(
        [(1, "a"), (1, "b"), (2, "a"), (2, "b"), (3, "a"), (3, "b")], names=["n", "s"]
    ),
    "datetime": pd.date_range("2024-01-01", periods=6, freq="D", tz="UTC", name="when"),
    "string": pd.Index(["ä", "ö", "ü", "清", "洗", "é"], dtype="string"),
}


def suite(*expectations: Any, name: str = "s") -> Any:
    return gx.ExpectationSuite(name=name, expectations=list(expectations))


def between() -> Any:
    return gxe.ExpectColumnValuesToBeBetween(column="v", min_value=0, max_value=10)


@pytest.mark.parametrize("kind", sorted(INDEXES))
def test_quarantine_is_exact_on_every_index_kind(kind: str) -> None:
    frame = pd.DataFrame({"v": VALUES, "w": list("pqrstu")}, index=INDEXES[kind])

    @govern.stage(inputs={"df": suite(between())}, on_fail="quarantine")
    def clean(df: pd.DataFrame) -> pd.DataFrame:
        return df

    valid = clean(frame)
    result = govern.last_result()
    assert result is not None and result.status is govern.Status.QUARANTINED
    keep = [p for p in range(len(frame)) if p not in BAD]
    pd.testing.assert_frame_equal(valid, frame.iloc[keep])
    (record,) = result.quarantine
    assert record.rows == len(BAD)
    rejected = pq.read_table(record.path).to_pandas()
    assert rejected["w"].tolist() == frame["w"].iloc[BAD].tolist()
    assert rejected[ROW_COLUMN].tolist() == [str(label) for label in frame.index[BAD].tolist()]
    assert [list(r) for r in rejected[REASONS_COLUMN]] == [
        ["v: expect_column_values_to_be_between(min_value=0, max_value=10)"]
    ] * len(BAD)


def test_named_index_samples_show_labels() -> None:
    frame = pd.DataFrame({"v": VALUES}, index=INDEXES["named"])

    @govern.stage(inputs={"df": suite(between())}, on_fail="warn")
    def f(df: pd.DataFrame) -> pd.DataFrame:
        return df

    with pytest.warns(govern.GateWarning):
        f(frame)
    result = govern.last_result()
    assert result is not None
    (check,) = result.checks
    assert [c.index for c in check.sample] == ["b", "e"]


# -- mostly: GX's own meaning ------------------------------------------------------------


def run_with_mostly(values: list[Any], mostly: float, expectation: Any) -> bool:
    gate = govern.Gate(suite(expectation), mostly=mostly)

    @govern.stage(inputs={"df": gate}, on_fail="warn")
    def f(df: pd.DataFrame) -> pd.DataFrame:
        return df

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", govern.GateWarning)
        f(pd.DataFrame({"v": values}))
    result = govern.last_result()
    assert result is not None
    (check,) = result.checks
    return check.passed


def bare_success(values: list[Any], mostly: float, expectation: Any) -> bool:
    """GX alone, with the expectation's own mostly set to the Gate's."""
    context = gx.get_context(mode="ephemeral")
    batch = (
        context.data_sources.add_pandas("p")
        .add_dataframe_asset("a")
        .add_batch_definition_whole_dataframe("b")
        .get_batch(batch_parameters={"dataframe": pd.DataFrame({"v": values})})
    )
    configured = expectation.copy(update={"mostly": mostly})
    return bool(batch.validate(configured).success)


@pytest.mark.parametrize(
    ("values", "mostly", "expectation"),
    [
        # nulls are not in GX's denominator: 1 failing of 2 non-null is 50% < 60%
        ([100.0, 1.0, None, None, None, None], 0.6, between()),
        ([100.0, 1.0, None, None, None, None], 0.5, between()),
        ([100.0, 1.0, 2.0, None], 0.66, between()),
        ([100.0, 1.0, 2.0, None], 0.67, between()),
        ([None, None, None], 0.9, between()),  # no non-null values: vacuously true in GX
        # not_be_null counts every row
        ([1.0, None, None, 4.0], 0.5, gxe.ExpectColumnValuesToNotBeNull(column="v")),
        ([1.0, None, None, 4.0], 0.51, gxe.ExpectColumnValuesToNotBeNull(column="v")),
        (["a", "a", None, "b"], 0.6, gxe.ExpectColumnValuesToBeUnique(column="v")),
    ],
)
def test_gate_mostly_is_gx_mostly(values: list[Any], mostly: float, expectation: Any) -> None:
    assert run_with_mostly(values, mostly, expectation) is bare_success(values, mostly, expectation)


def test_nulls_do_not_dilute_failures() -> None:
    # the old meaning (nulls in the denominator) passed this: 1 failing of 6 rows <= 40%
    assert run_with_mostly([100.0, 1.0, None, None, None, None], 0.6, between()) is False


def test_an_expectations_own_mostly_is_kept() -> None:
    own = gxe.ExpectColumnValuesToBeBetween(column="v", min_value=0, max_value=10, mostly=0.9)
    assert run_with_mostly([100.0, 1.0, 2.0, 3.0], 0.5, own) is False  # 75% < 90%
    loose = gxe.ExpectColumnValuesToBeBetween(column="v", min_value=0, max_value=10, mostly=0.7)
    assert run_with_mostly([100.0, 1.0, 2.0, 3.0], 0.9, loose) is True  # 75% >= 70%


# -- backend exceptions -------------------------------------------------------------------


def test_unset_parameter_is_a_govern_error_naming_stage_dataset_and_check() -> None:
    expectation = gxe.ExpectColumnValuesToBeBetween(
        column="v", min_value={"$PARAMETER": "low"}, max_value=10
    )

    @govern.stage(inputs={"df": suite(expectation, name="params")})
    def scored(df: pd.DataFrame) -> pd.DataFrame:
        return df

    with pytest.raises(CheckEvaluationError) as caught:
        scored(pd.DataFrame({"v": [1.0]}))
    message = str(caught.value)
    assert "stage 'scored'" in message
    assert "dataset 'scored.df'" in message
    assert "suite 'params'" in message
    assert "expect_column_values_to_be_between(min_value={'$PARAMETER': 'low'}" in message
    assert type(caught.value.__cause__).__name__ == "SuiteParameterError"
    assert isinstance(caught.value, GovernError) and isinstance(caught.value, GateDefinitionError)
    result = govern.last_result()
    assert result is not None and result.stage == "scored"
    assert result.status is govern.Status.FAILED
    assert result.error is not None and "CheckEvaluationError" in result.error


def test_a_value_error_inside_an_expectation_fails_the_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise ValueError("inside an expectation")

    monkeypatch.setattr(type(between()), "_validate", broken)
    found = GXCheck.from_suite(suite(between())).run(
        pd.DataFrame({"v": [1.0]}), want_index=False, sample_size=5
    )
    (finding,) = found.findings  # GX catches it: a failed check, never a pass
    assert finding.passed is False and finding.message == "inside an expectation"


def test_a_value_error_escaping_gx_is_wrapped(monkeypatch: pytest.MonkeyPatch) -> None:
    from great_expectations.validator.validator import Validator

    def broken(*_: Any, **__: Any) -> Any:
        raise ValueError("escaped")

    monkeypatch.setattr(Validator, "graph_validate", broken)
    with pytest.raises(CheckEvaluationError, match="suite 'boom' could not be evaluated") as e:
        GXCheck.from_suite(suite(between(), name="boom")).run(
            pd.DataFrame({"v": [1.0]}), want_index=False, sample_size=5
        )
    assert isinstance(e.value.__cause__, ValueError)


# -- progress bars ------------------------------------------------------------------------


def test_no_progress_bars(capfd: pytest.CaptureFixture[str]) -> None:
    # this expectation builds its own metrics calculator with progress bars forced on
    kl = gxe.ExpectColumnKLDivergenceToBeLessThan(column="v", partition_object=None, threshold=1)
    check = GXCheck.from_suite(suite(kl, between()))
    frame = pd.DataFrame({"v": np.arange(200.0)})
    capfd.readouterr()
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        check.run(frame, want_index=True, sample_size=5)
    out, errors = capfd.readouterr()
    assert "Calculating Metrics" not in out + errors + err.getvalue()
    assert "%|" not in out + errors + err.getvalue()


def test_users_own_gx_progress_bars_are_left_alone() -> None:
    graph = __import__("great_expectations.validator.validation_graph", fromlist=["tqdm"])
    before = graph.tqdm
    check = GXCheck.from_suite(suite(between()))
    check.run(pd.DataFrame({"v": [1.0]}), want_index=False, sample_size=5)
    assert graph.tqdm is before
