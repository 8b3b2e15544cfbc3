"""A check that did not run (outcome "not_run") shows as "not run", never as passed."""

from __future__ import annotations

import copy
from dataclasses import fields
from types import SimpleNamespace
from typing import Any

from govern.reports import audit
from govern.reports.context.common import check_entry, outcome
from govern.reports.context.period import build_period
from govern.reports.render import render
from govern.types import CheckResult, RunStatus, Status
from tests.reports.conftest import ExampleReports
from tests.store.factories import check, run_info, stage_result


def _with_outcome(base: CheckResult, value: str | None) -> Any:
    # the record's "outcome" key, as checks that carry one decode (old ones have none)
    values = {f.name: getattr(base, f.name) for f in fields(base) if f.name != "outcome"}
    return SimpleNamespace(**values, outcome=value, blocking=base.blocking)


def test_outcome_reads_the_record_with_a_default() -> None:
    assert outcome(check(0)) == "passed"  # an old record: no outcome, passed decides
    assert outcome(check(0, passed=False)) == "failed"
    not_run = _with_outcome(check(0, passed=False, failed_count=0), "not_run")
    assert outcome(not_run) == "not_run"
    entry = check_entry(not_run, frozenset(), 5)
    assert entry["result"] == "not run" and entry["outcome"] == "not_run"


def test_not_run_checks_show_as_not_run_in_reports(example_reports: ExampleReports) -> None:
    context = dict(audit(example_reports.store, format="json").context)
    not_run = _with_outcome(check(3, passed=False, failed_count=0, check="rare_check"), "not_run")
    context["checks"][0]["checks"] = [check_entry(not_run, frozenset(), 5)]
    html = render("audit", "html", copy.deepcopy(context)).text
    assert '<span class="badge s-not_run">not run</span>' in html
    md = render("audit", "md", copy.deepcopy(context)).text
    row = next(line for line in md.splitlines() if "rare_check" in line)
    assert "| not run |" in row


def test_period_counts_not_run_apart_from_failures() -> None:
    run = run_info(status=RunStatus.COMPLETED)
    not_run = _with_outcome(check(0, passed=False, failed_count=0), "not_run")
    stage = stage_result(run.id, "clean", status=Status.PASSED, checks=(not_run,))
    period = build_period([run], {run.id: [stage]}, frozenset(), 5)
    (group,) = period["failing_checks"]
    assert group["not_run"] == 1 and group["failures"] == 0
    assert period["passing_checks"] == []
