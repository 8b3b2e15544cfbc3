"""A contract gate on Spark gives the verdicts of the equivalent hand-written pandera.pyspark
schema, the row counts of the same gate on pandas, and the standard's metric definitions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

import pytest

pytest.importorskip("pyspark")

import pandas as pd
import pandera.pyspark as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandera.config import ValidationDepth, config_context
from pyspark.sql import types as T

import govern
from govern.contracts import Contract
from govern.errors import GateDefinitionError
from tests.contracts.conftest import CUSTOMERS, ORDERS, direct_metrics

GATE = Contract(ORDERS)
ORDERS_TYPES = (
    "tenant_id long, order_id long, amount double, currency string, email string, status string"
)
HAND_SPARK = pa.DataFrameSchema(
    {
        "tenant_id": pa.Column(T.LongType(), nullable=False),
        "order_id": pa.Column(T.LongType(), checks=pa.Check.ge(1), nullable=False),
        "amount": pa.Column(
            T.DoubleType(), checks=[pa.Check.ge(0), pa.Check.lt(100000)], nullable=False
        ),
        "currency": pa.Column(
            T.StringType(), checks=pa.Check.isin(["EUR", "USD", "GBP"]), nullable=True
        ),
        "email": pa.Column(T.StringType(), checks=pa.Check.str_length(None, 254), nullable=True),
        "status": pa.Column(T.StringType(), nullable=True),
    },
    unique=["tenant_id", "order_id"],
)
# the contract's dataset-level rules (not in the hand-written row-level schema)
DATASET_RULES = {"orders_row_count", "email_nulls_percent", "status_missing", "status_sql_open"}


@st.composite
def order_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(min_value=1, max_value=8))
    column = lambda values: draw(st.lists(values, min_size=n, max_size=n))  # noqa: E731
    return pd.DataFrame(
        {
            "tenant_id": column(st.integers(0, 2)),
            "order_id": column(st.integers(-1, 3)),
            "amount": column(st.one_of(st.floats(-10, 200_000), st.none())),
            "currency": column(st.sampled_from(["EUR", "USD", "XXX", "eur", None])),
            "email": column(st.one_of(st.none(), st.text("ab", max_size=3).map(lambda t: t * 90))),
            "status": column(st.sampled_from(["open", "closed", "", "N/A", None])),
        }
    )


def _to_spark(spark: Any, frame: pd.DataFrame, types: str) -> Any:
    """The same rows as a Spark frame (pandas' NaN, a missing value, becomes null)."""
    rows = [
        tuple(None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in row)
        for row in frame.astype(object).itertuples(index=False)
    ]
    return spark.createDataFrame(rows, types)


def _bare_verdicts(schema: Any, frame: Any) -> set[str]:
    """Columns (and ``unique``) bare pandera.pyspark finds failing."""
    with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
        errors = schema.validate(frame).pandera.errors
    return {
        "unique" if item.get("check") == "unique" else str(item["column"])
        for reasons in errors.values()
        for items in reasons.values()
        for item in items
    }


def _gate_verdicts(outcome: Any) -> set[str]:
    return {
        "unique" if f.check == "multiple_fields_uniqueness" else str(f.column)
        for f in outcome.findings
        if not f.passed and f.check not in DATASET_RULES
    }


def _row_counts(outcome: Any) -> dict[tuple[str, str | None], int]:
    return {(f.check, f.column): f.failed_count for f in outcome.findings if f.row_level}


def _without_sql(contract: Contract) -> Contract:
    """The same gate minus its SQL rule (pandas runs SQL through DuckDB, absent here)."""
    other = Contract(contract.document.source)
    other.rules = dataclasses.replace(other.rules, sql=())
    return other


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(frame=order_frames())
def test_contract_on_spark_equals_bare_pandera_pyspark(spark: Any, frame: pd.DataFrame) -> None:
    sdf = _to_spark(spark, frame, ORDERS_TYPES)
    outcome = GATE.run(sdf, want_index=False, sample_size=0)
    assert _gate_verdicts(outcome) == _bare_verdicts(HAND_SPARK, sdf)
    # row by row, the same counts as the same contract on pandas
    on_pandas = _without_sql(GATE).run(frame, want_index=False, sample_size=0)
    spark_counts = _row_counts(outcome)
    for key, count in _row_counts(on_pandas).items():
        if key[0] != "multiple_fields_uniqueness" and key in spark_counts:
            assert spark_counts[key] == count, key
    # dataset-level rules (metrics, and the SQL rule run by Spark SQL) follow the standard
    bounds = {m.name: m.bounds for m in GATE.rules.metrics}
    bounds.update({q.name: q.bounds for q in GATE.rules.sql})
    verdicts = {f.check: f.passed for f in outcome.findings if f.check in DATASET_RULES}
    for name, value in direct_metrics(frame).items():
        assert verdicts[name] is all(b.holds(value) for b in bounds[name]), (name, value)


def test_formats_enums_dates_and_keys_on_spark_match_pandas(spark: Any) -> None:
    frame = pd.DataFrame(
        {
            "region": ["EU", "EU", "XX", "US"],
            "customer_id": [1, 1, 70000, 2],
            "email": ["a@b.co", "not-an-email", None, "c@d.co"],
            "joined": [dt.date(2001, 1, 1), dt.date(1999, 1, 1), dt.date(2020, 1, 1), None],
            "profile": [{"nickname": "a"}, None, {"nickname": None}, {"nickname": "d"}],
        }
    )
    sdf = _to_spark(
        spark,
        frame,
        "region string, customer_id long, email string, joined date, "
        "profile struct<nickname: string>",
    )
    gate = Contract(CUSTOMERS)
    on_spark = gate.run(sdf, want_index=True, sample_size=3)
    failing = {(f.check, f.column): f.failed_count for f in on_spark.findings if not f.passed}
    assert failing[("isin(['EU', 'US'])", "region")] == 1
    assert failing[("less_than_or_equal_to(65535)", "customer_id")] == 1
    assert [n for (_, column), n in failing.items() if column == "email"] == [1]
    assert [n for (_, column), n in failing.items() if column == "joined"] == [1]
    assert ("multiple_fields_uniqueness", gate.rules.label) in failing  # EU/1 twice
    pandas_frame = frame.assign(joined=pd.to_datetime(frame["joined"]))
    on_pandas = gate.run(pandas_frame, want_index=True, sample_size=3)
    assert {k: v for k, v in _row_counts(on_spark).items() if k in _row_counts(on_pandas)} == {
        k: v
        for k, v in _row_counts(on_pandas).items()
        if k in _row_counts(on_spark) and k[0] != "multiple_fields_uniqueness"
    }


def test_a_rule_pandera_pyspark_cannot_run_names_contract_property_and_rule(
    spark: Any,
) -> None:
    sdf = spark.createDataFrame(
        [("EU", 1, 5, dt.date(2001, 1, 1))],
        "region string, customer_id long, email long, joined date",
    )
    with pytest.raises(GateDefinitionError) as caught:
        Contract(CUSTOMERS).run(sdf, want_index=False, sample_size=1)
    text = str(caught.value)
    assert "customers" in text and "'email'" in text and "pattern" in text
    assert "bigint" in text


def test_a_quarantining_stage_sets_rows_breaking_row_rules_aside(spark: Any) -> None:
    rows = [(1, 1, 10.0, "EUR", "a@b.co", "open"), (1, 2, 5.0, "XXX", "c@d.co", "open")]

    @govern.stage(outputs=GATE, on_fail="quarantine")
    def load() -> Any:
        return spark.createDataFrame(rows, ORDERS_TYPES)

    with govern.run("orders-spark"):
        kept = load()
    result = govern.last_result()
    assert result.status.value == "quarantined"
    assert kept.count() == 1
    (record,) = result.quarantine
    assert record.rows == 1


ITEMS = """
apiVersion: v3.1.0
kind: DataContract
id: items-on-spark
version: 1.0.0
status: active
schema:
  - name: items
    properties:
      - name: sku
        logicalType: string
        unique: true
        quality:
          - id: sku_invalid
            metric: invalidValues
            arguments: {pattern: "[A-Z]+-[0-9]+"}
            mustBe: 0
      - name: qty
        logicalType: integer
        quality:
          - {id: qty_nulls, metric: nullValues, mustBe: 0}
          - {id: qty_duplicates, metric: duplicateValues, mustBe: 0}
      - name: note
        logicalType: string
        quality:
          - id: note_missing
            metric: missingValues
            arguments: {missingValues: [null, ""]}
            mustBe: 0
      - name: tags
        logicalType: array
        logicalTypeOptions: {minItems: 1, maxItems: 2, uniqueItems: true}
        items: {logicalType: string}
      - name: meta
        logicalType: object
        logicalTypeOptions: {minProperties: 1}
        properties:
          - {name: origin, logicalType: string}
"""


def test_custom_rules_count_the_rows_pandas_counts(spark: Any, tmp_path: Any) -> None:
    """nullValues, missingValues, invalidValues (pattern), sizes: Spark predicates."""
    path = tmp_path / "items.odcs.yaml"
    path.write_text(ITEMS)
    gate = Contract(path)
    rows = [
        ("AB-1", 1, "a", ["a"], {"origin": "x"}),
        ("AB-1", 1, "", [], {"origin": "y"}),
        ("x-2", None, None, ["a", "a"], None),
        (None, 3, "b", None, {"origin": "z"}),
    ]
    frame = pd.DataFrame(rows, columns=["sku", "qty", "note", "tags", "meta"])
    sdf = spark.createDataFrame(
        rows, "sku string, qty long, note string, tags array<string>, meta struct<origin: string>"
    )
    on_spark = gate.run(sdf, want_index=True, sample_size=2)
    failing = {(f.check, f.column): f.failed_count for f in on_spark.findings if not f.passed}
    on_pandas = gate.run(frame, want_index=True, sample_size=2)
    expected = {
        (f.check, f.column): f.failed_count
        for f in on_pandas.findings
        if not f.passed and not f.check.startswith("logicalType")  # qty is float in pandas
    }
    # uniqueness is a verdict on the dataset on Spark: failing, not pinned to rows
    for key in (("field_uniqueness", "sku"), ("qty_duplicates", "qty")):
        assert expected.pop(key) == 2 and failing.pop(key) == 1
    assert (
        failing
        == expected
        == {
            ("sku_invalid", "sku"): 1,
            ("qty_nulls", "qty"): 1,
            ("note_missing", "note"): 2,
            ("size(1, 2, unique)", "tags"): 2,
        }
    )
    conforming = spark.createDataFrame([("AB-1", 1, "a", ["a"], None)], sdf.schema)
    assert all(f.passed for f in gate.run(conforming, want_index=False, sample_size=0).findings)


def test_an_untyped_hand_written_schema_runs_its_built_in_checks(spark: Any) -> None:
    """pandera.pyspark runs built-ins only on typed columns: govern types them as the frame."""
    from govern.engines.spark import ENGINE

    frame = spark.createDataFrame([(1, "a"), (-1, "b")], "n long, s string")
    untyped = pa.DataFrameSchema({"n": pa.Column(checks=pa.Check.ge(0))})
    run = ENGINE.run_pandera(untyped, frame, want_index=False, sample_size=0)
    assert [(f.check, f.failed_count) for f in run.failures or []] == [
        ("greater_than_or_equal_to(0)", 1)
    ]
    wrong = pa.DataFrameSchema({"n": pa.Column(checks=pa.Check.str_matches("^a"))})
    with pytest.raises(GateDefinitionError, match=r"column 'n'.*str_matches.*bigint"):
        ENGINE.run_pandera(wrong, frame, want_index=False, sample_size=0)
