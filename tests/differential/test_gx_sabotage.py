"""The differential harness catches a broken govern: each sabotage makes it report a
mismatch (so an empty mismatch list elsewhere means agreement, not a blind harness)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
import pytest

from govern.checks import gx as gx_check
from govern.checks import gx_results
from tests.differential.gx_harness import compare

pytest.importorskip("great_expectations")

FRAME = pd.DataFrame({"v": [1.0, 50.0, np.nan, 3.0, 70.0]}, index=[0, 0, 1, 1, 2])
BETWEEN = [
    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "v", "max_value": 10}}
]


def test_the_harness_agrees_with_govern_as_built() -> None:
    assert compare(FRAME, BETWEEN) == []
    assert compare(FRAME, BETWEEN, 0.6) == []


def test_rows_by_label_are_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gx_check, "positional", lambda frame: frame)  # the old label path
    assert compare(FRAME, BETWEEN) != []


def test_a_wrong_count_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    real = gx_results.finding

    def off_by_one(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        return dataclasses.replace(found, failed_count=found.failed_count + 1)

    monkeypatch.setattr(gx_check, "finding", off_by_one)
    assert any("unexpected" in p for p in compare(FRAME, BETWEEN))


def test_a_lost_quarantined_row_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    real = gx_results.finding

    def lose_one(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        rows = found.failing_rows
        return dataclasses.replace(found, failing_rows=list(rows)[1:] if rows else rows)

    monkeypatch.setattr(gx_check, "finding", lose_one)
    assert compare(FRAME, BETWEEN) != []


def test_the_old_mostly_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    # nulls in the denominator (govern's old meaning): 2 failing of 5 rows <= 40% passes,
    # while GX's 2 failing of 4 non-null values (50%) fails mostly=0.6
    monkeypatch.delattr(gx_check.GXCheck, "with_mostly")  # govern's own tolerance applies
    assert any("success" in p for p in compare(FRAME, BETWEEN, 0.6))
