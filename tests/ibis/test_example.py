"""The example pipeline on DuckDB: ``python examples/penguins/engines.py --engine duckdb``."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

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
    # as on pandas and polars; the rejected rows are a table beside the data
    found = re.search(r"quarantined (\d+) row\(s\) of \S+ -> (duckdb://\S+)::(\S+)", out)
    assert found is not None and found.group(1) == "11"
    assert found.group(2) == f"duckdb://{(tmp_path / '.govern' / 'penguins.duckdb').resolve()}"
    assert found.group(3).startswith("penguins.main.govern_quarantine__clean_return_")
    run = govern.last_result()
    assert run is not None and run.stage == "train" and run.model is not None
    assert run.model.metrics["accuracy"] > 0.9
