"""Bare pandera vs the govern gate on the same (frame, schema): one comparison, many cases.

`bare_*` read pandera's own ``schema.validate(lazy=True)`` report, independently of
govern's code: which (column, check) failed, how many rows, and which rows (by position,
from a positionally indexed copy, which is what "the rows pandera flags" means on an
index whose labels are ambiguous). `compare` then runs a govern stage on the same frame
and asserts: the verdict, the failing count per (column, check), the quarantined row set
(valid + quarantined == input; quarantined == the union of flagged rows), the rows that
go on (== ``schema.validate`` of the remaining rows, dtypes included), the quarantine
file's rows, labels and hash, and the ``severity``/``mostly`` semantics.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow.parquet as pq
from pandera.config import ValidationDepth, config_context
from pandera.errors import SchemaErrors

import govern
from tests.differential.cases import CASES, OUTCOMES

Key = tuple[str | None, str]


@dataclass
class Bare:
    """What bare pandera says about one frame."""

    passed: bool
    counts: dict[Key, int] = field(default_factory=dict)
    rows: dict[Key, set[int]] = field(default_factory=dict)  # row-level keys only
    table: set[Key] = field(default_factory=set)  # failures no row can be blamed for

    @property
    def flagged(self) -> set[int]:
        return set().union(*self.rows.values()) if self.rows else set()


def _validate(schema: Any, frame: Any) -> Any:
    with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
        return schema.validate(frame, lazy=True)


def _cases(schema: Any, frame: Any) -> pd.DataFrame | None:
    try:
        _validate(schema, frame)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        return cases if isinstance(cases, pd.DataFrame) else cases.to_pandas()
    return None


def _read(cases: pd.DataFrame | None, schema: Any, typed: set[str]) -> Bare:
    if cases is None:
        return Bare(passed=True)
    bare = Bare(passed=False)
    frame_checks = {str(c.error or c.name) for c in schema.checks}
    for _, case in cases.iterrows():
        check, context = str(case["check"]), str(case["schema_context"])
        column = None if pd.isna(case["column"]) else str(case["column"])
        if check == "column_in_dataframe" and context == "DataFrameSchema":
            key: Key = (str(case["failure_case"]), check)
            bare.counts[key] = 1
            bare.table.add(key)
            continue
        if context == "DataFrameSchema" and check in frame_checks:
            column = None
        key = (column, check)
        whole_dtype = check.startswith("dtype(") and column in typed
        if pd.isna(case["index"]) or whole_dtype or check.startswith("no_regex"):
            bare.counts[key] = bare.counts.get(key, 0) + 1
            bare.table.add(key)
        else:
            bare.rows.setdefault(key, set()).add(int(case["index"]))
    for key, rows in bare.rows.items():
        bare.counts[key] = len(rows)
    return bare


def bare_pandas(schema: Any, frame: pd.DataFrame) -> Bare:
    """pandera on a positional copy: the index values it reports are row positions."""
    positional = frame.reset_index(drop=True)
    typed = {str(c) for c, t in frame.dtypes.items() if str(t) != "object"}
    bare = _read(_cases(schema, positional), schema, typed)
    if not frame.index.equals(positional.index):
        # the verdict does not depend on the index: pandera on the frame itself agrees
        assert (_cases(schema, frame) is None) == bare.passed
    return bare


def bare_polars(schema: Any, frame: Any) -> Bare:
    """pandera-polars: failure cases' index values are row positions already."""
    return _read(_cases(schema, frame), schema, set())


def _bare(schema: Any, frame: Any) -> Bare:
    return (
        bare_pandas(schema, frame)
        if isinstance(frame, pd.DataFrame)
        else bare_polars(schema, frame)
    )


def _settle(schema: Any, frame: Any, bare: Bare, n: int) -> tuple[list[int], Any, Bare]:
    """Rows pandera flags once the flagged ones are gone, until none are new.

    A check that cannot run on the whole frame (its column failed coercion: pandera says
    so as a table-level failure) runs on the rest and may flag rows there: they are
    flagged too.
    """
    flagged = set(bare.flagged)
    for _ in range(3):
        kept = [p for p in range(n) if p not in flagged]
        rest = _take(frame, kept)
        on_rest = _bare(schema, rest)
        new = {kept[p] for key, rows in on_rest.rows.items() if key in bare.table for p in rows}
        if not new or on_rest.table:
            return sorted(flagged), rest, on_rest
        flagged |= new
    raise AssertionError("pandera kept flagging new rows")


def _failed(result: govern.StageResult) -> dict[Key, int]:
    return {(c.column, c.check): c.failed_count for c in result.failed_checks}


def _take(frame: Any, keep: list[int]) -> Any:
    if isinstance(frame, pd.DataFrame):
        return frame.iloc[keep]
    if isinstance(frame, pl.LazyFrame):
        return frame.collect()[keep].lazy()
    return frame[keep]


def _rows(frame: Any) -> int:
    if isinstance(frame, pl.LazyFrame):
        return int(frame.select(pl.len()).collect().item())
    return len(frame)


def _same(got: Any, want: Any) -> None:
    if isinstance(want, pl.LazyFrame):
        want = want.collect()
    if isinstance(got, pl.LazyFrame):
        got = got.collect()
    if isinstance(want, pd.DataFrame):
        pd.testing.assert_frame_equal(got, want)
    else:
        from polars.testing import assert_frame_equal

        assert_frame_equal(got, want)


def _labels(frame: Any, positions: list[int]) -> list[str]:
    if isinstance(frame, pd.DataFrame):
        return [str(label) for label in frame.iloc[positions].index]
    return [str(p) for p in positions]


def _run(schema: Any, frame: Any, on_fail: str, gate: Any) -> tuple[Any, Any, list[Any]]:
    @govern.stage(name="differential", inputs={"df": gate}, on_fail=on_fail)
    def stage(df: Any) -> Any:
        return df

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out: Any = stage(frame)
        except govern.GateError as exc:
            out = exc
    return out, govern.last_result(), [w for w in caught if w.category is govern.GateWarning]


def compare(schema: Any, frame: Any, category: str, bare: Bare | None = None) -> Bare:
    """Assert govern == bare pandera on (frame, schema) under quarantine; return bare's view."""
    if bare is None:
        bare = _bare(schema, frame)
    out, result, warned = _run(schema, frame, "quarantine", schema)
    assert result is not None
    assert _failed(result) == bare.counts, (_failed(result), bare.counts)
    missing = {column for column, check in bare.table if check == "column_in_dataframe"}
    assert {c.column for c in result.not_run_checks} <= missing
    assert not any(c.passed for c in result.checks if c.column in missing)
    n = _rows(frame)
    if bare.passed:
        assert result.status == "passed" and not result.quarantine and not warned
        _same(out, _validate(schema, frame))
    else:
        flagged, rest, on_rest = _settle(schema, frame, bare, n)
        if on_rest.table:
            # what is left still fails as a whole (a missing column, a wrong dtype):
            # nothing may go on, and the flagged rows are still kept aside
            assert isinstance(out, govern.GateError) and result.status == "failed"
        else:
            # table-level failures that were only a consequence of the flagged rows
            # (a value that could not be coerced) are gone: the rest goes on
            assert result.status == "quarantined", result.status
            assert _rows(out) + len(flagged) == n
            _same(out, _validate(schema, rest))
        if flagged:
            _check_file(result, frame, flagged)
        else:
            assert not result.quarantine
    CASES[category] += 1
    OUTCOMES[f"{category.split(':')[0]}: {result.status}"] += 1
    return bare


def _check_file(result: govern.StageResult, frame: Any, flagged: list[int]) -> None:
    (record,) = result.quarantine
    path = Path(record.path)
    assert record.rows == len(flagged)
    assert record.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    table = pq.read_table(path)
    assert table.num_rows == len(flagged)
    assert table.column("_govern_row").to_pylist() == _labels(frame, flagged)


def compare_severity(schema: Any, frame: Any, bare: Bare, category: str) -> None:
    """``Gate(severity="warn")``: same counts, nothing blocked or set aside, a GateWarning."""
    out, result, warned = _run(schema, frame, "quarantine", govern.Gate(schema, severity="warn"))
    assert result is not None and not isinstance(out, govern.GateError)
    assert _failed(result) == bare.counts
    assert all(c.severity == "warn" for c in result.checks)
    assert not result.quarantine
    assert result.status == ("passed" if bare.passed else "warned")
    assert bool(warned) == (not bare.passed)
    assert _rows(out) == _rows(frame)
    CASES[category] += 1


def compare_mostly(schema: Any, frame: Any, bare: Bare, mostly: float, category: str) -> None:
    """``Gate(mostly=m)``: a row-level check passes when at most (1 - m) x rows fail."""
    out, result, _ = _run(schema, frame, "quarantine", govern.Gate(schema, mostly=mostly))
    assert result is not None
    n = _rows(frame)
    tolerated = {k for k, rows in bare.rows.items() if len(rows) <= (1 - mostly) * n + 1e-9}
    want_failed = {k: v for k, v in bare.counts.items() if k not in tolerated}
    assert _failed(result) == want_failed
    passed_keys = {(c.column, c.check) for c in result.checks if c.passed}
    assert tolerated <= passed_keys
    blamed = set().union(*(r for k, r in bare.rows.items() if k not in tolerated))
    if not bare.table:
        assert sum(q.rows for q in result.quarantine) == len(blamed)
    rest = _take(frame, [p for p in range(n) if p not in blamed])
    if _bare(schema, rest).table:
        assert isinstance(out, govern.GateError)  # a failure of the table as a whole
    else:
        assert _rows(out) == n - len(blamed)
    CASES[category] += 1
