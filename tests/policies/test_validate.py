"""``govern validate``: CSV, Parquet and JSON lines against pandera YAML/JSON and GX suites."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest
from junitparser import Failure, JUnitXml
from pandera.io import pandas_io

import govern
from govern.store import open_store
from govern.validate import validate_file
from tests.policies.conftest import Result

SCHEMA = pa.DataFrameSchema(
    {
        "id": pa.Column(int, unique=True),
        "amount": pa.Column(float, pa.Check.ge(0)),
        "country": pa.Column(str, pa.Check.isin(["DE", "FR"]), nullable=True),
    },
    name="orders",
)
SUITE = {
    "name": "orders_suite",
    "expectations": [
        {"type": "expect_column_to_exist", "kwargs": {"column": "id"}},
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "amount", "min_value": 0},
        },
        {
            "type": "expect_column_values_to_be_in_set",
            "kwargs": {"column": "country", "value_set": ["DE", "FR"]},
            "severity": "warning",
        },
    ],
}


def frame(
    rows: int = 1000, bad_amounts: tuple[int, ...] = (), bad_country: tuple[int, ...] = ()
) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "id": range(rows),
            "amount": [float(i % 50) for i in range(rows)],
            "country": ["DE" if i % 2 else "FR" for i in range(rows)],
        }
    )
    for i in bad_amounts:
        df.loc[i, "amount"] = -5.0
    for i in bad_country:
        df.loc[i, "country"] = "XX"
    df.loc[3, "country"] = None  # nullable: a gap is fine
    return df


def write(df: pd.DataFrame, name: str) -> Path:
    path = Path(name)
    if name.endswith(".csv"):
        df.to_csv(path, index=False)
    elif name.endswith(".parquet"):
        df.to_parquet(path, index=False)
    else:
        df.to_json(path, orient="records", lines=True)
    return path


def schema_file(kind: str) -> Path:
    if kind == "yaml":
        path = Path("orders.yaml")
        path.write_text(pandas_io.to_yaml(SCHEMA), encoding="utf-8")
    elif kind == "json":
        path = Path("orders.schema.json")
        path.write_text(pandas_io.to_json(SCHEMA, indent=2), encoding="utf-8")
    else:
        path = Path("suite.json")
        path.write_text(json.dumps(SUITE, indent=2), encoding="utf-8")
    return path


@pytest.mark.parametrize("data", ["orders.csv", "orders.parquet", "orders.jsonl"])
@pytest.mark.parametrize("schema", ["yaml", "json"])
def test_pandera_schemas_on_each_format(data: str, schema: str) -> None:
    path = write(frame(bad_amounts=(10, 700), bad_country=(5,)), data)
    whole = validate_file(path, schema_file(schema), chunk_rows=None, record=False)
    chunked = validate_file(path, schema_file(schema), chunk_rows=128, record=False)
    for result in (whole, chunked):
        assert not result.passed
        failed = {v.rule: v.message for v in result.violations}
        assert set(failed) == {"amount: greater_than_or_equal_to(0)", "country: isin(['DE', 'FR'])"}
        assert (
            "2 failing rows of 1000; e.g. -5.0 (index 10), -5.0 (index 700)"
            in failed["amount: greater_than_or_equal_to(0)"]
        )
        assert result.extra["rows"] == 1000
    # chunked reading finds exactly what reading the whole file finds
    assert [(v.rule, v.status, v.message) for v in whole.verdicts] == [
        (v.rule, v.status, v.message) for v in chunked.verdicts
    ]


def test_verdicts_point_at_the_schema_line() -> None:
    path = write(frame(bad_amounts=(1,)), "orders.csv")
    result = validate_file(path, schema_file("yaml"), record=False)
    lines = Path("orders.yaml").read_text().splitlines()
    (violation,) = result.violations
    assert lines[violation.line - 1].strip() == "greater_than_or_equal_to: 0"
    unique = next(v for v in result.verdicts if v.rule == "id: field_uniqueness")
    assert lines[unique.line - 1].strip() == "unique: true"


def test_gx_suite(cli: Callable[..., Result]) -> None:
    path = write(frame(bad_amounts=(4,), bad_country=(6,)), "orders.parquet")
    result = cli("validate", str(path), "--schema", str(schema_file("gx")), "--no-record")
    assert result.code == 1
    assert "FAIL   [error] amount: expect_column_values_to_be_between(min_value=0)" in result.out
    assert "WARN   [warn] country: expect_column_values_to_be_in_set" in result.out
    lines = Path("suite.json").read_text().splitlines()
    between = lines.index('      "type": "expect_column_values_to_be_between",')
    assert f"(suite.json:{between})" in result.out  # the line of the expectation's "{"
    # the warning-severity expectation alone does not fail
    only_warn = write(frame(bad_country=(6,)), "warn.parquet")
    result = cli("validate", str(only_warn), "--schema", "suite.json", "--no-record")
    assert result.code == 0
    assert (
        cli(
            "validate", str(only_warn), "--schema", "suite.json", "--fail-on", "warn", "--no-record"
        ).code
        == 1
    )


def test_exit_codes(cli: Callable[..., Result]) -> None:
    schema = schema_file("yaml")
    good = write(frame(), "good.csv")
    assert cli("validate", str(good), "--schema", str(schema)).code == 0
    bad = write(frame(bad_amounts=(1,)), "bad.csv")
    result = cli("validate", str(bad), "--schema", str(schema))
    assert result.code == 1 and "govern validate: FAILED -- 1 violation(s)" in result.out
    result = cli("validate", "missing.csv", "--schema", str(schema))
    assert result.code == 2 and "no such data file: missing.csv" in result.err
    result = cli("validate", str(good), "--schema", "missing.yaml")
    assert result.code == 2 and "missing.yaml: no such schema file" in result.err
    Path("broken.yaml").write_text("columns:\n  id:\n   dtype: int64\n  x: [\n")
    result = cli("validate", str(good), "--schema", "broken.yaml")
    assert result.code == 2 and result.err.startswith("govern: error: broken.yaml:")
    Path("neither.yaml").write_text("name: x\n")
    result = cli("validate", str(good), "--schema", "neither.yaml")
    assert result.code == 2 and "neither a pandera schema" in result.err
    Path("bad-check.yaml").write_text(
        "schema_type: dataframe\ncolumns:\n  id:\n    dtype: int64\n    no_such_check: 3\n"
    )
    result = cli("validate", str(good), "--schema", "bad-check.yaml")
    assert result.code == 2
    assert "bad-check.yaml:5: column 'id': unknown key 'no_such_check'" in result.err
    Path("bad.json").write_text('{"columns": {"id": }}')
    result = cli("validate", str(good), "--schema", "bad.json")
    assert result.code == 2 and "bad.json:1: not valid JSON" in result.err
    Path("corrupt.parquet").write_bytes(b"PAR1 not really parquet")
    result = cli("validate", "corrupt.parquet", "--schema", str(schema))
    assert result.code == 2 and "corrupt.parquet: cannot be read" in result.err
    Path("data.xlsx").write_bytes(b"x")
    result = cli("validate", "data.xlsx", "--schema", str(schema))
    assert result.code == 2 and "unknown data format '.xlsx'" in result.err
    assert "Traceback" not in result.err


def test_formats_are_shared_with_check(cli: Callable[..., Result], tmp_path: Path) -> None:
    bad = write(frame(bad_amounts=(1, 2)), "bad.csv")
    out = tmp_path / "validate.xml"
    result = cli(
        "validate", str(bad), "--schema", str(schema_file("yaml")), "-f", "junit", "-o", str(out)
    )
    assert result.code == 1
    (suite,) = list(JUnitXml.fromfile(str(out)))
    failures = [c for c in suite if c.result and isinstance(c.result[0], Failure)]
    assert [c.name for c in failures] == ["bad.csv"]
    result = cli("validate", str(bad), "--schema", "orders.yaml", "-f", "github")
    assert result.out.startswith("::error file=orders.yaml,line=")
    document = json.loads(cli("validate", str(bad), "--schema", "orders.yaml", "-f", "json").out)
    assert document["title"] == "govern validate" and document["rows"] == 1000


def test_records_a_run_when_the_store_exists(cli: Callable[..., Result]) -> None:
    data = write(frame(bad_amounts=(1,)), "orders.csv")
    schema = schema_file("yaml")
    assert cli("validate", str(data), "--schema", str(schema)).code == 1
    assert not Path(".govern/govern.db").exists()  # no store configured: nothing recorded
    result = cli("validate", str(data), "--schema", str(schema), "--record", "-f", "json")
    run_id = json.loads(result.out)["recorded_run"]
    with open_store(create=False) as store:
        run = store.run(run_id)
        (stage,) = store.stage_runs(run_id)
    assert run.name == "validate" and run.status == "failed"
    assert stage.stage == "validate" and stage.status == "failed"
    (dataset,) = stage.datasets
    assert dataset.ref.namespace == "file" and dataset.ref.name == str(data.resolve())
    assert dataset.row_count == 1000 and (dataset.fingerprint or "").startswith("sha256:")
    assert sum(not c.passed for c in stage.checks) == 1
    # from now on the store exists, so a plain validate records too
    result = cli(
        "validate", str(data), "--schema", str(schema), "-f", "json", "--pipeline", "nightly"
    )
    assert json.loads(result.out)["recorded_run"] is not None
    with open_store(create=False) as store:
        assert [r.name for r in store.runs()] == ["nightly", "validate"]


def test_several_files_at_once(cli: Callable[..., Result]) -> None:
    good = write(frame(), "good.csv")
    bad = write(frame(bad_amounts=(9,)), "bad.jsonl")
    result = cli(
        "validate", str(good), str(bad), "--schema", str(schema_file("yaml")), "-f", "json"
    )
    assert result.code == 1
    document = json.loads(result.out)
    assert document["rows"] == 2000 and [f["data"] for f in document["files"]] == [
        "good.csv",
        "bad.jsonl",
    ]
    failing = [v for v in document["verdicts"] if v["status"] == "fail"]
    assert [v["target"] for v in failing] == ["bad.jsonl"]


def test_pii_columns_are_not_sampled(cli: Callable[..., Result]) -> None:
    govern.configure(pii_columns=["amount"])
    data = write(frame(bad_amounts=(1,)), "orders.csv")
    result = cli("validate", str(data), "--schema", str(schema_file("yaml")), "--no-record")
    assert result.code == 1 and "-5.0" not in result.out
    assert "failure cases withheld: PII column" in result.out


def test_progress_bar_only_on_a_terminal(cli: Callable[..., Result]) -> None:
    data = write(frame(), "orders.csv")
    schema = schema_file("yaml")
    args = [str(data), "--schema", str(schema), "--no-record", "--chunk-rows", "100"]
    piped = cli("validate", *args)  # stderr is not a terminal here: no bar
    assert piped.code == 0 and "validating" not in piped.out + piped.err
    master, follower = pty.openpty()  # a real terminal on stderr: the bar is drawn there
    done = subprocess.run(
        [sys.executable, "-m", "govern", "validate", *args],
        stdout=subprocess.PIPE,
        stderr=follower,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=120,
    )
    os.close(follower)
    drawn = b""
    while select.select([master], [], [], 0.2)[0]:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    os.close(master)
    assert done.returncode == 0
    assert b"validating orders.csv" in drawn
    assert b"validating" not in done.stdout and done.stdout.endswith(b"11 passed\n")
