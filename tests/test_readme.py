"""The README's quickstart runs exactly as written, and its commands work after it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT


def readme_block(heading: str, language: str) -> str:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(rf"```{language}\n(.*?)```", section, flags=re.S)
    assert blocks, f"no {language} block under '## {heading}'"
    return str(blocks[0])


def test_quickstart_runs_as_written(isolated_project: Path) -> None:
    script = isolated_project / "quickstart.py"
    script.write_text(readme_block("Quickstart", "python"))
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=isolated_project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "1"
    assert lines[1] == "quarantined"
    assert "amount greater_than_or_equal_to(0) 1" in lines
    assert "country isin(['DE', 'FR', 'NL']) 1" in lines
    assert lines[-1] == "2"
    quarantined = list((isolated_project / ".govern" / "quarantine" / "orders").rglob("*.parquet"))
    assert len(quarantined) == 1

    for command in readme_block("Quickstart", "bash").splitlines():
        argv = command.split("#", 1)[0].split()
        done = subprocess.run(
            [sys.executable, "-m", "govern", *argv[1:]],
            cwd=isolated_project,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, (argv, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
