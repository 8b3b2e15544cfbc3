"""Formats: Model Card Toolkit JSON, Hugging Face Markdown, JSON context, PDF."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

import govern
from govern import reports
from govern.cli import main
from tests.reports.conftest import ExampleReports

SCHEMA = json.loads(
    (Path(__file__).parent / "schema" / "model_card.schema.v0.0.2.json").read_text()
)


def validate_mct(document: object) -> None:
    validator = jsonschema.Draft7Validator(
        SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    validator.validate(document)


def test_model_card_json_validates_against_the_model_card_toolkit_schema(
    example_reports: ExampleReports,
) -> None:
    rendered = reports.model_card("penguin-species", example_reports.store, format="json")
    document = json.loads(rendered.text)
    validate_mct(document)
    assert document["schema_version"] == "0.0.2"
    assert document["model_details"]["licenses"] == [{"identifier": "apache-2.0"}]
    metrics = document["quantitative_analysis"]["performance_metrics"]
    assert {"type": "accuracy", "value": metrics[0]["value"]} in metrics
    assert any(m.get("slice") == "sex=female" for m in metrics)
    assert "users" in document["model_details"]["documentation"]  # gaps named, not invented


def test_a_card_without_human_fields_still_validates() -> None:
    import pandas as pd

    @govern.stage(outputs=govern.model("bare"))
    def fit(df: pd.DataFrame) -> object:
        return {"ok": 1}

    with govern.run("bare"):
        fit(pd.DataFrame({"x": [1]}))
    rendered = reports.model_card("bare", format="json")
    validate_mct(json.loads(rendered.text))
    assert rendered.context["gaps"][:3] == ["description", "owners", "license"]
    markdown = reports.model_card("bare", format="md").text
    assert markdown.count("*not provided*") >= 10


def test_markdown_card_parses_as_a_hugging_face_model_card(
    example_reports: ExampleReports,
) -> None:
    from huggingface_hub import ModelCard

    text = (example_reports.out / "penguin-species.md").read_text()
    assert text.startswith("---\n")
    card = ModelCard(text)
    assert card.data.license == "apache-2.0"
    assert card.data.library_name == "sklearn"
    assert "tabular-classification" in card.data.tags
    assert card.data.datasets is None  # no file names posing as Hub dataset ids
    assert card.data.pipeline_tag == "tabular-classification"
    assert card.data.model_name == "penguin-species"
    overall = [r for r in card.data.eval_results if r.dataset_config is None]
    assert {r.metric_type for r in overall} == {"accuracy", "f1_macro"}
    assert all(r.task_type == "tabular-classification" for r in card.data.eval_results)
    sliced = {r.dataset_config for r in card.data.eval_results if r.dataset_config}
    assert {"sex=female", "island=Dream"} <= sliced
    assert "# Model card: penguin-species" in card.text


def test_audit_json_is_the_full_context_with_sorted_keys(example_reports: ExampleReports) -> None:
    rendered = reports.audit(example_reports.store, format="json")
    assert json.loads(rendered.text) == json.loads(json.dumps(rendered.context))
    keys = list(json.loads(rendered.text))
    assert keys == sorted(keys)
    assert rendered.text.index('"appendix"') < rendered.text.index('"header"')


@pytest.mark.slow
def test_pdf_documents(example_reports: ExampleReports, tmp_path: Path) -> None:
    store = str(example_reports.store)
    audit = tmp_path / "audit.pdf"
    card = tmp_path / "card.pdf"
    assert main(["report", "audit", "--store", store, "-o", str(audit)]) == 0
    assert main(["report", "model-card", "penguin-species", "--store", store, "-o", str(card)]) == 0
    for path in (audit, card):
        data = path.read_bytes()
        assert data.startswith(b"%PDF-") and len(data) > 10_000


def test_pdf_without_the_extra_names_the_pip_command(
    example_reports: ExampleReports, tmp_path: Path
) -> None:
    # a Python where `import weasyprint` fails, as without the pdf extra
    code = (
        "import sys; sys.modules['weasyprint'] = None\n"
        "from govern.cli import main\n"
        f"sys.exit(main(['report', 'audit', '--store', {str(example_reports.store)!r}, "
        f"'-o', {str(tmp_path / 'a.pdf')!r}]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "pip install 'govern[pdf]'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "a.pdf").exists()
