"""A model's data: training and evaluation sets recorded with versions, gated or not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import govern
from govern.cli import main
from govern.metrics import profile
from govern.store import open_store

sklearn_linear = pytest.importorskip("sklearn.linear_model")


def frames() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame, pd.Series]:
    x = pd.DataFrame({"length": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "count": [1, 0, 1, 0, 1, 0]})
    y = pd.Series([0, 0, 0, 1, 1, 1])
    return x.iloc[:4], y.iloc[:4], x.iloc[4:], y.iloc[4:]


@govern.stage(outputs=govern.model("ungated"))
def fit(x_train: pd.DataFrame, y_train: pd.Series, x_test: pd.DataFrame, y_test: pd.Series) -> Any:
    model = sklearn_linear.LogisticRegression().fit(x_train, y_train)
    govern.log_metrics(accuracy=float(model.score(x_test, y_test)))
    return model


def test_an_ungated_model_stage_records_its_training_data_and_signature(
    capsys: pytest.CaptureFixture[str],
) -> None:
    x_train, y_train, x_test, y_test = frames()
    with govern.run("models") as run:
        fit(x_train, y_train, x_test, y_test)
    model = run.stages[0].model
    assert model is not None
    (trained,) = model.training_datasets
    assert trained.parameter == "x_train"
    assert trained.fingerprint == profile(x_train).fingerprint
    assert trained.row_count == 4
    assert dict(model.input_signature) == {"length": "float64", "count": "int64"}
    (held,) = model.evaluation_datasets
    assert held.parameter == "x_test" and held.fingerprint == profile(x_test).fingerprint
    # as recorded, and as `govern models show` prints it
    with open_store() as store:
        stored = store.model("ungated", model.version)
    assert [d.parameter for d in stored.evaluation_datasets] == ["x_test"]
    assert [d.parameter for d in stored.training_datasets] == ["x_train"]
    capsys.readouterr()
    assert main(["models", "show", "ungated"]) == 0
    shown = capsys.readouterr().out
    training, _, evaluation = shown.partition("Evaluation datasets")
    assert "x_train" in training and "x_test" not in training
    assert "x_test" in evaluation


@govern.stage(outputs=govern.model("named", evaluation=["holdout_rows"]))
def fit_named(train_rows: pd.DataFrame, holdout_rows: pd.DataFrame, test_like: pd.DataFrame) -> Any:
    return sklearn_linear.LogisticRegression().fit(train_rows, [0, 1, 0, 1])


def test_evaluation_parameters_can_be_named() -> None:
    x_train, _, x_test, _ = frames()
    with govern.run("models") as run:
        fit_named(x_train, x_test, x_test)
    model = run.stages[0].model
    assert model is not None
    assert [d.parameter for d in model.evaluation_datasets] == ["holdout_rows"]
    assert [d.parameter for d in model.training_datasets] == ["train_rows", "test_like"]


@pytest.mark.parametrize(
    ("parameter", "held_out"),
    [
        ("test", True),
        ("X_test", True),
        ("df_eval", True),
        ("validation_set", True),
        ("val", True),
        ("train", False),
        ("values", False),
        ("latest", False),
        ("contest", False),
    ],
)
def test_evaluation_is_recognised_by_whole_words(parameter: str, held_out: bool) -> None:
    assert govern.model("m").evaluates_on(parameter) is held_out


@govern.stage(outputs=govern.model("derived"))
def fit_derived(df: pd.DataFrame) -> Any:
    return sklearn_linear.LogisticRegression().fit(df[["length"]], df["label"])


@govern.stage()
def prepare(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(label=(df["length"] > 3).astype(int))


@pytest.mark.parametrize(
    ("derive", "complete"),
    [
        (lambda d: d[d["length"] > 1].reset_index(drop=True), True),
        (lambda d: pd.DataFrame(d.to_numpy(), columns=d.columns), False),
    ],
    ids=["filtered between stages", "rebuilt from numpy"],
)
def test_lineage_complete_walks_through_a_derived_training_frame(
    derive: Callable[[pd.DataFrame], pd.DataFrame], complete: bool
) -> None:
    from govern.policies import evaluate, load_packs

    x, _, _, _ = frames()
    source = govern.source(x, "/data/lengths.csv")
    with govern.run("models") as run:
        fit_derived(derive(prepare(source)))
    model = run.stages[1].model
    assert model is not None
    policies = Path("policies")
    policies.mkdir()
    (policies / "lineage.yaml").write_text(
        "version: 1\nrules:\n  - {id: lineage, description: d, condition: lineage_complete}\n"
    )
    with open_store() as store:
        evaluation = evaluate(store, load_packs(policies))
    (verdict,) = [v for v in evaluation.verdicts if v.target == f"model:{model.ref}"]
    assert (verdict.status == "pass") is complete, verdict.message
    if complete:
        assert "file:/data/lengths.csv" in verdict.message
    else:
        assert "read anonymous data ('df', named 'fit_derived.df')" in verdict.message
