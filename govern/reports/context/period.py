"""The period view of an audit report: many runs of a pipeline taken in at a glance.

A report over hundreds of runs cannot list every check of every run. The period view
opens with a summary (per stage and per check: runs, failures and a trend; the worst runs
first, each linked to its row in the run inventory), groups a finding repeated across
runs into one row with the runs it failed in, and dedupes policy verdicts. The full
record of every run stays in the JSON format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from govern.reports.context.common import check_entry, iso, outcome
from govern.types import CheckResult, RunInfo, StageResult, Status

__all__ = ["DETAILED", "TREND_BUCKETS", "WORST_RUNS", "build_period", "handled", "trend"]

TREND_BUCKETS = 20
"""The period is cut into this many slices of consecutive runs for each trend."""
WORST_RUNS = 10
DETAILED = 100
"""Runs that failed or blocked whose stage calls the document lists (the latest ones)."""
_BARS = "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"


def handled(stage: StageResult, run: RunInfo) -> bool:
    """Rows quarantined while the run completed: the gate did its job, nothing blocked."""
    return stage.status == Status.QUARANTINED and str(run.status) == "completed"


def trend(hits: Sequence[int], totals: Sequence[int]) -> dict[str, Any]:
    """A sparkline of the failure rate per slice of the period, and its direction."""
    rates = [h / t if t else 0.0 for h, t in zip(hits, totals, strict=True)]
    line = "".join(
        "\u00b7" if r == 0 else _BARS[min(len(_BARS) - 1, int(r * len(_BARS)))] for r in rates
    )
    half = len(rates) // 2
    early = sum(hits[:half]) / max(sum(totals[:half]), 1)
    late = sum(hits[half:]) / max(sum(totals[half:]), 1)
    if not any(hits):
        direction = "none"
    elif late > early * 1.25 + 0.01:
        direction = "rising"
    elif early > late * 1.25 + 0.01:
        direction = "falling"
    else:
        direction = "steady"
    return {"sparkline": line, "direction": direction}


class _Counter:
    """Hits and totals per slice of the period."""

    def __init__(self, buckets: int) -> None:
        self.hits = [0] * buckets
        self.totals = [0] * buckets

    def add(self, bucket: int, hit: bool) -> None:
        self.totals[bucket] += 1
        self.hits[bucket] += int(hit)

    def trend(self) -> dict[str, Any]:
        return trend(self.hits, self.totals)


def build_period(
    runs: Sequence[RunInfo],
    stages: Mapping[str, Sequence[StageResult]],
    pii: frozenset[str],
    sample_size: int,
) -> dict[str, Any]:
    """Per stage, per check and per run summaries of ``runs`` (oldest first)."""
    buckets = max(1, min(TREND_BUCKETS, len(runs)))
    number = {run.id: i + 1 for i, run in enumerate(runs)}
    stage_rows: dict[str, dict[str, Any]] = {}
    stage_trends: dict[str, _Counter] = {}
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    group_trends: dict[tuple[Any, ...], _Counter] = {}
    run_rows: list[dict[str, Any]] = []
    last_failure: dict[tuple[Any, ...], CheckResult] = {}
    for index, run in enumerate(runs):
        bucket = index * buckets // len(runs)
        row: dict[str, Any] = {
            "id": run.id,
            "number": number[run.id],
            "started_at": iso(run.started_at),
            "status": str(run.status),
            "stage_status": {},
            "failed_stages": 0,
            "blocking": 0,
            "checks_failed": 0,
            "quarantined_rows": 0,
            "stages": [],
        }
        for stage in stages.get(run.id, ()):
            status = str(stage.status)
            row["stage_status"][status] = row["stage_status"].get(status, 0) + 1
            failed = stage.failed_checks
            row["failed_stages"] += int(stage.status == Status.FAILED or bool(stage.error))
            row["checks_failed"] += len(failed)
            row["quarantined_rows"] += sum(q.rows for q in stage.quarantine)
            if not handled(stage, run):
                row["blocking"] += sum(1 for c in failed if c.blocking)
            row["stages"].append(
                {
                    "stage": stage.stage,
                    "status": status,
                    "error": stage.error,
                    "failed": [
                        {"column": c.column, "check": c.check, "failed_count": c.failed_count}
                        for c in failed
                    ],
                }
            )
            entry = stage_rows.setdefault(
                stage.stage,
                {"stage": stage.stage, "calls": 0, "status": {}, "with_failures": 0},
            )
            entry["calls"] += 1
            entry["status"][status] = entry["status"].get(status, 0) + 1
            problem = bool(failed) or stage.status == Status.FAILED
            entry["with_failures"] += int(problem)
            counter = stage_trends.get(stage.stage)
            if counter is None:
                counter = stage_trends[stage.stage] = _Counter(buckets)
            counter.add(bucket, problem)
            for check in stage.checks:
                key = (stage.stage, check.dataset, check.column, check.check)
                group = groups.get(key)
                if group is None:
                    group = {
                        "stage": stage.stage,
                        "dataset": check.dataset,
                        "column": check.column,
                        "check": check.check,
                        "severity": str(check.severity),
                        "runs": 0,
                        "failures": 0,
                        "not_run": 0,
                        "failing_rows": 0,
                        "blocking": 0,
                        "quarantined": 0,
                        "failed_runs": [],
                        "last_failure": None,
                    }
                    groups[key] = group
                    group_trends[key] = _Counter(buckets)
                group["runs"] += 1
                result = outcome(check)
                group_trends[key].add(bucket, result == "failed")
                if result == "not_run":
                    group["not_run"] += 1
                if result != "failed":
                    continue
                group["failures"] += 1
                group["failing_rows"] += check.failed_count
                if check.blocking:
                    group["quarantined" if handled(stage, run) else "blocking"] += 1
                if not group["failed_runs"] or group["failed_runs"][-1]["id"] != run.id:
                    group["failed_runs"].append({"id": run.id, "number": number[run.id]})
                last_failure[key] = check  # its entry is made once, below
        run_rows.append(row)
    for key, check in last_failure.items():
        groups[key]["last_failure"] = check_entry(check, pii, sample_size)
    # the stage calls of the runs that failed or blocked (the latest DETAILED of them) stay
    # in the document; the others are summed up in their row
    serious = [r for r in run_rows if r["failed_stages"] or r["blocking"]]
    for row in run_rows:
        row["detailed"] = False
    for row in serious[-DETAILED:]:
        row["detailed"] = True
    for name, entry in stage_rows.items():
        entry["trend"] = stage_trends[name].trend()
    failing = [g for g in groups.values() if g["failures"] or g["not_run"]]
    for key, group in groups.items():
        group["trend"] = group_trends[key].trend()
    stage_order = list(stage_rows)
    failing.sort(key=lambda g: (-g["failures"], stage_order.index(g["stage"])))
    passing = [g for g in groups.values() if not (g["failures"] or g["not_run"])]
    worst = sorted(
        (r for r in run_rows if r["failed_stages"] or r["blocking"] or r["checks_failed"]),
        key=lambda r: (-r["failed_stages"], -r["blocking"], -r["checks_failed"], -r["number"]),
    )
    return {
        "runs": len(runs),
        "first_run_at": iso(runs[0].started_at) if runs else None,
        "last_run_at": iso(runs[-1].started_at) if runs else None,
        "trend_buckets": buckets,
        "stages": list(stage_rows.values()),
        "failing_checks": failing,
        "passing_checks": [
            {k: g[k] for k in ("stage", "dataset", "column", "check", "runs")} for g in passing
        ],
        "worst_runs": worst[:WORST_RUNS],
        "runs_with_problems": len(worst),
        "run_rows": run_rows,
    }
