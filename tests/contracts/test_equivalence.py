"""A contract gate gives the verdicts of the equivalent hand-written pandera schema.

For the row-level part of tests/contracts/data/orders.odcs.yaml, the bare pandera schema a
user would write by hand is validated on the same generated frames as the contract gate:
the rows each flags must be the same rows. The dataset-level metrics are compared with a
direct pandas computation of the standard's definitions.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pandera.errors
import pandera.pandas as pa
import pandera.polars as papl
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govern.contracts import Contract
from tests.contracts.conftest import ORDERS, direct_metrics, failing_rows

GATE = Contract(ORDERS)

HAND_PANDAS = pa.DataFrameSchema(
    {
        "tenant_id": pa.Column(nullable=False),
        "order_id": pa.Column(checks=pa.Check.ge(1), nullable=False),
        "amount": pa.Column(checks=[pa.Check.ge(0), pa.Check.lt(100000)], nullable=False),
        "currency": pa.Column(checks=pa.Check.isin(["EUR", "USD", "GBP"]), nullable=True),
        "email": pa.Column(checks=pa.Check.str_length(None, 254), nullable=True),
        "status": pa.Column(nullable=True),
    },
    unique=["tenant_id", "order_id"],
)
HAND_POLARS = papl.DataFrameSchema(
    {
        "tenant_id": papl.Column(nullable=False),
        "order_id": papl.Column(checks=papl.Check.ge(1), nullable=False),
        "amount": papl.Column(checks=[papl.Check.ge(0), papl.Check.lt(100000)], nullable=False),
        "currency": papl.Column(checks=papl.Check.isin(["EUR", "USD", "GBP"]), nullable=True),
        "email": papl.Column(checks=papl.Check.str_length(None, 254), nullable=True),
        "status": papl.Column(nullable=True),
    },
    unique=["tenant_id", "order_id"],
)


@st.composite
def order_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(min_value=1, max_value=12))
    column = lambda values: draw(st.lists(values, min_size=n, max_size=n))  # noqa: E731
    amounts = st.one_of(
        st.floats(min_value=-10, max_value=200_000, allow_nan=False), st.just(float("nan"))
    )
    return pd.DataFrame(
        {
            "tenant_id": column(st.integers(0, 2)),
            "order_id": column(st.integers(-1, 4)),
            "amount": column(amounts),
            "currency": column(st.sampled_from(["EUR", "USD", "GBP", "XXX", "eur", None])),
            "email": column(st.one_of(st.none(), st.text(max_size=3).map(lambda t: t * 100))),
            "status": column(st.sampled_from(["open", "closed", "", "N/A", None])),
        }
    )


def _bare_rows(schema: Any, frame: Any) -> tuple[bool, set[int]]:
    """(passed, failing row positions) as bare pandera reports them."""
    try:
        schema.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as err:
        cases = err.failure_cases
        if isinstance(cases, pl.DataFrame):
            cases = cases.to_pandas()
        rows = {int(i) for i in cases["index"].dropna()}
        return False, rows
    return True, set()


def _govern_rows(frame: Any) -> tuple[bool, set[int]]:
    outcome = GATE.run(frame, want_index=True, sample_size=3)
    row_level = [f for f in outcome.findings if f.row_level]
    failed = [f for f in row_level if f.failed_count]
    rows = {int(i) for f in failed for i in failing_rows(f)}
    return not failed, rows


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(frame=order_frames())
def test_pandas_rows_flagged_equal_bare_pandera(frame: pd.DataFrame) -> None:
    assert _govern_rows(frame) == _bare_rows(HAND_PANDAS, frame)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(frame=order_frames(), lazy=st.booleans())
def test_polars_rows_flagged_equal_bare_pandera(frame: pd.DataFrame, lazy: bool) -> None:
    polars_frame = pl.from_pandas(frame, nan_to_null=False)
    expected = _bare_rows(HAND_POLARS, polars_frame)
    assert _govern_rows(polars_frame.lazy() if lazy else polars_frame) == expected


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(frame=order_frames())
def test_dataset_level_verdicts_follow_the_standards_definitions(frame: pd.DataFrame) -> None:
    bounds = {m.name: m.bounds for m in GATE.rules.metrics}
    bounds.update({q.name: q.bounds for q in GATE.rules.sql})
    measured = direct_metrics(frame)
    for engine_frame in (frame, pl.from_pandas(frame, nan_to_null=False)):
        findings = {
            f.check: f.passed
            for f in GATE.run(engine_frame, want_index=False, sample_size=1).findings
            if not f.row_level and f.check in measured
        }
        for name, value in measured.items():
            assert findings[name] is all(b.holds(value) for b in bounds[name]), (name, value)


def test_breaking_the_gate_on_purpose_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison above is not vacuous: a gate that forgets one rule fails it."""
    frame = pd.DataFrame(
        {
            "tenant_id": [1, 1],
            "order_id": [1, 2],
            "amount": [1.0, -5.0],
            "currency": ["EUR", "EUR"],
            "email": [None, None],
            "status": ["open", "open"],
        }
    )
    assert _govern_rows(frame) == _bare_rows(HAND_PANDAS, frame)
    from govern.engines import contracts as engines

    original = engines._row_checks
    monkeypatch.setattr(
        engines,
        "_row_checks",
        lambda checks, pa_, column: (
            [] if column.name == "amount" else original(checks, pa_, column)
        ),
    )
    broken = Contract(ORDERS)
    outcome = broken.run(frame, want_index=True, sample_size=3)
    rows = {
        int(i) for f in outcome.findings if f.row_level and f.failed_count for i in failing_rows(f)
    }
    assert (not rows, rows) != _bare_rows(HAND_PANDAS, frame)
