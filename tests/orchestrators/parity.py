"""Parity of records: what an orchestrator-run pipeline recorded vs the plain run.

``record_of(store_url)`` reduces a store to what must not depend on who ran the
pipeline: per run (in chain order) its name, namespace and status; per stage call its
name, status, on_fail and whether it failed; every check with its outcome and counts;
every dataset version (name, role, parameter, fingerprint, rows, schema); quarantined
row counts per dataset; and the lineage edges of the events rebuilt from the record
(input dataset -> job -> output dataset, and stage job -> pipeline job). Run ids, times,
file paths, the environment and parent facets (the orchestrator's runs) are left out.
No orchestrator import here: every orchestrator's test venv can use it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import govern
import govern.config
from govern.lineage.export import events
from govern.recording import close_stores
from govern.store import open_store
from govern.types import StageResult
from tests.orchestrators import tiny_pipeline

Record = dict[str, Any]


def _stage(result: StageResult) -> Record:
    return {
        "stage": result.stage,
        "status": str(result.status),
        "on_fail": str(result.on_fail),
        "failed": result.error is not None,
        "checks": sorted(
            (
                c.dataset,
                c.check,
                c.column or "",
                str(c.severity),
                str(c.outcome),
                c.failed_count,
                c.checked_count,
            )
            for c in result.checks
        ),
        "datasets": sorted(
            (
                d.ref.namespace,
                d.ref.name,
                str(d.ref.kind),
                d.role,
                d.parameter,
                d.fingerprint or "",
                d.row_count,
                d.schema,
            )
            for d in result.datasets
        ),
        "quarantine": sorted((q.dataset, q.rows) for q in result.quarantine),
    }


def _edges(event: Record) -> Iterator[tuple[str, str, str]]:
    job = f"{event['job']['namespace']}:{event['job']['name']}"
    for dataset in event.get("inputs") or ():
        yield ("reads", f"{dataset['namespace']}:{dataset['name']}", job)
    for dataset in event.get("outputs") or ():
        yield ("writes", job, f"{dataset['namespace']}:{dataset['name']}")
    parent = ((event.get("run") or {}).get("facets") or {}).get("parent")
    if parent and event["job"]["name"].startswith(f"{parent['job']['name']}."):
        # a stage job under its pipeline job; a pipeline's own parent (the orchestrator's
        # task) is the part that differs by design, and is left out
        yield ("child", f"{parent['job']['namespace']}:{parent['job']['name']}", job)


def record_of(url: str) -> Record:
    """What the store at ``url`` recorded, without run ids, times, paths or parents."""
    with open_store(url, create=False) as store:
        runs = list(reversed(store.runs()))  # chain order
        found: Record = {
            "runs": [
                {
                    "name": run.name,
                    "namespace": run.namespace,
                    "status": str(run.status),
                    "stages": [_stage(s) for s in store.stage_runs(run.id)],
                }
                for run in runs
            ],
            "lineage": sorted({edge for event in events(store) for edge in _edges(event)}),
            "event_types": sorted(
                (e["job"]["name"], e["eventType"]) for e in events(store) if "job" in e
            ),
        }
    return found


def compare(expected_url: str, actual_url: str) -> list[str]:
    """Differences between two stores' records (empty when they agree), readable."""
    expected, actual = record_of(expected_url), record_of(actual_url)
    problems: list[str] = []
    if len(expected["runs"]) != len(actual["runs"]):
        problems.append(f"runs: {len(expected['runs'])} expected, {len(actual['runs'])} found")
    for i, (want, got) in enumerate(zip(expected["runs"], actual["runs"], strict=False)):
        for key in ("name", "namespace", "status"):
            if want[key] != got[key]:
                problems.append(f"run {i} {key}: {want[key]!r} expected, {got[key]!r} found")
        if [s["stage"] for s in want["stages"]] != [s["stage"] for s in got["stages"]]:
            problems.append(
                f"run {i} stages: {[s['stage'] for s in want['stages']]} expected, "
                f"{[s['stage'] for s in got['stages']]} found"
            )
            continue
        for a, b in zip(want["stages"], got["stages"], strict=True):
            for key in a:
                if a[key] != b[key]:
                    problems.append(f"run {i} stage {a['stage']} {key}: {a[key]} != {b[key]}")
    for key in ("lineage", "event_types"):
        if expected[key] != actual[key]:
            missing = sorted(set(expected[key]) - set(actual[key]))
            extra = sorted(set(actual[key]) - set(expected[key]))
            problems.append(f"{key}: missing {missing}, unexpected {extra}")
    return problems


def assert_same_record(expected_url: str, actual_url: str) -> None:
    """Fail with every difference when two stores' records differ."""
    problems = compare(expected_url, actual_url)
    assert not problems, "records differ:\n" + "\n".join(problems)


@contextmanager
def project_settings(store: Path, quarantine: Path) -> Iterator[None]:
    """govern configured for one store and quarantine directory in this process."""
    close_stores()
    govern.config.reset()
    govern.configure(store=str(store), quarantine_dir=str(quarantine), namespace=NAMESPACE)
    try:
        yield
    finally:
        close_stores()
        govern.config.reset()


NAMESPACE = "tiny-project"
"""The namespace every parity run uses (the orchestrators' runs set GOVERN_NAMESPACE)."""


def env_for(store: Path, quarantine: Path) -> dict[str, str]:
    """GOVERN_* variables that configure a subprocess (an orchestrator's worker) the same."""
    return {
        "GOVERN_STORE": str(store),
        "GOVERN_QUARANTINE_DIR": str(quarantine),
        "GOVERN_NAMESPACE": NAMESPACE,
    }


def plain_store(directory: Path, *, broken: bool = False) -> str:
    """Run the tiny pipeline plainly into a new store under ``directory``; its URL."""
    store = directory / "plain.db"
    # the broken variant's failure is recorded; that record is what is compared
    with project_settings(store, directory / "plain-quarantine"), suppress(govern.GateError):
        tiny_pipeline.run_plain(broken=broken)
    return str(store)
