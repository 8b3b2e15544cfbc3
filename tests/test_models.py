"""Models as outputs: versions, introspection, card fields, use by later stages."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest
from sklearn.linear_model import LogisticRegression

import govern
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
