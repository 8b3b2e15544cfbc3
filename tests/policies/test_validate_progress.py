"""`govern validate --progress` off a terminal: progress lines a CI log can show."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.io.pandas_io as pandas_io
import pandera.pandas as pa
import pytest

from govern.cli import main
from govern.validate import reader


def _files(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "rows.csv"
    pd.DataFrame({"id": range(5_000)}).to_csv(data, index=False)
    schema = tmp_path / "rows.yaml"
    schema.write_text(pandas_io.to_yaml(pa.DataFrameSchema({"id": pa.Column(int)})))
    return data, schema


def test_progress_off_a_terminal_prints_periodic_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, schema = _files(tmp_path)
    monkeypatch.setattr(reader, "_LINE_EVERY", 0.0)  # a line per chunk, for the test
    argv = ["validate", str(data), "--schema", str(schema), "--chunk-rows", "1000"]
    assert main([*argv, "--progress", "--no-record"]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if "validating rows.csv" in line]
    assert len(lines) >= 3, lines
    assert lines[-1].startswith("govern: validating rows.csv: 100% (")
    assert lines[-1].endswith("done")
    assert all("in progress" in line for line in lines[:-1])


def test_no_progress_output_by_default_off_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, schema = _files(tmp_path)
    assert main(["validate", str(data), "--schema", str(schema), "--no-record"]) == 0
    assert "validating" not in capsys.readouterr().err
