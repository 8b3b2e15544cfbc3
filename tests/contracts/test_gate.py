"""govern.Contract as a gate: what a contract demands, with the contract's severities."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

import govern
from govern.contracts import Contract
from govern.errors import ContractError, GateDefinitionError
from tests.contracts.conftest import CUSTOMERS, DATA, ORDERS, failing_rows


def orders(**changes: list[object]) -> pd.DataFrame:
    base: dict[str, list[object]] = {
        "tenant_id": [1, 1, 2, 2],
        "order_id": [1, 2, 1, 2],
        "amount": [10.0, 20.0, 5.0, 3.0],
        "currency": ["EUR", "USD", "GBP", "EUR"],
        "email": ["a@b.co", "c@d.co", None, "e@f.co"],
        "status": ["open", "closed", "open", "N/A"],
    }
    base.update(changes)
    return pd.DataFrame(base)


def test_a_conforming_frame_passes_every_rule() -> None:
    gate = Contract(ORDERS)

    @govern.stage(outputs=gate)
    def load() -> pd.DataFrame:
        return orders()

    with govern.run("orders"):
        load()
    result = govern.last_result()
    assert result.status.value == "passed"
    checks = {c.check for c in result.checks}
    # the contract's own rule names are what the record shows
    assert {"currency_valid", "orders_row_count", "status_missing", "status_sql_open"} <= checks
    assert "email_nulls_percent" in checks


def test_row_level_rules_quarantine_exactly_the_failing_rows() -> None:
    @govern.stage(outputs=Contract(ORDERS), on_fail="quarantine")
    def load() -> pd.DataFrame:
        return orders(amount=[10.0, -1.0, 5.0, 3.0], currency=["EUR", "USD", "XXX", "EUR"])

    with govern.run("orders"):
        kept = load()
    result = govern.last_result()
    assert result.status.value == "quarantined"
    assert sorted(kept.index) == [0, 3]
    failed = {(c.check, c.column) for c in result.failed_checks}
    assert ("currency_valid", "currency") in failed
    assert any(col == "amount" for _, col in failed)
    assert result.quarantine[0].rows == 2


def test_the_contracts_severity_warns_instead_of_blocking() -> None:
    @govern.stage(outputs=Contract(ORDERS))
    def load() -> pd.DataFrame:
        return orders(email=[None, None, None, "x@y.co"])  # 75% nulls, rule says < 50%

    with govern.run("orders"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load()
    result = govern.last_result()
    assert result.status.value == "warned"
    (check,) = [c for c in result.checks if c.check == "email_nulls_percent"]
    assert not check.passed
    assert check.severity.value == "warn"
    assert any(issubclass(w.category, govern.GateWarning) for w in caught)


def test_a_dataset_level_metric_blocks_and_cannot_be_quarantined() -> None:
    @govern.stage(outputs=Contract(ORDERS), on_fail="quarantine")
    def load() -> pd.DataFrame:
        return orders(status=["open", "", None, "N/A"])  # 3 missing: at most 10 allowed

    with govern.run("orders"):
        load()
    assert govern.last_result().status.value == "passed"

    @govern.stage(outputs=Contract(ORDERS), on_fail="quarantine")
    def none_open() -> pd.DataFrame:
        return orders(status=["closed"] * 4)  # the SQL rule wants at least one open order

    with govern.run("orders"), pytest.raises(govern.GateError, match="status_sql_open"):
        none_open()


def test_type_family_mismatch_is_a_dataset_failure() -> None:
    gate = Contract(ORDERS)
    outcome = gate.run(orders(order_id=["a", "b", "c", "d"]), want_index=True, sample_size=3)
    (finding,) = [
        f for f in outcome.findings if f.check == "logicalType(integer)" and f.column == "order_id"
    ]
    assert finding.passed is False
    assert finding.row_level is False


@pytest.mark.parametrize("lazy", [False, True])
def test_polars_frames_get_the_same_verdicts(lazy: bool) -> None:
    frame = orders(amount=[10.0, -1.0, 5.0, 3.0], currency=["EUR", "USD", "XXX", "EUR"])
    gate = Contract(ORDERS)
    pandas_out = gate.run(frame, want_index=True, sample_size=3)
    polars_frame = pl.from_pandas(frame)
    polars_out = gate.run(
        polars_frame.lazy() if lazy else polars_frame, want_index=True, sample_size=3
    )

    def verdicts(outcome: object) -> dict[str, tuple[bool, int]]:
        return {
            f.check: (
                bool(f.passed) if f.passed is not None else f.failed_count == 0,
                f.failed_count,
            )
            for f in outcome.findings  # type: ignore[attr-defined]
            if f.check not in ("multiple_fields_uniqueness", "column_in_dataframe")
        }

    assert verdicts(polars_out) == verdicts(pandas_out)


def test_composite_primary_key_enum_formats_and_date_bounds() -> None:
    frame = pd.DataFrame(
        {
            "region": ["EU", "EU", "XX", "US"],
            "customer_id": [1, 1, 70000, 2],
            "email": ["a@b.co", "not-an-email", None, "c@d.co"],
            "joined": pd.to_datetime(["2001-01-01", "1999-01-01", "2020-01-01", "2021-05-05"]),
            "profile": [{}, None, {}, {}],
        }
    )
    outcome = Contract(CUSTOMERS).run(frame, want_index=True, sample_size=3)
    failing = {(f.check, f.column): failing_rows(f) for f in outcome.findings if f.failed_count}
    assert failing[("multiple_fields_uniqueness", "region")] == [0, 1]
    assert failing[("isin(['EU', 'US'])", "region")] == [2]
    assert failing[("less_than_or_equal_to(65535)", "customer_id")] == [2]  # format u16
    assert [v for (check, col), v in failing.items() if col == "email"] == [[1]]
    assert [v for (check, col), v in failing.items() if col == "joined"] == [[1]]


def test_one_of_several_schema_objects_is_chosen_by_name(tmp_path: Path) -> None:
    text = ORDERS.read_text().replace(
        "schema:\n", "schema:\n  - name: other\n    properties: []\n", 1
    )
    path = tmp_path / "two.odcs.yaml"
    path.write_text(text)
    with pytest.raises(ContractError, match="2 schema objects"):
        Contract(path)
    assert Contract(path, schema="orders").rules.name == "orders"
    with pytest.raises(ContractError, match="no schema object 'nope'"):
        Contract(path, schema="nope")


def test_a_parsed_odcs_object_works_as_well_as_a_file() -> None:
    from open_data_contract_standard.model import OpenDataContractStandard

    model = OpenDataContractStandard.from_file(str(ORDERS))
    assert Contract(model).rules == Contract(ORDERS).rules


def test_a_bad_contract_fails_at_decoration_naming_stage_and_line() -> None:
    with pytest.raises(GateDefinitionError) as err:

        @govern.stage(outputs=Contract(DATA / "custom-rule.odcs.yaml"))
        def f() -> pd.DataFrame:
            return pd.DataFrame()

    assert "custom-rule.odcs.yaml:11" in str(err.value)
    assert "greatExpectations" in str(err.value)


def test_the_record_names_contract_id_and_version() -> None:
    gate = Contract(ORDERS)
    assert gate.name == "odcs:6f2c1b7e-4b7a-4a8e-9f0e-0d1c2b3a4f5e@1.2.0/orders"

    @govern.stage(outputs=gate)
    def load() -> pd.DataFrame:
        return orders()

    with govern.run("orders"):
        load()
    result = govern.last_result()
    assert result.checks
    assert {c.backend for c in result.checks} == {gate.name}
    from govern.store import open_store

    with open_store(None) as store:
        (stored,) = store.stage_runs(result.run_id)
    assert {c.backend for c in stored.checks} == {gate.name}
