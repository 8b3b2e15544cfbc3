"""The example pipeline's Stable gate: not run while history is short, then judged."""

from __future__ import annotations

import runpy
import warnings
from typing import Any

import govern
from govern.types import Outcome
from tests.conftest import REPO_ROOT


def test_the_raw_file_is_judged_against_its_history_once_there_is_enough() -> None:
    example: dict[str, Any] = runpy.run_path(
        str(REPO_ROOT / "examples" / "penguins" / "pipeline.py"), run_name="example"
    )
    outcomes: list[set[Outcome]] = []
    for _ in range(8):
        with warnings.catch_warnings(), govern.run("penguins") as run:
            warnings.simplefilter("ignore", govern.GateWarning)  # the quarantined rows
            example["clean"](govern.read_csv(example["penguins_csv"]()))
        (result,) = run.stages
        text = example["summary"](run)
        assert ("not run" in text) == (len(outcomes) < 7)
        stable = [c for c in result.checks if c.check.startswith("stable:")]
        assert stable and all(c.dataset.endswith("penguins.csv") for c in stable)
        outcomes.append({c.outcome for c in stable})
    assert outcomes[:7] == [{Outcome.NOT_RUN}] * 7  # min_history=7: never passed
    assert outcomes[7] == {Outcome.PASSED}  # the same file again: inside every bound
