"""Every section of the audit report and the model card, filled from recorded runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

import govern
from govern import reports
from govern.errors import ReportError
from govern.ids import uuid7
from govern.reports.scope import EmptyScopeError
from govern.store import open_store
from tests.reports.conftest import ExampleReports
from tests.reports.pipelines import two_runs

AUDIT_SECTIONS = (
    "header",
    "summary",
    "runs",
    "lineage",
    "checks",
    "quarantine",
    "models",
    "policies",
    "changes",
    "reproducibility",
    "monitoring",
    "appendix",
)
AUDIT_HEADINGS = (
    "## 1. Executive summary",
    "## 2. Run inventory",
    "## 3. Data sources and lineage",
    "## 4. Checks performed per stage",
    "## 5. Quarantine summary",
    "## 6. Models trained",
    "## 7. Policy verdicts and waivers",
    "## 8. Changes since the previous run",
    "## 9. Reproducibility",
    "## 10. Monitoring",
    "## 11. Appendix: regulatory mapping",
)
CARD_SECTIONS = (
    "details",
    "intended_use",
    "factors",
    "metrics",
    "training_data",
    "evaluation_data",
    "lineage",
    "quantitative_analysis",
    "input_signature",
    "input_drift",
    "ethical_considerations",
    "caveats",
    "changes",
    "sign_offs",
    "gaps",
)
WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_audit_context_is_filled_from_the_record(example_reports: ExampleReports) -> None:
    store = open_store(str(example_reports.store), create=False)
    stages = store.stage_runs("latest")
    head = store.head_hash()
    store.close()
    ctx = reports.audit(example_reports.store, format="json").context

    assert ctx["header"]["chain_head_hash"] == head
    assert ctx["header"]["report_id"].startswith("audit-")
    assert ctx["header"]["govern_version"] == govern.__version__
    assert ctx["header"]["scope"]["kind"] == "run"
    summary = ctx["summary"]
    assert summary["stage_status"] == {"passed": 3, "warned": 0, "quarantined": 1, "failed": 0}
    assert summary["checks"] == sum(len(s.checks) for s in stages)
    # the example's rows were quarantined and its run completed: handled, not blocking
    assert summary["blocking_failures"] == []
    assert {(f["column"], f["failed_count"]) for f in summary["quarantined_failures"]} >= {
        ("sex", 11)
    }
    assert summary["quarantined_rows"] == 11
    assert summary["models"] == ["penguin-species@1"]
    assert [s["stage"] for s in ctx["runs"][0]["stages"]] == ["clean", "features", "split", "train"]
    source = next(d for d in ctx["lineage"]["datasets"] if d["kind"] == "source")
    assert source["name"].endswith("penguins.csv") and source["versions"][0]["row_count"] == 344
    kinds = {n["kind"] for n in ctx["lineage"]["graph"]["nodes"]}
    assert kinds == {"dataset", "job", "model"}
    assert ctx["lineage"]["svg"]["nodes"] and ctx["lineage"]["svg"]["edges"]
    assert len(ctx["checks"]) == 4
    assert sum(len(s["checks"]) for s in ctx["checks"]) == summary["checks"]
    failing = [c for s in ctx["checks"] for c in s["checks"] if c["outcome"] == "failed"]
    assert failing and all(c["sample"] for c in failing)
    (quarantined,) = ctx["quarantine"]["entries"]
    assert quarantined["rows"] == 11 and quarantined["input_rows"] == 344
    assert {r["column"] for r in quarantined["reasons"]} >= {"sex", "body_mass_g"}
    (model,) = ctx["models"]
    assert model["ref"] == "penguin-species@1"
    assert {m["name"] for m in model["metrics"]} == {"accuracy", "f1_macro"}
    assert "sex=female" in {s["name"] for s in model["slices"]}
    assert ctx["policies"]["evaluated"] is False
    assert ctx["changes"][0]["previous_run_id"] is None
    env = ctx["reproducibility"][0]
    assert env["python"] and "pandas" in {p["name"] for p in env["packages"]}
    assert ctx["appendix"]["open"] and len(ctx["appendix"]["frameworks"]) == 3
    filled = {o["needs"] for o in ctx["appendix"]["filled_from_cards"]}
    assert "the model card's intended_use" in filled


def test_every_audit_section_is_rendered(example_reports: ExampleReports) -> None:
    html = (example_reports.out / "audit.html").read_text()
    for section in AUDIT_SECTIONS:
        assert f'data-section="{section}"' in html, section
    assert "No policies evaluated" in html
    assert '<svg class="lineage"' in html
    md = (example_reports.out / "audit.md").read_text()
    for heading in AUDIT_HEADINGS:
        assert heading in md, heading
    assert "```mermaid\nflowchart TD" in md
    assert "No policies evaluated" in md
    assert "First recorded run of pipeline penguins" in md


def test_model_card_is_filled_from_the_record(example_reports: ExampleReports) -> None:
    ctx = reports.model_card("penguin-species@1", example_reports.store, format="json").context
    # the example card leaves these human fields empty: shown as gaps, never invented
    assert ctx["gaps"] == ["users", "factors", "tradeoffs", "caveats_and_recommendations"]
    assert ctx["human"]["intended_use"]["provided"]
    assert [d["parameter"] for d in ctx["training_data"]] == ["train"]
    assert [d["parameter"] for d in ctx["evaluation_data"]] == ["test"]
    assert ctx["training_data"][0]["checks"], "the checks the training data passed"
    (source,) = ctx["lineage"]["sources"]
    assert source["name"].endswith("penguins.csv") and source["checks"][0]["stage"] == "clean"
    assert ctx["factors"]["recorded"] == ["island", "sex"]
    assert {c["metric"] for c in ctx["charts"]} >= {"accuracy"}
    assert ctx["input_signature"][0]["column"]
    assert ctx["changes"] == {"previous": None}
    html = (example_reports.out / "penguin-species.html").read_text()
    for section in CARD_SECTIONS:
        assert f'data-section="{section}"' in html, section
    assert html.count('class="gap">not provided') >= 4
    assert '<svg class="chart"' in html and '<svg class="lineage"' in html
    md = (example_reports.out / "penguin-species.md").read_text()
    for heading in (
        "## Model details",
        "## Intended use",
        "## Factors",
        "## Metrics",
        "## Training data",
        "## Evaluation data",
        "## Quantitative analysis",
        "## Input signature",
        "## Ethical considerations",
        "## Caveats and recommendations",
        "## Change log",
        "## Gaps",
    ):
        assert heading in md, heading
    assert md.count("*not provided*") >= 4


def test_policy_verdicts_waivers_and_sign_offs(
    example_reports: ExampleReports, tmp_path: Path
) -> None:
    path = example_reports.copy_store(tmp_path)
    store = open_store(str(path), create=False)
    run = store.run("latest")
    verdict = {"description": "d", "severity": "error", "file": "policies/base.yaml", "line": 7}
    store.append(
        "policy_evaluation",
        uuid7(),
        {
            "evaluated_at": WHEN.isoformat(),
            "policies": ["policies/base.yaml"],
            "fail_on": "error",
            "passed": True,
            "verdicts": [
                {
                    **verdict,
                    "rule": "stage-has-schema",
                    "target": "clean",
                    "status": "pass",
                    "message": "ok",
                    "waiver": None,
                },
                {
                    **verdict,
                    "rule": "max-quarantine",
                    "target": "clean",
                    "status": "waived",
                    "message": "11 rows quarantined",
                    "waiver": {
                        "reason": "known NA rows",
                        "approver": "ana",
                        "expires": "2030-01-01",
                    },
                },
            ],
            "expired_waivers": [
                {
                    "rule": "old-rule",
                    "target": "x",
                    "reason": "r",
                    "approver": "bo",
                    "expires": "2020-01-01",
                    "file": "policies/base.yaml",
                    "line": 9,
                }
            ],
        },
        run_id=run.id,
    )
    store.append(
        "approval",
        "penguin-species@1",
        {
            "model": "penguin-species",
            "version": 1,
            "by": "ana",
            "note": "fine",
            "approved_at": WHEN.isoformat(),
        },
    )
    audit = reports.audit(store, format="html")
    policies = audit.context["policies"]
    assert policies["evaluated"] and policies["passed"] is True
    assert [w["rule"] for w in policies["waivers_in_force"]] == ["max-quarantine"]
    assert policies["expired_waivers"][0]["rule"] == "old-rule"
    assert audit.context["summary"]["waivers_in_force"] == 1
    assert "known NA rows" in audit.text and "No policies evaluated" not in audit.text
    assert audit.context["models"][0]["approvals"][0]["by"] == "ana"
    card = reports.model_card("penguin-species", store, format="md")
    store.close()
    assert card.context["approvals"] == [
        {"model": "penguin-species@1", "by": "ana", "note": "fine", "approved_at": WHEN.isoformat()}
    ]
    assert "- ana at 2026-01-02 03:04:05 UTC: fine" in card.text


def test_changes_since_the_previous_run_and_scopes() -> None:
    first, second = two_runs()
    ctx = reports.audit(run="latest", format="json").context
    (change,) = ctx["changes"]
    assert change["previous_run_id"] == first.id
    (schema,) = [s for s in change["schema"] if (s["stage"], s["role"]) == ("clean", "input")]
    assert schema["added"] == ["y"] and not schema["removed"]
    rows = {(r["stage"], r["role"]): r for r in change["row_counts"]}
    assert rows[("clean", "input")]["before"] == 4 and rows[("clean", "input")]["after"] == 3
    assert rows[("clean", "input")]["delta"] == -1
    metrics = {(m["stage"], m["metric"]): m for m in change["metrics"]}
    assert metrics[("clean", "mean_x")]["changed"]
    assert metrics[("fit", "accuracy")]["before"] == pytest.approx(0.54)

    both = reports.audit(pipeline="shop", format="json").context
    assert [r["id"] for r in both["runs"]] == [first.id, second.id]
    assert both["header"]["scope"]["kind"] == "pipeline"
    assert both["changes"][0]["previous_run_id"] is None
    assert len(both["lineage"]["graph"]["nodes"]) == len(ctx["lineage"]["graph"]["nodes"])
    by_model = reports.audit(model="shop-model@1", format="json").context
    assert [r["id"] for r in by_model["runs"]] == [first.id]
    with pytest.raises(EmptyScopeError):
        reports.audit(pipeline="shop", since="2999-01-01")
    with pytest.raises(ReportError, match="choose one scope"):
        reports.audit(run="latest", model="shop-model")

    card = reports.model_card("shop-model", format="json").context
    assert card["changes"]["previous"] == "shop-model@1"
    accuracy = next(m for m in card["changes"]["metrics"] if m["name"] == "accuracy")
    assert accuracy["changed"] and accuracy["delta"] < 0
    assert [d["parameter"] for d in card["changes"]["training_data"] if d["changed"]] == ["df"]


def test_same_record_same_document() -> None:
    two_runs()
    one = reports.audit(pipeline="shop", format="md", generated_at=WHEN)
    two = reports.audit(pipeline="shop", format="md", generated_at=WHEN)
    assert one.text == two.text
    assert json.loads(reports.audit(format="json", generated_at=WHEN).text) == json.loads(
        reports.audit(format="json", generated_at=WHEN).text
    )


def test_results_runs_and_models_display_as_html() -> None:
    first, _ = two_runs()
    result = first.stages[0]
    html = result._repr_html_()
    assert "stage clean" in html and "passed" in html
    assert "run shop" in first._repr_html_() and "clean" in first._repr_html_()
    model = first.stages[-1].model
    assert model is not None and "shop-model@1" in model._repr_html_()
    store = open_store(create=False)
    info = store.run(first.id)
    store.close()
    assert first.id in info._repr_html_()
