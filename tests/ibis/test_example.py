"""The example pipeline on DuckDB: ``python examples/penguins/engines.py --engine duckdb``."""

from __future__ import annotations

import runpy
from pathlib import Path

import pandas as pd
import pytest

import govern
from tests.conftest import REPO_ROOT


def test_example_runs_on_duckdb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    engines = runpy.run_path(str(REPO_ROOT / "examples" / "penguins" / "engines.py"), run_name="x")
    assert engines["main"](["--engine", "duckdb"]) == 0
    out = capsys.readouterr().out
    assert "pipeline 'penguins-duckdb': completed" in out
    assert "quarantined 11 row(s)" in out  # as on pandas and polars
    run = govern.last_result()
    assert run is not None and run.stage == "train" and run.model is not None
    assert run.model.metrics["accuracy"] > 0.9
    quarantined = next(tmp_path.glob(".govern/quarantine/penguins-duckdb/*/clean.*.parquet"))
    assert len(pd.read_parquet(quarantined)) == 11
