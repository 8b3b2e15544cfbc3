"""Model cards: log_params shown, nested hyperparameters readable, Hub front matter filled
with what the record knows (no placeholders), parsed by huggingface_hub's ModelCard."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from govern.reports import audit, model_card
from govern.reports.context.common import flat_params
from govern.store import open_store
from tests.reports.conftest import ExampleReports
from tests.store.factories import dataset, model_version, run_info, stage_result


def _front_matter(text: str) -> dict[str, Any]:
    assert text.startswith("---\n")
    loaded = yaml.safe_load(text.split("---\n")[1])
    assert isinstance(loaded, dict)
    return loaded


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [str(k), *_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)]


def test_log_params_appear_in_the_card_and_the_audit(example_reports: ExampleReports) -> None:
    card = model_card("penguin-species", example_reports.store, format="md")
    rows = {(p["stage"], p["name"]): p["value"] for p in card.context["model"]["params"]}
    assert rows == {("split", "seed"): 7, ("split", "test_size"): 0.25}
    assert (
        "| split | test\\_size | 0.25 |" in card.text or "| split | test_size | 0.25 |" in card.text
    )
    html = model_card("penguin-species", example_reports.store, format="html").text
    assert "Parameters (log_params)" in html and "test_size" in html
    report = audit(example_reports.store, format="md").text
    assert "Stage split parameters (log\\_params): seed = 7; test_size = 0.25." in report


def test_nested_hyperparameters_are_flattened_readably() -> None:
    rows = flat_params(
        {
            "steps": [["scale", {"with_mean": True}], ["clf", {"C": 0.5, "penalty": "l2"}]],
            "memory": None,
            "grid": [{"depth": 3}, {"depth": 5}],
            "layers": [64, 32],
        }
    )
    assert [(r["name"], r["value"]) for r in rows] == [
        ("grid.0.depth", 3),
        ("grid.1.depth", 5),
        ("layers", [64, 32]),
        ("memory", None),
        ("steps.scale.with_mean", True),
        ("steps.clf.C", 0.5),
        ("steps.clf.penalty", "l2"),
    ]


def test_hub_front_matter_has_no_placeholders(example_reports: ExampleReports) -> None:
    from huggingface_hub import ModelCard

    text = model_card("penguin-species", example_reports.store, format="md").text
    meta = _front_matter(text)
    assert "unknown" not in " ".join(_strings(meta)).lower()
    assert "datasets" not in meta  # the card declares none; file names are not Hub ids
    card = ModelCard(text)
    assert card.data.pipeline_tag == "tabular-classification"
    results = card.data.eval_results
    assert results and all(r.task_type == "tabular-classification" for r in results)
    for result in results:
        assert result.dataset_name == "penguins.split.return['test']"
        assert result.dataset_split == "test"
        assert str(result.dataset_revision).startswith("xxh3-128:")  # the data's version


@pytest.fixture
def store_with(isolated_project: Any) -> Any:
    def make(**model: Any) -> str:
        path = isolated_project / "cards.db"
        with open_store(str(path), signing_key="") as store:
            run = run_info()
            store.begin_run(run)
            stage = stage_result(run.id, "train")
            mv = model_version(run.id, stage.stage_run_id, **model)
            store.record_stage(
                stage_result(run.id, "train", stage_run_id=stage.stage_run_id, model=mv)
            )
        return str(path)

    return make


def test_a_declared_task_and_hub_datasets_are_used(store_with: Any) -> None:
    from huggingface_hub import ModelCard

    path = store_with(
        card={"pipeline_tag": "tabular-regression", "datasets": ["org/penguins"]},
        metrics={"rmse": 0.3},
        slices={},
        training_datasets=(dataset("eval_data", role="input", parameter="test"),),
    )
    text = model_card("penguin-species", path, format="md").text
    card = ModelCard(text)
    assert card.data.pipeline_tag == "tabular-regression"
    assert card.data.datasets == ["org/penguins"]
    (result,) = card.data.eval_results
    assert result.dataset_type == "org/penguins" and result.dataset_name == "eval_data"
    assert result.metric_type == "rmse" and result.metric_value == 0.3


def test_without_a_known_task_or_dataset_there_is_no_model_index(store_with: Any) -> None:
    path = store_with(
        card={},
        model_class="mylib.Thing",
        hyperparameters={},
        metrics={"score": 0.5},
        slices={},
        training_datasets=(),
    )
    meta = _front_matter(model_card("penguin-species", path, format="md").text)
    assert "model-index" not in meta and "pipeline_tag" not in meta
    assert "unknown" not in " ".join(_strings(meta)).lower()
