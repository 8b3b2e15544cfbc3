"""Models as outputs: versions, introspection, card fields, use by later stages."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import govern
from govern.models import _hyperparameters, public_path
from govern.store import open_store

FEATURES = pa.DataFrameSchema({"x": pa.Column(float), "y": pa.Column(int)})


def data() -> pd.DataFrame:
    return pd.DataFrame({"x": [0.1, 0.2, 0.8, 0.9], "y": [0, 0, 1, 1]})


@govern.stage(inputs={"df": FEATURES}, outputs=govern.model("clf", card={"owners": ["ana"]}))
def train(df: pd.DataFrame, c: float = 1.0) -> LogisticRegression:
    model = LogisticRegression(C=c).fit(df[["x"]], df["y"])
    govern.log_metrics(accuracy=1.0, slices={"x<0.5": {"accuracy": 1.0}})
    return model


@govern.stage(inputs={"df": FEATURES})
def evaluate(model: LogisticRegression, df: pd.DataFrame) -> float:
    return float(model.score(df[["x"]], df["y"]))


def test_versions_increment_and_everything_is_recorded() -> None:
    with govern.run("ml") as run:
        first = train(data())
        second = train(data(), c=0.5)
        evaluate(second, data())
    v1, v2 = (s.model for s in run.stages[:2])
    assert v1 is not None and v2 is not None
    assert (v1.version, v2.version) == (1, 2)
    assert v2.hyperparameters["C"] == 0.5
    assert v2.input_signature == (("x", "float64"),)
    assert v2.metrics == {"accuracy": 1.0} and v2.slices == {"x<0.5": {"accuracy": 1.0}}
    assert v2.card == {"owners": ["ana"]}
    assert v2.training_datasets[0].ref.name == "train.df"
    assert v1.artifact_fingerprint != v2.artifact_fingerprint
    assert run.stages[2].models_used == (govern.ModelRef("clf", 2),)
    assert first is not second
    with open_store(create=False) as store:
        assert store.model("clf") == v2
        assert [s.stage for s in store.model_usages("clf", 2)] == ["evaluate"]


def test_explicit_version_and_duplicate_refused() -> None:
    @govern.stage(outputs=govern.model("fixed", version=7))
    def make() -> dict[str, int]:
        return {"w": 1}

    make()
    result = govern.last_result()
    assert result is not None and result.model is not None and result.model.version == 7
    with pytest.raises(govern.StoreError, match="already recorded"):
        make()


def test_a_path_artifact_is_fingerprinted_by_content(tmp_path: Path) -> None:
    artifact = tmp_path / "model.bin"
    artifact.write_bytes(b"weights")

    @govern.stage(outputs=govern.model("onfile"))
    def save() -> Path:
        return artifact

    save()
    result = govern.last_result()
    assert result is not None and result.model is not None
    assert result.model.artifact_fingerprint == (
        "sha256:" + __import__("hashlib").sha256(b"weights").hexdigest()
    )
    assert result.model.framework is None


def test_card_yaml_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "card.yaml"
    bad.write_text("owners: [ana\n")
    with pytest.raises(govern.GateDefinitionError, match=r"card.yaml line \d+: not valid YAML"):
        govern.model("m", card=bad)
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("ownr: ana\n")
    with pytest.raises(govern.GateDefinitionError, match=r"unknown field.*ownr"):
        govern.model("m", card=unknown)
    with pytest.raises(govern.GateDefinitionError, match="does not exist"):
        govern.model("m", card=tmp_path / "missing.yaml")


@pytest.mark.parametrize("name", ["", "a@b"])
def test_model_names_are_checked(name: str) -> None:
    with pytest.raises(govern.GateDefinitionError):
        govern.model(name)


def test_logging_outside_a_stage_is_an_error() -> None:
    with pytest.raises(govern.GovernError, match="inside a governed stage"):
        govern.log_metrics(accuracy=1.0)
    with pytest.raises(govern.GovernError, match="inside a governed stage"):
        govern.log_params(c=1)


# -- hyperparameters: get_params(deep=True), changed from the defaults, public paths -----


def _changed_from_fresh_instance(estimator: object) -> dict[str, object]:
    """What scikit-learn's ``print_changed_only`` repr shows, from a fresh default instance."""
    defaults = type(estimator)().get_params(deep=False)  # type: ignore[call-arg]
    return {
        k: v
        for k, v in estimator.get_params(deep=False).items()  # type: ignore[attr-defined]
        if repr(v) != repr(defaults[k])
    }


@settings(max_examples=25, deadline=None)
@given(
    c=st.sampled_from([1.0, 0.5, 2.0]),
    max_iter=st.sampled_from([100, 200]),
    fit_intercept=st.booleans(),
    class_weight=st.sampled_from([None, "balanced"]),
    tol=st.sampled_from([1e-4, 1e-3]),
)
def test_hyperparameters_are_the_changed_params_sklearn_shows(
    c: float, max_iter: int, fit_intercept: bool, class_weight: str | None, tol: float
) -> None:
    estimator = LogisticRegression(
        C=c, max_iter=max_iter, fit_intercept=fit_intercept, class_weight=class_weight, tol=tol
    )
    assert _hyperparameters(estimator) == _changed_from_fresh_instance(estimator)
    assert "C=" not in repr(_hyperparameters(estimator))  # values, not a repr string


def test_a_pipeline_records_its_steps_parameters_as_get_params_deep_names_them() -> None:
    pipe = make_pipeline(StandardScaler(with_mean=False), LogisticRegression(C=0.5))
    params = _hyperparameters(pipe)
    assert params == {
        "steps": [
            ["standardscaler", "sklearn.preprocessing.StandardScaler"],
            ["logisticregression", "sklearn.linear_model.LogisticRegression"],
        ],
        "standardscaler": "sklearn.preprocessing.StandardScaler",
        "logisticregression": "sklearn.linear_model.LogisticRegression",
        "standardscaler__with_mean": False,
        "logisticregression__C": 0.5,
    }
    deep = pipe.get_params(deep=True)
    assert set(params) <= set(deep)
    for key, value in params.items():
        if "__" in key:
            assert deep[key] == value
    # each step's own entries are exactly its changed parameters
    for name, step in pipe.steps:
        mine = {k.split("__", 1)[1]: v for k, v in params.items() if k.startswith(f"{name}__")}
        assert mine == _changed_from_fresh_instance(step)


def test_a_column_transformer_keeps_its_columns_and_nested_changes() -> None:
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), ["bill_length_mm", "body_mass_g"]),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["island"]),
        ]
    )
    pipe = Pipeline([("pre", pre), ("clf", LogisticRegression(max_iter=500))])
    params = _hyperparameters(pipe)
    assert params["pre"] == "sklearn.compose.ColumnTransformer"
    assert params["pre__transformers"] == [
        ["num", "sklearn.preprocessing.StandardScaler", ["bill_length_mm", "body_mass_g"]],
        ["cat", "sklearn.preprocessing.OneHotEncoder", ["island"]],
    ]
    assert params["pre__cat__handle_unknown"] == "ignore"
    assert params["clf__max_iter"] == 500
    assert not any(k.startswith("pre__num__") for k in params)  # StandardScaler(): defaults
    assert "pre__remainder" not in params and "memory" not in params
    assert json.loads(json.dumps(params)) == params  # JSON as it is


@pytest.mark.parametrize(
    "cls", [LogisticRegression, StandardScaler, OneHotEncoder, ColumnTransformer, Pipeline]
)
def test_class_paths_are_public_and_name_the_same_class(cls: type) -> None:
    path = public_path(cls)
    module, _, name = path.rpartition(".")
    assert not any(part.startswith("_") for part in module.split("."))
    assert getattr(importlib.import_module(module), name) is cls
    assert len(module) <= len(cls.__module__)


def test_a_trained_pipeline_is_recorded_with_params_and_public_class() -> None:
    @govern.stage(inputs={"df": FEATURES}, outputs=govern.model("penguins"))
    def fit(df: pd.DataFrame) -> Pipeline:
        govern.log_params(test_size=0.25, seed=7, features=["x"], api_key="k-123")
        return make_pipeline(StandardScaler(), LogisticRegression(C=0.5)).fit(df[["x"]], df["y"])

    fit(data())
    with open_store(create=False) as store:
        recorded = store.model("penguins")
    assert recorded.model_class == "sklearn.pipeline.Pipeline"
    assert recorded.framework == "sklearn"
    assert recorded.hyperparameters["logisticregression__C"] == 0.5
    assert recorded.params == {
        "test_size": 0.25,
        "seed": 7,
        "features": ["x"],
        "api_key": "***",
    }
    result = govern.last_result()
    assert result is not None and result.params["api_key"] == "***"
    assert result.model is not None and result.model.params == recorded.params


def test_secret_looking_hyperparameters_are_masked() -> None:
    class Client(BaseEstimator):  # type: ignore[misc]
        def __init__(self, api_key: str | None = None, endpoint: str = "") -> None:
            self.api_key = api_key
            self.endpoint = endpoint

    params = _hyperparameters(
        make_pipeline(Client(api_key="k-123", endpoint="https://u:pw@h/x"), StandardScaler())
    )
    assert params["client__api_key"] == "***"
    assert params["client__endpoint"] == "https://***@h/x"
    assert "k-123" not in json.dumps(params) and "pw@" not in json.dumps(params)


def test_models_show_lists_the_training_stages_log_params(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from govern.cli import main

    @govern.stage(inputs={"df": FEATURES}, outputs=govern.model("tuned"))
    def fit(df: pd.DataFrame) -> LogisticRegression:
        govern.log_params(search="grid", folds=5, api_key="sk-planted-0123456789abcdef")
        return LogisticRegression().fit(df[["x"]], df["y"])

    with govern.run("tuning"):
        fit(data())
    capsys.readouterr()
    assert main(["models", "show", "tuned"]) == 0
    shown = capsys.readouterr().out
    assert "Params (govern.log_params)" in shown
    assert "grid" in shown and "folds" in shown
    assert "sk-planted" not in shown
