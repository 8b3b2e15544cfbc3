"""Packaging and process hygiene: licence, logging, project root, CLI help."""

from __future__ import annotations

import logging
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import govern
from govern.cli import main
from govern.config import configure, find_project_root

ROOT = Path(__file__).resolve().parents[1]


def test_the_library_logger_has_a_null_handler() -> None:
    handlers = logging.getLogger("govern").handlers
    assert any(isinstance(h, logging.NullHandler) for h in handlers)


def test_library_warnings_do_not_reach_stderr_without_a_handler() -> None:
    # logging's last-resort handler prints to stderr when no handler exists anywhere
    code = "import logging, govern; logging.getLogger('govern').warning('quarantined 3 rows')"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stderr == ""


def test_project_root_is_the_nearest_git_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    sub = repo / "notebooks" / "eda"
    sub.mkdir(parents=True)
    (repo / ".git").mkdir()
    monkeypatch.chdir(sub)
    for name in list(__import__("os").environ):
        if name.startswith("GOVERN_"):
            monkeypatch.delenv(name)
    assert find_project_root() == repo.resolve()
    cfg = configure()
    assert cfg.store == str(repo.resolve() / ".govern" / "govern.db")
    configure()


def test_a_worktree_git_file_marks_the_root_too(tmp_path: Path) -> None:
    (tmp_path / ".git").write_text("gitdir: /elsewhere\n")
    (tmp_path / "src").mkdir()
    assert find_project_root(tmp_path / "src") == tmp_path.resolve()


def test_nearest_marker_wins(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    inner = tmp_path / "packages" / "etl"
    inner.mkdir(parents=True)
    (inner / "pyproject.toml").write_text('[project]\nname = "etl"\n')
    assert find_project_root(inner) == inner.resolve()


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_is_plain_text_with_short_flag(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "audit", flag]) == 0
    text = capsys.readouterr().out
    assert "Usage: govern report audit" in text
    assert "[tool.govern] templates" in text  # markup would swallow the brackets
    assert "<bool>" not in text
    assert "╭" not in text


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    from typer.main import get_command

    from govern.cli import app

    group = get_command(app)
    names = list(group.commands)  # type: ignore[attr-defined]
    assert names
    for name in names:
        assert main([name, "-h"]) == 0, name
    text = capsys.readouterr().out
    assert "Traceback" not in text
    assert "<bool>" not in text


def test_the_wheel_carries_the_licence(tmp_path: Path) -> None:
    assert (ROOT / "LICENSE").read_text().lstrip().startswith("Apache License")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("govern-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names
    assert govern.__version__ in wheel.name


def test_gate_activity_is_logged_at_info_and_debug_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import pandas as pd
    import pandera.pandas as pa

    schema = pa.DataFrameSchema({"x": pa.Column(int, pa.Check.ge(0))})

    @govern.stage(outputs=schema)
    def passing() -> pd.DataFrame:
        return pd.DataFrame({"x": [1, 2]})

    with caplog.at_level(logging.DEBUG, logger="govern"), govern.run("logged"):
        passing()
    records = [r for r in caplog.records if r.name == "govern"]
    summary = [r for r in records if "stage 'passing' passed" in r.getMessage()]
    assert len(summary) == 1 and summary[0].levelno == logging.INFO
    assert "check(s), 0 failed" in summary[0].getMessage()
    assert any(r.levelno == logging.DEBUG and "pandera gate" in r.getMessage() for r in records)
    # nothing that needs no attention is logged at WARNING or above
    assert not [r for r in records if r.levelno >= logging.WARNING]
