"""``govern validate URL::table``: a schema file checked inside DuckDB or PostgreSQL."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from govern.cli import main
from govern.recording import close_stores
from govern.validate.table import is_table_target, split_target

SCHEMA = """
schema_type: dataframe
version: 0.20.0
columns:
  id:
    dtype: int64
    nullable: false
    checks:
      greater_than_or_equal_to: 1
  amount:
    dtype: float64
    nullable: true
    checks:
      greater_than: 0
  kind:
    dtype: str
    nullable: false
    checks:
      isin: [a, b]
"""
FRAME = pd.DataFrame({"id": [1, 2, 3], "amount": [1.0, -2.0, None], "kind": ["a", "b", "zz"]})


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schema.yaml").write_text(textwrap.dedent(SCHEMA), encoding="utf-8")
    yield
    close_stores()


def target(con: Any, name: str) -> str:
    if con.name == "duckdb":
        path = con.raw_sql(
            "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
        ).fetchone()[0]
        return f"duckdb://{path}::main.{name}"
    info = con.con.info
    return f"postgresql://{info.user}:s3cret@{info.host}:{info.port}/{info.dbname}::public.{name}"


def test_targets_are_told_from_files() -> None:
    assert is_table_target("duckdb:///d/w.duckdb::main.t")
    assert is_table_target("postgresql://u@h:5432/db::t")
    assert not is_table_target("data/orders.csv")
    assert split_target("duckdb:///w.duckdb::main.t") == ("duckdb:///w.duckdb", "main", "t")
    assert split_target("duckdb:///w.duckdb::t") == ("duckdb:///w.duckdb", None, "t")


def test_failing_table_exits_1_with_counts_from_sql(
    con: Any, load: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    load("orders", FRAME)
    uri = target(con, "orders")
    if con.name == "duckdb":
        con.disconnect()  # the CLI opens the file itself (read-only)
    code = main(["validate", uri, "--schema", "schema.yaml", "--no-record", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 1
    assert "s3cret" not in out
    report = json.loads(out)
    failed = {v["rule"]: v for v in report["verdicts"] if v["status"] == "fail"}
    assert set(failed) == {"amount: greater_than(0)", "kind: isin(['a', 'b'])"}
    assert "1 failing row of 3" in failed["amount: greater_than(0)"]["message"]


def test_passing_table_exits_0(con: Any, load: Any) -> None:
    load("good", FRAME.iloc[:1])
    uri = target(con, "good")
    if con.name == "duckdb":
        con.disconnect()
    assert main(["validate", uri, "--schema", "schema.yaml", "--no-record"]) == 0


def test_bad_targets_exit_2_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", "duckdb:///nowhere/w.duckdb::t", "--schema", "schema.yaml"])
    err = capsys.readouterr().err
    assert code == 2 and "no such DuckDB file" in err and "Traceback" not in err


def test_unreachable_database_exits_2_without_the_password(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["validate", "postgresql://me:s3cret@127.0.0.1:1/db::t", "--schema", "schema.yaml"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot connect" in err
    assert "s3cret" not in err and "Traceback" not in err


def test_a_suite_on_a_table_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import duckdb

    duckdb.connect(str(tmp_path / "w.duckdb")).execute("CREATE TABLE t AS SELECT 1 AS id").close()
    suite = tmp_path / "suite.json"
    suite.write_text(
        json.dumps(
            {
                "name": "s",
                "expectations": [
                    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "id"}}
                ],
            }
        ),
        encoding="utf-8",
    )
    code = main(["validate", f"duckdb://{tmp_path / 'w.duckdb'}::t", "--schema", str(suite)])
    assert code == 3 and "pandera schema file" in capsys.readouterr().err
