"""Events of Polars-gated stages (eager and lazy) conform to the OpenLineage spec."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
import pytest

from tests.lineage.engine_events import conforming_events

SCHEMA = pa.DataFrameSchema({"id": pa.Column(int), "score": pa.Column(float, pa.Check.ge(0))})


@pytest.mark.parametrize("lazy", [False, True], ids=["eager", "lazy"])
def test_polars_events_conform(lazy: bool) -> None:
    def frame(scores: list[float]) -> pl.DataFrame | pl.LazyFrame:
        df = pl.DataFrame({"id": list(range(len(scores))), "score": scores})
        return df.lazy() if lazy else df

    events = conforming_events(SCHEMA, lambda: frame([1.0, 2.0]), lambda: frame([1.0, -2.0]))
    assert events
