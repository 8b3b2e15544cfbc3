"""Exporting contracts: from a pandera schema and from the record; both lint clean."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.errors
import pandera.pandas as pa
import polars as pl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import govern
from govern.cli import main
from govern.contracts import Contract, lint
from govern.contracts.export import contract_from_schema, logical_type
from tests.contracts.conftest import ORDERS, failing_rows

SCHEMA = pa.DataFrameSchema(
    {
        "id": pa.Column(int, pa.Check.ge(1), unique=True),
        "code": pa.Column(
            str,
            [pa.Check.isin(["a", "b", "c"]), pa.Check.str_length(1, 2)],
            nullable=True,
        ),
        "score": pa.Column(float, pa.Check.in_range(0, 1, include_max=False)),
    },
    name="scores",
    unique=["id", "code"],
)


def test_a_pandera_schema_exports_to_a_valid_contract() -> None:
    contract = contract_from_schema(SCHEMA, contract_id="scores", version="2.0.0")
    assert lint(contract) == []
    (obj,) = contract["schema"]
    props = {p["name"]: p for p in obj["properties"]}
    assert props["id"]["logicalType"] == "integer"
    assert props["id"]["unique"] is True and props["id"]["required"] is True
    assert props["id"]["logicalTypeOptions"] == {"minimum": 1}
    assert props["code"]["required"] is False
    assert props["code"]["logicalTypeOptions"] == {"minLength": 1, "maxLength": 2}
    assert props["score"]["logicalTypeOptions"] == {"minimum": 0, "exclusiveMaximum": 1}


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 10))
    return pd.DataFrame(
        {
            "id": draw(st.lists(st.integers(-1, 6), min_size=n, max_size=n)),
            "code": draw(
                st.lists(
                    st.sampled_from(["a", "b", "c", "dd", "", "zzz", None]), min_size=n, max_size=n
                )
            ),
            "score": draw(st.lists(st.floats(-0.5, 1.5, allow_nan=False), min_size=n, max_size=n)),
        }
    )


GATE = Contract(contract_from_schema(SCHEMA))


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(frame=frames())
def test_the_exported_contract_flags_the_rows_the_schema_flags(frame: pd.DataFrame) -> None:
    try:
        SCHEMA.validate(frame, lazy=True)
        expected: set[int] = set()
    except pandera.errors.SchemaErrors as err:
        cases = err.failure_cases
        expected = {
            int(i) for i in cases[cases["schema_context"] != "DataFrameSchema"]["index"].dropna()
        }
        expected |= {
            int(i) for i in cases[cases["check"] == "multiple_fields_uniqueness"]["index"].dropna()
        }
    outcome = GATE.run(frame, want_index=True, sample_size=3)
    flagged = {
        int(i) for f in outcome.findings if f.row_level and f.failed_count for i in failing_rows(f)
    }
    assert flagged == expected


def test_logical_types_of_common_dtypes() -> None:
    cases = {
        "int64": "integer", "Int32": "integer", "uint8": "integer", "float64": "number",
        "double": "number", "bool": "boolean", "str": "string", "object": "string",
        "String": "string", "datetime64[ns]": "timestamp", "datetime64[us, UTC]": "timestamp",
        "date32[day]": "date", "Date": "date", "category": "string",
    }  # fmt: skip
    assert {k: logical_type(k) for k in cases} == cases


def test_the_record_exports_what_it_knows(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    @govern.stage(outputs=Contract(ORDERS))
    def load(n: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "tenant_id": list(range(n)),
                "order_id": [1] * n,
                "amount": [float(i) for i in range(n)],
                "currency": ["EUR"] * n,
                "email": [None] + ["a@b.co"] * (n - 1),
                "status": ["open"] * n,
            }
        )

    with govern.run("orders"):
        load(3)
    with govern.run("orders"):
        load(5)
    out = tmp_path / "exported.odcs.yaml"
    assert (
        main(["contract", "export", "dataset:testproject:orders.load.return", "-o", str(out)]) == 0
    )
    contract = yaml.safe_load(out.read_text())
    assert lint(out) == []
    (obj,) = contract["schema"]
    props = {p["name"]: p for p in obj["properties"]}
    assert list(props) == ["tenant_id", "order_id", "amount", "currency", "email", "status"]
    assert props["tenant_id"]["logicalType"] == "integer"
    observed = {c["property"]: c["value"] for c in props["email"]["customProperties"]}
    assert observed["govern.observed.nullCount"] == 2
    rows = {c["property"]: c["value"] for c in obj["customProperties"]}
    assert (rows["govern.observed.minRowCount"], rows["govern.observed.maxRowCount"]) == (3, 5)
    # the exported contract is itself a gate the same data passes
    frame = pl.DataFrame(
        {
            "tenant_id": [1],
            "order_id": [1],
            "amount": [1.0],
            "currency": ["EUR"],
            "email": ["x"],
            "status": ["open"],
        }
    )
    assert all(
        f.passed is not False and not f.failed_count
        for f in Contract(out).run(frame, want_index=False, sample_size=1).findings
    )


def test_export_errors_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contract", "export", "no_colon_here"]) == 2
    assert main(["contract", "export", "nosuchmodule.x:Schema"]) == 2
    assert main(["contract", "export", "dataset:ns:missing"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "module.path:SchemaName" in err


def test_export_from_a_python_schema_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "myschemas.py").write_text(
        "import pandera.pandas as pa\n"
        "class Orders(pa.DataFrameModel):\n"
        "    order_id: int = pa.Field(ge=1, unique=True)\n"
        "    note: str = pa.Field(nullable=True)\n"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["contract", "export", "myschemas:Orders"]) == 0
    contract = yaml.safe_load(capsys.readouterr().out)
    assert lint(contract) == []
    assert contract["schema"][0]["name"] == "Orders"
