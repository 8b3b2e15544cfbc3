"""The Ibis engine on DuckDB and PostgreSQL: pass, fail, warn, quarantine, metrics, versions."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pandera.ibis as pa
import pytest

from govern.checks.pandera_schema import prepare
from govern.engines import engine_for
from govern.engines.ibis import IbisEngine
from govern.engines.ibis_data import REASONS_COLUMN, table_name, write_table
from govern.metrics import profile as pandas_profile

FRAME = pd.DataFrame(
    {
        "id": [1, 2, 3, 4, 5, 6],
        "amount": [10.0, -1.0, 30.0, None, 50.0, 7.5],
        "kind": ["a", "b", "zz", "a", None, "b"],
    }
)
SCHEMA = pa.DataFrameSchema(
    {
        "id": pa.Column(int, pa.Check.ge(1)),
        "amount": pa.Column(float, pa.Check.gt(0), nullable=True),
        "kind": pa.Column(str, pa.Check.isin(["a", "b"])),
    }
)


def run(table: Any, schema: Any = SCHEMA, sample: int = 3) -> Any:
    return engine_for(table).run_pandera(
        prepare(schema).schema, table, want_index=True, sample_size=sample
    )


def rows(table: Any) -> list[tuple[Any, ...]]:
    data = table.to_pyarrow().to_pylist()
    return sorted(tuple(r.values()) for r in data)


def test_registry_finds_the_ibis_engine(load: Any) -> None:
    assert isinstance(engine_for(load("t", FRAME)), IbisEngine)


def test_passing_table_has_no_failures(load: Any) -> None:
    table = load("good", FRAME.iloc[[0, 2, 5]].assign(kind=["a", "a", "b"]))
    done = run(table)
    assert done.failures == []
    assert done.layout.rows == 3


def test_failures_counted_and_sampled_in_sql(load: Any) -> None:
    done = run(load("t", FRAME))
    found = {(f.column, f.check): f for f in done.failures}
    assert set(found) == {
        ("amount", "greater_than(0)"),
        ("kind", "isin(['a', 'b'])"),
        ("kind", "not_nullable"),
    }
    assert found[("amount", "greater_than(0)")].failed_count == 1
    assert found[("amount", "greater_than(0)")].sample == ("-1.0",)
    assert found[("kind", "isin(['a', 'b'])")].sample == ("'zz'",)
    assert all(f.rows == 6 and f.row_level for f in done.failures)


def test_warning_checks_are_reported_for_govern_to_grade(load: Any) -> None:
    schema = pa.DataFrameSchema(
        {"amount": pa.Column(float, pa.Check.gt(0, raise_warning=True), nullable=True)}
    )
    prepared = prepare(schema)
    assert ("amount", "greater_than(0)") in prepared.warn
    done = engine_for(load("t", FRAME)).run_pandera(
        prepared.schema, load("t", FRAME), want_index=False, sample_size=0
    )
    (failure,) = done.failures
    assert failure.failed_count == 1 and failure.predicate is None and failure.sample == ()


def test_missing_column_and_wrong_dtype_are_table_level(load: Any) -> None:
    schema = pa.DataFrameSchema({"id": pa.Column(str), "nope": pa.Column(int)})
    found = {(f.column, f.check): f for f in run(load("t", FRAME), schema).failures}
    assert not found[("nope", "column_in_dataframe")].row_level
    assert not found[("id", "dtype('string')")].row_level


def test_quarantine_partitions_the_input_exactly(load: Any) -> None:
    table = load("t", FRAME)
    engine = engine_for(table)
    done = run(table)
    reasons = {f.predicate: [f"{f.column}: {f.check}"] for f in done.failures}
    valid, rejected = engine.split(done.validated, reasons)
    kept = rows(valid)
    gone = rows(rejected.drop("_govern_row", REASONS_COLUMN))
    assert sorted(kept + gone) == rows(table)
    assert len(gone) == 3
    why = {r["id"]: r[REASONS_COLUMN] for r in rejected.to_pyarrow().to_pylist()}
    assert why[2] == ["amount: greater_than(0)"]
    assert sorted(why[5]) == ["kind: not_nullable"]
    # the valid rows go on as an expression and pass the schema
    assert run(valid).failures == []


def test_rejected_rows_written_to_a_table_and_to_parquet(load: Any, tmp_path: Any) -> None:
    table = load("t", FRAME)
    engine = engine_for(table)
    done = run(table)
    _, rejected = engine.split(done.validated, {f.predicate: [f.check] for f in done.failures})
    name, count = write_table(rejected, "clean.raw.0f3a")
    assert name == table_name("clean.raw.0f3a") and count == 3
    assert table.get_backend().table(name).count().to_pyarrow().as_py() == 3
    path = tmp_path / "q.parquet"
    engine.write_rejected(rejected, path)
    assert engine.rejected_rows(rejected, path) == 3
    with pytest.raises(Exception, match="exists already"):
        write_table(rejected, "clean.raw.0f3a")


def test_table_names_fit_postgres() -> None:
    long = table_name("s" * 200 + ".p.call")
    assert len(long) <= 63 and long != table_name("s" * 200 + ".q.call")


def test_metrics_equal_the_pandas_reference(load: Any) -> None:
    frame = FRAME.assign(kind=FRAME["kind"].astype("string"))
    mine = engine_for(load("t", frame)).profile(load("t", frame), "full", False).metrics
    ref = pandas_profile(frame, "full", fingerprint=False).metrics
    assert mine is not None and ref is not None
    assert mine["rowCount"] == ref["rowCount"]
    for column, expected in ref["columnMetrics"].items():
        got = mine["columnMetrics"][column]
        for key in ("nullCount", "count", "distinctCount", "sum", "min", "max"):
            if key in expected:
                assert got[key] == pytest.approx(expected[key]), (column, key)


def test_cheap_metrics_are_counts(load: Any) -> None:
    prof = engine_for(load("t", FRAME)).profile(load("t", FRAME), "cheap", False)
    assert prof.row_count == 6
    assert prof.metrics == {
        "rowCount": 6,
        "columnMetrics": {
            "id": {"nullCount": 0, "count": 6},
            "amount": {"nullCount": 1, "count": 5},
            "kind": {"nullCount": 1, "count": 5},
        },
    }


def test_version_is_stable_order_free_and_changes_with_one_row(con: Any, load: Any) -> None:
    table = load("t", FRAME)
    engine = engine_for(table)
    first = engine.profile(table, "off", True).fingerprint
    assert first is not None and first.startswith(f"rowhash-ibis-{con.name}:")
    assert engine.profile(con.table("t"), "off", True).fingerprint == first
    shuffled = load("t2", FRAME.iloc[::-1].reset_index(drop=True))
    assert engine.profile(shuffled, "off", True).fingerprint == first
    con.raw_sql("UPDATE t SET amount = 11.0 WHERE id = 1")
    assert engine.profile(con.table("t"), "off", True).fingerprint != first
    duplicated = load("t3", pd.concat([FRAME, FRAME.iloc[[0, 0]]], ignore_index=True))
    doubled = load("t4", pd.concat([FRAME, FRAME.iloc[[1, 1]]], ignore_index=True))
    assert (
        engine.profile(duplicated, "off", True).fingerprint
        != engine.profile(doubled, "off", True).fingerprint
    )


def test_schema_unique_and_column_unique(load: Any) -> None:
    frame = pd.DataFrame({"k": [1, 1, 2, None], "v": ["a", "b", "c", "d"]})
    schema = pa.DataFrameSchema(
        {"k": pa.Column(float, nullable=True, unique=True), "v": pa.Column(str)},
        unique=["k"],
        report_duplicates="all",
    )
    found = {(f.column, f.check): f for f in run(load("u", frame), schema).failures}
    assert found[("k", "field_uniqueness")].failed_count == 2
    assert found[(None, "multiple_fields_uniqueness")].row_level


def test_dataframe_level_and_custom_checks(load: Any) -> None:
    schema = pa.DataFrameSchema(
        {"id": pa.Column(int, pa.Check(lambda d: d.table[d.key] < 5))},
        checks=[pa.Check(lambda d: d.table.id != 3)],
    )
    found = {(f.column, f.check): f.failed_count for f in run(load("t", FRAME), schema).failures}
    assert found == {("id", "<lambda>"): 2, (None, "<lambda>"): 1}


SUITE = [
    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "kind"}},
    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "amount", "min_value": 0}},
]


def test_great_expectations_runs_on_postgres_and_names_other_backends(con: Any, load: Any) -> None:
    from govern.checks.gx import GXCheck
    from govern.errors import GateDefinitionError

    table = load("t", FRAME)
    suite = GXCheck(SUITE, name="s")
    if con.name != "postgres":
        with pytest.raises(GateDefinitionError, match=f"backend '{con.name}'"):
            suite.run(table, want_index=False, sample_size=1)
        return
    outcome = suite.run(table.filter(table.id > 1), want_index=True, sample_size=2)
    found = {f.check.split("(")[0]: f for f in outcome.findings}
    nulls = found["expect_column_values_to_not_be_null"]
    between = found["expect_column_values_to_be_between"]
    # the same verdicts as GX on the same rows in pandas
    reference = GXCheck(SUITE, name="s").run(
        FRAME[FRAME.id > 1].reset_index(drop=True), want_index=False, sample_size=2
    )
    expected = {f.check.split("(")[0]: f for f in reference.findings}
    for name, got in found.items():
        assert (got.passed, got.failed_count) == (
            expected[name].passed,
            expected[name].failed_count,
        ), name
    assert not nulls.passed and not between.passed


def test_protocol_rows_columns_and_batches(load: Any) -> None:
    from govern.engines.base import Engine

    table = load("t", FRAME)
    engine = engine_for(table)
    assert isinstance(engine, Engine)
    assert engine.row_count(table) is None and engine.count_rows(table) == 6
    assert engine.columns(table) == ["id", "amount", "kind"]
    batches = list(engine.arrow_batches(table, ["kind", "id"]))
    assert sum(b.num_rows for b in batches) == 6
    assert batches[0].schema.names == ["kind", "id"]


def test_a_backend_without_the_hash_gets_metrics_and_no_version(
    con: Any, load: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ibis

    from govern.engines import ibis_data

    if con.name != "postgres":
        pytest.skip("PostgreSQL cannot hash a struct: the unsupported case to test")

    def struct_hash(table: Any) -> tuple[Any, Any]:
        row = ibis.struct({c: table[c] for c in table.columns}).hash()
        return row.bit_xor(), row.sum()

    monkeypatch.setattr(ibis_data, "version_expr", struct_hash)
    table = load("t", FRAME)
    prof = engine_for(table).profile(table, "cheap", True)
    assert prof.fingerprint is None and prof.row_count == 6
    assert prof.metrics is not None and prof.metrics["rowCount"] == 6
