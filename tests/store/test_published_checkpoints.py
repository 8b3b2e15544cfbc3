"""Checkpoints published where evidence is kept: beside `govern check` and `govern report`
outputs (--checkpoint FILE), and in each pipeline run's OpenLineage events."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import govern
from govern.cli import main
from tests.store import attacker


def _pipeline(runs: int = 2) -> None:
    @govern.stage()
    def step(df: pd.DataFrame) -> pd.DataFrame:
        return df

    for _ in range(runs):
        with govern.run("evidence"):
            step(pd.DataFrame({"a": [1, 2]}))


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--policies", "builtin:baseline", "--no-record"],
        ["report", "audit", "-o", "audit.md"],
        ["report", "audit", "--pipeline", "evidence", "-o", "period.html"],
    ],
    ids=["check", "report", "period-report"],
)
def test_outputs_carry_a_checkpoint_that_catches_a_later_truncation(
    argv: list[str], isolated_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _pipeline()
    cp = isolated_project / "evidence.checkpoint.json"
    code = main([*argv, "--checkpoint", str(cp)])
    assert code in (0, 1), capsys.readouterr()  # a policy may fail; the checkpoint is written
    doc = json.loads(cp.read_text())
    size = doc["checkpoint"]["size"]
    assert size > 0
    capsys.readouterr()
    assert main(["verify", "--checkpoint", str(cp)]) == 0
    url = f"sqlite:///{isolated_project / '.govern' / 'govern.db'}"
    attacker.truncate(url, size - 1)  # the last record goes, and the head moves back
    assert main(["verify"]) == 0  # the chain alone cannot see the cut
    assert main(["verify", "--checkpoint", str(cp)]) == 1
    assert "missing" in capsys.readouterr().out


def test_lint_takes_no_checkpoint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--lint", "--policies", "builtin:baseline", "--checkpoint", "x"]) == 2
    assert "--checkpoint" in capsys.readouterr().err


def test_an_unwritable_checkpoint_is_a_usage_error(
    isolated_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _pipeline(1)
    target = isolated_project / "no" / "such" / "dir" / "cp.json"
    assert main(["report", "audit", "-o", "a.md", "--checkpoint", str(target)]) == 2
    err = capsys.readouterr().err
    assert "--checkpoint" in err and "Traceback" not in err
