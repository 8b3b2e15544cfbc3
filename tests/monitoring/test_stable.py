"""govern.Stable end to end: each metric kind on pandas, Polars eager and Polars lazy.

A clean history of the same dataset (a declared source read by a stage) is recorded once
per engine; each test copies that store and gates one more version, clean or shifted.
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest

import govern
from govern.monitoring.rules import METRICS
from govern.recording import close_stores
from govern.store import open_store
from govern.types import Outcome

HISTORY = 12
WATCHED = tuple(m for m in METRICS if m != "freshness")  # history written seconds apart
ENGINES = ("pandas", "polars", "polars_lazy")


def batch(seed: int, shift: str | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(980, 1020)) if shift != "volume" else 500
    x = rng.normal(10.0, 2.0, n)
    if shift == "mean":
        x = x + 6.0
    if shift == "spread":
        x = 10.0 + (x - 10.0) * 3
    x[rng.random(n) < (0.25 if shift == "nulls" else 0.02)] = np.nan
    shares = {"frequency": [0.1, 0.9], "vanished": [1.0, 0.0]}.get(shift or "", [0.5, 0.5])
    cat = rng.choice(np.array(["a", "b"], dtype=object), n, p=shares)
    if shift == "new_category":
        cat[rng.random(n) < 0.1] = "z"
    k = rng.integers(0, 50 if shift == "distinct" else 5, n)
    frame = pd.DataFrame({"x": x, "cat": pd.Series(cat, dtype="str"), "k": k})
    if shift == "dropped":
        frame = frame.drop(columns=["k"])
    if shift == "retyped":
        frame["k"] = frame["k"].astype("float64")
    if shift == "added":
        frame["extra"] = 1
    return frame


def as_engine(frame: pd.DataFrame, engine: str) -> Any:
    if engine == "pandas":
        return frame
    eager = pl.from_pandas(frame)
    return eager.lazy() if engine == "polars_lazy" else eager


def gate_once(frame: Any, stable: govern.Stable | None = None) -> govern.StageResult:
    gate = govern.Gate(
        stable or govern.Stable(window=30, min_history=5, metrics=WATCHED), severity="warn"
    )

    @govern.stage(inputs={"df": gate}, name="ingest")
    def ingest(df: Any) -> int:
        return 0

    ingest(govern.source(frame, "feed", namespace="test"))
    result = govern.last_result()
    assert result is not None
    return result


@pytest.fixture(scope="module")
def histories(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """A store per engine holding HISTORY clean versions of the dataset 'feed'."""
    root = tmp_path_factory.mktemp("history")
    before = Path.cwd()
    out: dict[str, Path] = {}
    try:
        for engine in ENGINES:
            project = root / engine
            project.mkdir()
            (project / "pyproject.toml").write_text('[project]\nname = "history"\n')
            os.chdir(project)
            govern.config.reset()
            govern.configure(store=str(project / "govern.db"))
            with warnings.catch_warnings():  # a false alarm while building is no failure
                warnings.simplefilter("ignore", govern.GateWarning)
                for seed in range(HISTORY):
                    gate_once(as_engine(batch(seed), engine))
            close_stores()
            out[engine] = project / "govern.db"
    finally:
        os.chdir(before)
        govern.config.reset()
    yield out


@pytest.fixture
def with_history(histories: dict[str, Path], tmp_path: Path) -> Callable[[str], None]:
    def use(engine: str) -> None:
        copy = tmp_path / f"{engine}.db"
        shutil.copyfile(histories[engine], copy)
        govern.configure(store=str(copy))

    yield use
    close_stores()


def _outcomes(result: govern.StageResult) -> dict[tuple[str, str | None], govern.CheckResult]:
    return {(c.check, c.column): c for c in result.checks}


SHIFTS = [
    ("volume", "stable:row_count", None),
    ("nulls", "stable:null_fraction", "x"),
    ("distinct", "stable:distinct_count", "k"),
    ("mean", "stable:mean", "x"),
    ("mean", "stable:median", "x"),
    ("mean", "stable:p05", "x"),
    ("mean", "stable:p95", "x"),
    ("spread", "stable:std", "x"),
    ("new_category", "stable:new_categories", "cat"),
    ("vanished", "stable:vanished_categories", "cat"),
    ("frequency", "stable:frequency_shift", "cat"),
    ("dropped", "stable:schema", "k"),
    ("retyped", "stable:schema", "k"),
    ("added", "stable:schema", "extra"),
]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_clean_version_passes_every_metric(
    engine: str, with_history: Callable[[str], None]
) -> None:
    with_history(engine)
    judged: list[govern.CheckResult] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", govern.GateWarning)
        for seed in (100, 101, 102, 103):  # each its own version: the history grows
            result = gate_once(as_engine(batch(seed), engine))
            judged += [c for c in result.checks if c.check.startswith("stable:")]
    # 0.1% per side: among ~90 checks of clean versions, at most one false alarm
    assert all(c.outcome is not Outcome.NOT_RUN for c in judged)
    alarms = [c.message for c in judged if c.outcome is Outcome.FAILED]
    assert len(alarms) <= 1, alarms
    stable = [c for c in result.checks if c.check.startswith("stable:")]
    kinds = {c.check for c in stable}
    assert kinds == {f"stable:{m}" for m in WATCHED}
    mean = _outcomes(result)[("stable:mean", "x")]
    assert mean.observed is not None and mean.lower is not None and mean.upper is not None
    assert mean.lower <= mean.observed <= mean.upper


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("shift", "check", "column"), SHIFTS)
def test_each_shift_fails_its_metric(
    engine: str, shift: str, check: str, column: str | None, with_history: Callable[[str], None]
) -> None:
    with_history(engine)
    with pytest.warns(govern.GateWarning, match=check):
        result = gate_once(as_engine(batch(100, shift), engine))
    found = _outcomes(result)[(check, column)]
    assert found.outcome is Outcome.FAILED, found
    assert found.message and result.status == "warned"
    # and recorded as such, the bound with it
    with open_store(str(govern.config.settings().store)) as store:
        recorded = [c for s in store.stage_runs(result.run_id) for c in s.checks]
    same = [c for c in recorded if (c.check, c.column) == (check, column)]
    assert same and same[0].outcome is Outcome.FAILED
    assert (same[0].observed, same[0].lower, same[0].upper) == (
        found.observed,
        found.lower,
        found.upper,
    )


def test_cold_start_is_not_run_and_never_passed() -> None:
    result = gate_once(batch(0))
    stable = [c for c in result.checks if c.check.startswith("stable:")]
    assert stable and all(c.outcome is Outcome.NOT_RUN and not c.passed for c in stable)
    assert all("too little history" in (c.message or "") for c in stable)
    assert result.status == "passed"  # not run never blocks
    with open_store(str(govern.config.settings().store)) as store:
        recorded = [c for s in store.stage_runs(result.run_id) for c in s.checks]
    assert {str(c.outcome) for c in recorded} == {"not_run"}


def test_error_severity_blocks_on_a_shift_and_not_on_a_cold_start() -> None:
    strict = govern.Stable(window=10, min_history=3, metrics=["row_count"])

    @govern.stage(outputs=strict)
    def load(seed: int, n: int) -> pd.DataFrame:
        return batch(seed).head(n)

    for seed in range(4):
        load(seed, 900)
    with pytest.raises(govern.GateError, match="stable:row_count"):
        load(9, 100)


def test_outside_a_stage_every_check_is_not_run() -> None:
    outcome = govern.Stable().run(batch(0), want_index=False, sample_size=5)
    assert outcome.findings and all(not f.ran for f in outcome.findings)


def test_summaries_off_records_none_and_stable_says_why() -> None:
    govern.configure(summaries="off")
    result = gate_once(batch(0))
    assert [c.outcome for c in result.checks] == [Outcome.NOT_RUN]
    assert "summaries" in (result.checks[0].message or "")


def test_definition_errors_name_the_option() -> None:
    for kwargs, word in (
        ({"window": 1}, "window"),
        ({"min_history": 40}, "min_history"),
        ({"metrics": ["rows"]}, "metrics"),
        ({"metrics": "row_count"}, "metrics"),
        ({"sensitivity": "extreme"}, "sensitivity"),
        ({"sensitivity": 0.9}, "sensitivity"),
        ({"columns": "x"}, "columns"),
        ({"against": "a@b@c"}, "against"),
    ):
        with pytest.raises(govern.GateDefinitionError, match=word):
            govern.Stable(**kwargs)


def test_sensitivity_narrows_the_bound(with_history: Callable[[str], None]) -> None:
    with_history("pandas")
    widths = []
    for sensitivity in ("low", "medium", "high"):
        stable = govern.Stable(window=30, min_history=5, metrics=["mean"], sensitivity=sensitivity)
        result = gate_once(batch(100), stable)
        mean = _outcomes(result)[("stable:mean", "x")]
        assert mean.upper is not None and mean.lower is not None
        widths.append(mean.upper - mean.lower)
    assert widths[0] > widths[1] > widths[2]
