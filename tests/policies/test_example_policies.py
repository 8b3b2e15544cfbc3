"""This repository's policy packs on the example pipeline: they pass on the real run, and a
degraded run (bad rows past the quarantine threshold, or a model below its metric bound)
fails ``govern check`` with a message that says what to fix."""

from __future__ import annotations

import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import govern
from tests.conftest import REPO_ROOT
from tests.policies.conftest import Result

PIPELINE = REPO_ROOT / "examples" / "penguins" / "pipeline.py"
POLICIES = REPO_ROOT / "policies"


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    return runpy.run_path(str(PIPELINE), run_name="example")


def run_example(example: dict[str, Any], csv: Path) -> govern.Run:
    with govern.run("penguins") as run:
        raw = govern.read_csv(csv)
        parts = example["split"](example["features"](example["clean"](raw)))
        example["train"](parts["train"], parts["test"])
    return run


def degraded(example: dict[str, Any], change: Callable[[pd.DataFrame], None]) -> Path:
    frame = pd.read_csv(example["penguins_csv"]())
    change(frame)
    path = Path("penguins-degraded.csv")
    frame.to_csv(path, index=False)
    return path


def test_repository_policies_pass_on_the_example(
    example: dict[str, Any], cli: Callable[..., Result]
) -> None:
    run = run_example(example, example["penguins_csv"]())
    result = cli("check", "--policies", str(POLICIES))
    assert result.code == 0, result.out + result.err
    assert f"runs evaluated: {run.id}" in result.out
    for rule in (
        "stage-gates",
        "quarantine-rate",
        "model-metrics",
        "model-card",
        "lineage-complete",
    ):
        assert f"PASS   [error] {rule}" in result.out, rule


def test_bad_rows_past_the_quarantine_threshold_fail_the_check(
    example: dict[str, Any], cli: Callable[..., Result]
) -> None:
    def unknown_sex(frame: pd.DataFrame) -> None:
        known = frame.index[frame["sex"].notna()][:30]
        frame.loc[known, "sex"] = "unknown"  # fails Clean's isin: quarantined

    run_example(example, degraded(example, unknown_sex))
    result = cli("check", "--policies", str(POLICIES))
    assert result.code == 1
    assert "FAIL   [error] quarantine-rate  dataset:testproject:penguins.clean.return" in result.out
    assert (
        "too many rows quarantined: 41 of 344 row(s) quarantined by stage 'clean' (11.9%); "
        "at most 5.0% allowed"
    ) in result.out
    assert "baseline.yaml:" in result.out


def test_a_model_below_its_metric_bound_fails_the_check(
    example: dict[str, Any], cli: Callable[..., Result]
) -> None:
    def noisy_labels(frame: pd.DataFrame) -> None:
        rng = np.random.default_rng(0)
        rows = rng.choice(len(frame), size=len(frame) // 2, replace=False)
        frame.loc[frame.index[rows], "species"] = rng.choice(
            ["Adelie", "Chinstrap", "Gentoo"], size=len(rows)
        )

    run_example(example, degraded(example, noisy_labels))
    result = cli("check", "--policies", str(POLICIES), "--format", "github")
    assert result.code == 1
    (line,) = [x for x in result.out.splitlines() if "model-metrics" in x]
    assert line.startswith("::error file=") and "ml-model.yaml,line=" in line
    assert "model:penguin-species@1: penguin-species@1: accuracy = 0." in line
    assert "< 0.9" in line
