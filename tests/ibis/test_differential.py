"""govern's verdicts on Ibis tables equal bare pandera.ibis's, on generated and real data."""

from __future__ import annotations

import importlib.resources
from collections import Counter
from typing import Any

import ibis
import pandas as pd
import pandera.ibis as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govern.checks.pandera_schema import prepare
from govern.engines import engine_for


def govern_verdict(schema: Any, table: Any) -> dict[tuple[str | None, str], int]:
    done = engine_for(table).run_pandera(
        prepare(schema).schema, table, want_index=False, sample_size=0
    )
    return {(f.column, f.check): f.failed_count for f in done.failures}


def same(mine: dict[Any, int], bare: dict[Any, int]) -> bool:
    """Same failing checks, same failing-row counts.

    pandera.ibis reports a ``not_nullable`` failure as one case (the unevaluated table
    expression), so only whether it failed is compared for that check.
    """
    if set(mine) != set(bare):
        return False
    return all(mine[k] == bare[k] for k in mine if k[1] != "not_nullable")


def pandera_verdict(schema: Any, table: Any) -> dict[tuple[str | None, str], int]:
    try:
        schema.validate(table, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        counted: Counter[tuple[str | None, str]] = Counter()
        for column, check, value in zip(
            cases["column"], cases["check"], cases["failure_case"], strict=True
        ):
            key = None if column is None or column != column else str(column)
            if key == "failure_case" and isinstance(value, dict) and len(value) == 1:
                key = str(next(iter(value)))  # a built-in's case: {column: value}
            if check == "column_in_dataframe":
                key = str(value)
            counted[(key, str(check))] += 1
        return dict(counted)
    return {}


CON = ibis.duckdb.connect()
values = st.one_of(st.none(), st.floats(-5, 15, allow_nan=False))
texts = st.one_of(st.none(), st.sampled_from(["a", "b", "c"]))


@st.composite
def tables(draw: Any) -> tuple[pd.DataFrame, Any]:
    n = draw(st.integers(1, 25))
    frame = pd.DataFrame(
        {
            "x": pd.array(draw(st.lists(values, min_size=n, max_size=n)), dtype="Float64"),
            "s": pd.array(draw(st.lists(texts, min_size=n, max_size=n)), dtype="string"),
            "n": draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n)),
        }
    )
    low = draw(st.integers(-3, 3))
    schema = pa.DataFrameSchema(
        {
            "x": pa.Column(
                float,
                pa.Check.in_range(0, 10, ignore_na=draw(st.booleans())),
                nullable=draw(st.booleans()),
            ),
            "s": pa.Column(str, pa.Check.isin(["a", "b"]), nullable=draw(st.booleans())),
            "n": pa.Column(int, [pa.Check.ge(low), pa.Check.ne(0)]),
        },
        strict=draw(st.booleans()),
    )
    return frame, schema


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_generated_tables_get_pandera_verdicts(case: tuple[pd.DataFrame, Any]) -> None:
    frame, schema = case
    table = CON.create_table("t", frame, overwrite=True)
    assert same(govern_verdict(schema, table), pandera_verdict(schema, table))


def penguins() -> pd.DataFrame:
    csv = importlib.resources.files("palmerpenguins") / "data" / "penguins.csv"
    frame = pd.read_csv(str(csv), na_values="NA")
    return frame.astype({"species": "string", "island": "string", "sex": "string"})


class Clean(pa.DataFrameModel):
    species: str = pa.Field(isin=["Adelie", "Chinstrap", "Gentoo"])
    island: str = pa.Field(isin=["Biscoe", "Dream", "Torgersen"])
    bill_length_mm: float = pa.Field(in_range={"min_value": 25, "max_value": 70})
    bill_depth_mm: float = pa.Field(in_range={"min_value": 10, "max_value": 25})
    flipper_length_mm: float = pa.Field(in_range={"min_value": 190, "max_value": 240})
    body_mass_g: float = pa.Field(in_range={"min_value": 2500, "max_value": 6500})
    sex: str = pa.Field(isin=["female", "male"])
    year: int = pa.Field(in_range={"min_value": 2007, "max_value": 2009})


def test_real_penguins_get_pandera_verdicts(load: Any) -> None:
    table = load("penguins", penguins())
    mine = govern_verdict(Clean.to_schema(), table)
    assert same(mine, pandera_verdict(Clean.to_schema(), table))
    assert mine[("sex", "not_nullable")] == 11
    assert mine[("flipper_length_mm", "in_range(190, 240)")] > 0


@pytest.mark.parametrize("rows", [0])
def test_empty_table_passes_where_pandera_fails_on_null_all(rows: int, load: Any) -> None:
    # pandera.ibis reads all() over no rows (NULL) as a failure; govern counts failing rows
    table = load("empty", penguins().iloc[:rows])
    assert govern_verdict(Clean.to_schema(), table) == {}
    assert pandera_verdict(Clean.to_schema(), table) != {}
