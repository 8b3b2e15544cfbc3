"""Stable(against=govern.model(...)): a batch at inference against the model's training data."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest
from sklearn.linear_model import LogisticRegression

import govern
from govern.types import Outcome


def features(seed: int, n: int = 2000, shift: float = 0.0, nulls: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.0, n) + shift
    x[rng.random(n) < nulls] = np.nan
    return pd.DataFrame({"x": x, "kind": pd.Series(rng.choice(["a", "b"], n), dtype="str")})


@govern.stage(outputs=govern.model("species"))
def train(df: pd.DataFrame) -> LogisticRegression:
    return LogisticRegression().fit(df[["x"]].fillna(0), (df["x"] > 0).astype(int))


def predict_with(stable: govern.Stable, batch: object) -> govern.StageResult:
    @govern.stage(inputs={"batch": govern.Gate(stable, severity="warn")})
    def predict(batch: object) -> int:
        return 0

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", govern.GateWarning)
        predict(batch)
    result = govern.last_result()
    assert result is not None
    return result


def _by_key(result: govern.StageResult) -> dict[tuple[str, str | None], govern.CheckResult]:
    return {(c.check, c.column): c for c in result.checks}


def test_a_batch_like_the_training_data_passes() -> None:
    train(features(0))
    result = predict_with(govern.Stable(against=govern.model("species")), features(1))
    checks = _by_key(result)
    assert {k for k, _ in checks} == {
        "stable:schema",
        "stable:null_fraction",
        "stable:distribution",
        "stable:new_categories",
    }
    assert all(c.outcome is Outcome.PASSED for c in checks.values()), checks
    assert "training data of species v1" in (checks[("stable:distribution", "x")].expected or "")


@pytest.mark.parametrize("polars", [False, True])
def test_drifted_inputs_fail_against_the_training_data(polars: bool) -> None:
    train(features(0))
    batch = features(2, shift=1.0, nulls=0.2)
    batch.loc[:99, "kind"] = "c"
    frame = pl.from_pandas(batch) if polars else batch
    checks = _by_key(predict_with(govern.Stable(against=govern.model("species")), frame))
    for key in (
        ("stable:distribution", "x"),  # KS distance of a 1-sigma shift: ~0.38
        ("stable:null_fraction", "x"),
        ("stable:new_categories", "kind"),
    ):
        assert checks[key].outcome is Outcome.FAILED, key
    ks = checks[("stable:distribution", "x")]
    assert ks.observed is not None and ks.upper is not None and ks.observed > ks.upper


def test_the_version_asked_for_is_the_one_compared() -> None:
    train(features(0))  # v1
    train(features(0, shift=1.0))  # v2 (latest)
    batch = features(3)  # like v1
    latest = _by_key(predict_with(govern.Stable(against=govern.model("species")), batch))
    assert latest[("stable:distribution", "x")].outcome is Outcome.FAILED
    for target in (govern.model("species", version=1), govern.model("species@1"), "species@1"):
        pinned = _by_key(predict_with(govern.Stable(against=target), batch))
        assert pinned[("stable:distribution", "x")].outcome is Outcome.PASSED
        assert "species v1" in (pinned[("stable:distribution", "x")].expected or "")


def test_an_unknown_model_is_not_run_with_the_reason() -> None:
    train(features(0))
    result = predict_with(govern.Stable(against=govern.model("nobody")), features(1))
    assert [c.outcome for c in result.checks] == [Outcome.NOT_RUN]
    assert "no model nobody" in (result.checks[0].message or "")
