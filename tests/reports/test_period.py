"""A period report over 1,000 runs: a summary first, findings grouped, small, no scripts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from govern.reports import audit
from govern.reports.context.period import trend
from govern.store import open_store
from govern.types import QuarantineRecord, RunStatus, Severity, Status
from tests.store.factories import check, run_info, stage_result

RUNS = 1000
FAILED_RUNS = range(900, 1000, 10)  # ten runs whose train stage failed
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _train_checks(i: int) -> tuple[Any, ...]:
    # a warning that fails more and more often (rising), an error in the failed runs
    failing_warn = i > 500 and i % 3 == 0
    return (
        check(0, dataset="features", column="bill_length_mm"),
        check(1, dataset="features", column="body_mass_g", severity=Severity.WARN,
              passed=not failing_warn),
        check(2, dataset="features", column="flipper_length_mm", passed=i not in FAILED_RUNS),
    )  # fmt: skip


@pytest.fixture(scope="module")
def period_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("period") / "govern.db"
    store = open_store(str(path), signing_key="")
    for i in range(RUNS):
        began = T0 + timedelta(hours=i)
        run = run_info(name="penguins", started_at=began, environment={})
        store.begin_run(run)
        quarantines = i % 4 == 0  # clean quarantines rows, and the run completes
        store.record_stage(
            stage_result(
                run.id,
                "clean",
                started_at=began,
                ended_at=began + timedelta(seconds=1),
                status=Status.QUARANTINED if quarantines else Status.PASSED,
                checks=(check(0, dataset="raw", column="sex", passed=not quarantines),),
                quarantine=(QuarantineRecord("raw", 3, f"/q/{i}.parquet"),) if quarantines else (),
            )
        )
        failed = i in FAILED_RUNS
        store.record_stage(
            stage_result(
                run.id,
                "train",
                started_at=began + timedelta(seconds=1),
                ended_at=began + timedelta(seconds=2),
                status=Status.FAILED if failed else Status.PASSED,
                checks=_train_checks(i),
            )
        )
        end = RunStatus.FAILED if failed else RunStatus.COMPLETED
        store.end_run(run.id, end, began + timedelta(seconds=3))
        if i % 100 == 0:  # a policy evaluated now and then, always the same verdict
            store.append(
                "policy_evaluation",
                f"eval-{i}",
                {
                    "evaluated_at": began.isoformat(),
                    "passed": False,
                    "verdicts": [
                        {"rule": "max_failure_rate", "target": "penguins.train",
                         "status": "fail", "message": "too many failures", "severity": "error"}
                    ],
                },
                run_id=run.id,
            )  # fmt: skip
    store.close()
    return str(path)


@pytest.fixture(scope="module")
def documents(period_store: str) -> dict[str, Any]:
    with open_store(period_store, create=False) as store:
        html = audit(store, pipeline="penguins", since="2026-01-01", format="html")
        md = audit(store, pipeline="penguins", since="2026-01-01", format="md")
    return {"html": html.text, "md": md.text, "context": html.context}


@pytest.mark.slow
def test_the_period_report_is_small_and_script_free(documents: dict[str, Any]) -> None:
    for fmt in ("html", "md"):
        assert len(documents[fmt].encode()) <= 1_000_000, fmt
    html = documents["html"]
    assert "<script" not in html and "<details" in html
    assert documents["context"]["summary"]["runs"] == RUNS


@pytest.mark.slow
def test_the_summary_names_the_failing_stages_and_the_worst_runs(documents: dict[str, Any]) -> None:
    period = documents["context"]["period"]
    stages = {s["stage"]: s for s in period["stages"]}
    assert stages["train"]["status"]["failed"] == len(FAILED_RUNS)
    failing = [(g["stage"], g["column"]) for g in period["failing_checks"]]
    # the most frequent finding first: clean's sex in 250 runs, train's body_mass_g in 166
    assert failing[:3] == [
        ("clean", "sex"),
        ("train", "body_mass_g"),
        ("train", "flipper_length_mm"),
    ]
    rising = next(g for g in period["failing_checks"] if g["column"] == "body_mass_g")
    assert rising["trend"]["direction"] == "rising"
    worst = period["worst_runs"]
    assert {r["number"] for r in worst} == {i + 1 for i in FAILED_RUNS}
    for fmt, end in (("html", 'id="runs"'), ("md", "## 2. Run inventory")):
        summary = documents[fmt][: documents[fmt].index(end)]
        assert "Failing checks" in summary and "Worst runs" in summary
        assert "flipper_length_mm" in summary and "body_mass_g" in summary
        assert re.search(r"train.{0,200}?failed", summary, re.S)
    # every worst run links to its row of the run inventory, which details its stage calls
    html = documents["html"]
    for r in worst:
        assert f'href="#run-{r["id"]}"' in html and f'id="run-{r["id"]}"' in html
        row = html[html.index(f'id="run-{r["id"]}"') :]
        details = row[: row.index("</details>")]
        assert f"stage calls of run #{r['number']}" in details and "flipper_length_mm" in details


@pytest.mark.slow
def test_quarantined_rows_of_completed_runs_are_not_blocking(documents: dict[str, Any]) -> None:
    summary = documents["context"]["summary"]
    blocking = {(b["stage"], b["column"]): b for b in summary["blocking_failures"]}
    both = [i for i in FAILED_RUNS if i % 4 == 0]  # quarantined, then the run failed
    assert set(blocking) == {("train", "flipper_length_mm"), ("clean", "sex")}
    assert blocking[("train", "flipper_length_mm")]["runs"] == len(FAILED_RUNS)
    assert blocking[("clean", "sex")]["runs"] == len(both)
    quarantined = {(q["stage"], q["column"]): q for q in summary["quarantined_failures"]}
    assert quarantined[("clean", "sex")]["runs"] == RUNS // 4 - len(both)
    # one row per finding, not one per run
    assert documents["md"].count("| flipper\\_length\\_mm |") < 5


@pytest.mark.slow
def test_policy_verdicts_are_deduped(documents: dict[str, Any]) -> None:
    groups = documents["context"]["policies"]["verdict_groups"]
    assert len(groups) == 1 and groups[0]["evaluations"] == RUNS // 100
    assert documents["md"].count("too many failures") == 1


def test_trend_direction() -> None:
    assert trend([0, 0, 1, 3], [4, 4, 4, 4])["direction"] == "rising"
    assert trend([3, 1, 0, 0], [4, 4, 4, 4])["direction"] == "falling"
    assert trend([1, 1, 1, 1], [4, 4, 4, 4])["direction"] == "steady"
    assert trend([0, 0], [4, 4]) == {"sparkline": "\u00b7\u00b7", "direction": "none"}
