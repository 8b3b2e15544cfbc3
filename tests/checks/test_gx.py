"""The Great Expectations backend: suites from objects and files, findings, reuse."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from govern.checks import gx_context
from govern.checks.base import Check, CheckOutcome, Finding
from govern.checks.gx import GXCheck, is_gx_suite
from govern.errors import GateDefinitionError, MissingDependencyError, NotAFrameError
from govern.types import FailureCase, Severity

DATA = Path(__file__).parent / "data"
BETWEEN = "expect_column_values_to_be_between(min_value=0, max_value=100)"
NOT_NULL = "expect_column_values_to_not_be_null()"
IN_SET = "expect_column_values_to_be_in_set(value_set=['open', 'shipped'])"


@pytest.fixture(scope="module")
def gx() -> Any:
    """great_expectations, imported once for the module (it takes seconds)."""
    return pytest.importorskip("great_expectations")


@pytest.fixture(scope="module")
def suite(gx: Any) -> Any:
    """The same suite as data/orders_suite_v1.json, built without a GX context."""
    return gx.ExpectationSuite(
        name="orders",
        expectations=[
            gx.expectations.ExpectColumnValuesToBeBetween(
                column="amount", min_value=0, max_value=100
            ),
            gx.expectations.ExpectColumnValuesToNotBeNull(column="customer"),
            gx.expectations.ExpectColumnValuesToBeInSet(
                column="status", value_set=["open", "shipped"], severity="warning"
            ),
        ],
    )


def good_orders() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "amount": [10.0, 20.0, 99.5],
            "customer": ["ann", "bob", "cy"],
            "status": ["open", "shipped", "open"],
        },
        index=["o1", "o2", "o3"],
    )


def bad_orders() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "amount": [10.0, -5.0, 250.0, 40.0],
            "customer": ["ann", None, "cy", "dee"],
            "status": ["open", "lost", "open", "open"],
        },
        index=["o1", "o2", "o3", "o4"],
    )


def by_check(findings: list[Finding]) -> dict[str, Finding]:
    return {f.check: f for f in findings}


def run(
    check: GXCheck, frame: Any, *, want_index: bool = True, sample_size: int = 5
) -> CheckOutcome:
    return check.run(frame, want_index=want_index, sample_size=sample_size)


def one(gx: Any, expectation: Any, frame: pd.DataFrame, **kw: Any) -> Finding:
    check = GXCheck.from_suite(gx.ExpectationSuite(name="one", expectations=[expectation]))
    [finding] = run(check, frame, **kw).findings
    return finding


# --- the protocol and lazy import -------------------------------------------------------


def test_import_does_not_import_great_expectations() -> None:
    code = (
        "import sys, govern.checks.gx as g\n"
        "c = g.GXCheck.from_path(sys.argv[1])\n"
        "assert 'great_expectations' not in sys.modules, 'imported'\n"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(DATA / "orders_suite_v1.json")], check=True, timeout=60
    )


def test_satisfies_the_check_protocol(suite: Any) -> None:
    check = GXCheck.from_suite(suite)
    assert isinstance(check, Check)
    assert (check.name, check.backend) == ("orders", "gx")
    assert is_gx_suite(suite)
    assert not is_gx_suite({"expectations": []})


# --- results ----------------------------------------------------------------------------


def test_passing_frame(suite: Any) -> None:
    frame = good_orders()
    outcome = run(GXCheck.from_suite(suite), frame)
    assert outcome.frame is frame
    found = by_check(outcome.findings)
    assert set(found) == {BETWEEN, NOT_NULL, IN_SET}
    for finding in found.values():
        assert finding.passed is True
        assert finding.failed_count == 0
        assert finding.checked_count == 3
        assert finding.failing_rows == []
        assert finding.sample == ()
    assert found[BETWEEN].column == "amount"
    assert found[BETWEEN].expected == "between 0 and 100"
    assert found[NOT_NULL].expected == "not null"
    assert found[IN_SET].expected == "in {'open', 'shipped'}"


def test_failing_frame_with_index(suite: Any) -> None:
    frame = bad_orders()
    before = frame.copy()
    found = by_check(run(GXCheck.from_suite(suite), frame).findings)
    between = found[BETWEEN]
    assert between.passed is False
    assert (between.failed_count, between.checked_count) == (2, 4)
    assert list(between.failing_rows or ()) == [1, 2]  # positions; samples show labels
    assert between.sample == (FailureCase("o2", "-5.0"), FailureCase("o3", "250.0"))
    assert between.severity is Severity.ERROR
    nulls = found[NOT_NULL]
    assert (nulls.failed_count, list(nulls.failing_rows or ())) == (1, [1])
    assert nulls.sample == (FailureCase("o2", "nan"),)  # pandas 3: None -> NaN in str
    pd.testing.assert_frame_equal(frame, before)  # GX must not touch the caller's frame


def test_failing_frame_without_index_still_samples(suite: Any) -> None:
    found = by_check(run(GXCheck.from_suite(suite), bad_orders(), want_index=False).findings)
    between = found[BETWEEN]
    assert between.failing_rows is None
    assert between.failed_count == 2
    assert between.sample == (FailureCase("o2", "-5.0"), FailureCase("o3", "250.0"))


def test_sample_is_bounded_by_sample_size(gx: Any) -> None:
    frame = pd.DataFrame({"x": range(50)})
    expectation = gx.expectations.ExpectColumnValuesToBeBetween(column="x", max_value=10)
    for want_index in (True, False):
        finding = one(gx, expectation, frame, want_index=want_index, sample_size=3)
        assert finding.failed_count == 39
        assert [c.index for c in finding.sample] == ["11", "12", "13"]
        assert finding.expected == "<= 10"
    assert len(one(gx, expectation, frame).failing_rows or ()) == 39


def test_warning_severity_maps_to_warn(suite: Any) -> None:
    found = by_check(run(GXCheck.from_suite(suite), bad_orders()).findings)
    in_set = found[IN_SET]
    assert in_set.severity is Severity.WARN
    assert in_set.passed is False
    assert in_set.sample == (FailureCase("o2", "'lost'"),)


def test_info_severity_maps_to_warn(gx: Any) -> None:
    expectation = gx.expectations.ExpectColumnValuesToNotBeNull(column="x", severity="info")
    finding = one(gx, expectation, pd.DataFrame({"x": [1, None]}))
    assert finding.severity is Severity.WARN


def test_expectation_mostly_passes_despite_failures(gx: Any) -> None:
    expectation = gx.expectations.ExpectColumnValuesToBeBetween(
        column="amount", min_value=0, max_value=100, mostly=0.5
    )
    finding = one(gx, expectation, bad_orders())
    assert finding.passed is True
    assert finding.failed_count == 2
    assert finding.check == (
        "expect_column_values_to_be_between(mostly=0.5, min_value=0, max_value=100)"
    )


def test_missing_column_is_a_table_level_failure(gx: Any) -> None:
    expectation = gx.expectations.ExpectColumnValuesToNotBeNull(column="nope")
    finding = one(gx, expectation, good_orders())
    assert finding.passed is False
    assert finding.failed_count == 1
    assert finding.failing_rows is None
    assert finding.column == "nope"
    assert finding.message == 'The column "nope" in BatchData does not exist.'


def test_table_expectations(gx: Any) -> None:
    rows = gx.expectations.ExpectTableRowCountToBeBetween(min_value=1, max_value=2)
    finding = one(gx, rows, good_orders())
    assert (finding.passed, finding.failed_count, finding.failing_rows) == (False, 1, None)
    assert finding.column is None
    assert finding.message == "observed 3"
    assert finding.expected == "between 1 and 2"
    exists = gx.expectations.ExpectColumnToExist(column="amount")
    finding = one(gx, exists, good_orders())
    assert (finding.passed, finding.failed_count, finding.column) == (True, 0, "amount")


def test_set_level_expectation_has_no_rows(gx: Any) -> None:
    expectation = gx.expectations.ExpectColumnDistinctValuesToBeInSet(
        column="status", value_set=["open"]
    )
    finding = one(gx, expectation, bad_orders())
    assert (finding.passed, finding.failed_count, finding.failing_rows) == (False, 1, None)
    assert finding.sample == (FailureCase(None, "'lost'"),)


def test_numpy_results_do_not_break_the_run(gx: Any) -> None:
    # GX's results store fails to serialise this result (numpy bool) under numpy 2.
    expectation = gx.expectations.ExpectColumnQuantileValuesToBeBetween(
        column="amount", quantile_ranges={"quantiles": [0.5], "value_ranges": [[0, 10]]}
    )
    finding = one(gx, expectation, bad_orders())
    assert finding.passed is False
    assert finding.message == "observed {'quantiles': [0.5], 'values': [40.0]}"
    mean = gx.expectations.ExpectColumnMeanToBeBetween(column="amount", max_value=1)
    assert one(gx, mean, bad_orders()).message == "observed 73.75"  # not np.float64(73.75)


def test_multiindex_labels(gx: Any) -> None:
    frame = bad_orders().set_index(
        pd.MultiIndex.from_tuples([(1, "a"), (1, "b"), (2, "a"), (2, "b")])
    )
    expectation = gx.expectations.ExpectColumnValuesToNotBeNull(column="customer")
    finding = one(gx, expectation, frame)
    assert finding.failing_rows == [1]
    assert finding.sample == (FailureCase("(1, 'b')", "nan"),)


# --- suite files ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["orders_suite_v1.json", "orders_suite_v0.json"])
def test_suite_files_match_the_suite_object(suite: Any, name: str) -> None:
    check = GXCheck.from_path(DATA / name)
    assert check.name == name.replace("_suite_v1.json", "").replace("_suite_v0.json", "_legacy")
    from_file = by_check(run(check, bad_orders()).findings)
    from_object = by_check(run(GXCheck.from_suite(suite), bad_orders()).findings)
    assert set(from_file) == set(from_object)
    assert from_file[BETWEEN] == from_object[BETWEEN]
    expected_severity = Severity.WARN if name.endswith("v1.json") else Severity.ERROR
    assert from_file[IN_SET].severity is expected_severity  # 0.x files have no severity


def test_suite_written_by_to_json_dict(suite: Any, tmp_path: Path) -> None:
    path = tmp_path / "suite.json"
    path.write_text(json.dumps(suite.to_json_dict()))
    found = by_check(run(GXCheck.from_path(str(path)), bad_orders()).findings)
    assert found[NOT_NULL].failed_count == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("directory", "is a directory"),
        ("{not json", "is not valid JSON: Expecting property name"),
        (b"\xff\xfe\x00", "is not JSON"),
        ("[1, 2]", "is not a suite: it has no 'expectations' list"),
        ('{"name": "x", "checks": []}', "is not a suite: it has no 'expectations' list"),
        ('{"expectations": [{"kwargs": {}}]}', "expectation #0 has no 'type' (GX 1.x)"),
        ('{"expectations": ["x"]}', "expectation #0 is not an object"),
        ('{"expectations": [{"type": "t", "kwargs": []}]}', "has non-object kwargs"),
    ],
)
def test_bad_suite_files(tmp_path: Path, content: str | bytes | None, message: str) -> None:
    path = tmp_path / "suite.json"
    if content == "directory":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(GateDefinitionError, match="Great Expectations suite file") as info:
        GXCheck.from_path(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_fixture_files_that_are_not_suites() -> None:
    with pytest.raises(GateDefinitionError, match="no 'expectations' list"):
        GXCheck.from_path(DATA / "not_a_suite.json")
    with pytest.raises(GateDefinitionError, match="not valid JSON"):
        GXCheck.from_path(DATA / "broken.json")


def test_unknown_expectation_fails_on_first_run(tmp_path: Path) -> None:
    path = tmp_path / "suite.json"
    path.write_text('{"name": "s", "expectations": [{"type": "expect_magic", "kwargs": {}}]}')
    check = GXCheck.from_path(path)  # structure is fine; GX knows the types
    with pytest.raises(GateDefinitionError, match=r"expectation #0 \(expect_magic\) is not valid"):
        run(check, good_orders())


def test_not_a_suite_object() -> None:
    with pytest.raises(
        GateDefinitionError, match=r"expected a great_expectations\.ExpectationSuite"
    ):
        GXCheck.from_suite({"expectations": []})


# --- frames, dependencies, reuse --------------------------------------------------------


def test_non_pandas_frames_are_refused(suite: Any) -> None:
    polars = pytest.importorskip("polars")
    check = GXCheck.from_suite(suite)
    with pytest.raises(NotAFrameError, match=r"polars\..*DataFrame.*accept pandas DataFrames"):
        run(check, polars.DataFrame({"amount": [1]}))
    with pytest.raises(NotAFrameError, match="got a dict"):
        run(check, {"amount": [1]})


def test_missing_great_expectations(monkeypatch: pytest.MonkeyPatch) -> None:
    check = GXCheck.from_path(DATA / "orders_suite_v1.json")
    monkeypatch.setitem(sys.modules, "great_expectations", None)
    with pytest.raises(MissingDependencyError, match="pip install great-expectations"):
        run(check, good_orders())


def gx_objects() -> tuple[int, int, int, int]:
    with gx_context.gx_call() as context:
        return (
            len(gx_context.pandas_source(context).assets),
            len(context.validation_definitions.all()),
            len(context.suites.all()),
            len(context.validation_results_store.list_keys()),
        )


def test_runs_reuse_the_gx_objects(suite: Any) -> None:
    check = GXCheck.from_suite(suite)
    run(check, good_orders())
    after_first = gx_objects()
    run(check, bad_orders())
    run(check, good_orders(), want_index=False)
    assert gx_objects() == after_first
    assert after_first[3] == 0  # results are not kept in the context
    run(GXCheck.from_suite(suite), good_orders())  # a second check adds its own objects
    assert gx_objects()[:3] == tuple(n + 1 for n in after_first[:3])


def test_users_current_gx_context_is_left_alone(gx: Any, suite: Any) -> None:
    manager = sys.modules["great_expectations.data_context.data_context.context_factory"]
    mine = gx.get_context(mode="ephemeral")
    try:
        run(GXCheck.from_suite(suite), good_orders())
        assert manager.project_manager.get_current_project() is mine
        assert mine.suites.all() == []
    finally:
        manager.project_manager.set_project(None)


def test_checks_run_from_threads(suite: Any) -> None:
    checks = [GXCheck.from_suite(suite) for _ in range(4)]
    failures: list[int] = []

    def work(check: GXCheck) -> None:
        for _ in range(3):
            found = by_check(run(check, bad_orders()).findings)
            failures.append(found[BETWEEN].failed_count)

    threads = [threading.Thread(target=work, args=(c,)) for c in checks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [2] * 12
