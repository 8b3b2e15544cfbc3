"""govern inside Airflow 3 tasks, run by `airflow dags test` on a real DAG file.

The DAGs (dags/tiny_dags.py) run the shared tiny pipeline in one TaskFlow task each,
with ``@governed("tiny")`` as the only glue.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from govern.integrations.airflow import XCOM_QUARANTINE, XCOM_RUN_ID, XCOM_STATUS
from govern.lineage.export import events
from govern.store import open_store
from tests.orchestrators import parity, tiny_pipeline
from tests.orchestrators.airflow.conftest import OL_NAMESPACE, DagRun, dags_test


@pytest.fixture(scope="module")
def tiny_run(airflow_home: Path, tmp_path_factory: pytest.TempPathFactory) -> DagRun:
    return dags_test(airflow_home, "tiny_dag", tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def broken_run(airflow_home: Path, tmp_path_factory: pytest.TempPathFactory) -> DagRun:
    return dags_test(airflow_home, "tiny_broken_dag", tmp_path_factory.mktemp("broken"))


def _govern_events(store: Path) -> list[dict[str, Any]]:
    with open_store(str(store), create=False) as opened:
        return list(events(opened))


def _provider_run(run: DagRun, job: str) -> str:
    ids = {e["run"]["runId"] for e in run.provider_events() if e["job"]["name"] == job}
    assert len(ids) == 1, f"the provider's events name {len(ids)} run(s) of {job}"
    return ids.pop()


def _job(facet: dict[str, Any]) -> tuple[str, str]:
    return facet["job"]["namespace"], facet["job"]["name"]


def test_the_record_equals_the_plain_runs(tiny_run: DagRun, tmp_path: Path) -> None:
    assert tiny_run.returncode == 0, tiny_run.output[-5000:]
    parity.assert_same_record(parity.plain_store(tmp_path), str(tiny_run.store))


def test_the_govern_run_is_a_child_of_the_tasks_openlineage_run(tiny_run: DagRun) -> None:
    assert tiny_run.returncode == 0, tiny_run.output[-5000:]
    task_run = _provider_run(tiny_run, "tiny_dag.run_tiny")
    dag_run = _provider_run(tiny_run, "tiny_dag")
    found = _govern_events(tiny_run.store)
    (start,) = [e for e in found if e["job"]["name"] == "tiny" and e["eventType"] == "START"]
    parent = start["run"]["facets"]["parent"]
    assert _job(parent) == (OL_NAMESPACE, "tiny_dag.run_tiny")
    assert parent["run"]["runId"] == task_run
    assert _job(parent["root"]) == (OL_NAMESPACE, "tiny_dag")
    assert parent["root"]["run"]["runId"] == dag_run
    # every stage of the govern run has the DAG run as its root
    stages = [e for e in found if e["job"]["name"].startswith("tiny.")]
    assert {e["run"]["facets"]["parent"]["root"]["run"]["runId"] for e in stages} == {dag_run}
    # and the provider's own task event names the same DAG run as its parent
    task_start = next(
        e
        for e in tiny_run.provider_events()
        if e["job"]["name"] == "tiny_dag.run_tiny" and e["eventType"] == "START"
    )
    assert task_start["run"]["facets"]["parent"]["run"]["runId"] == dag_run


def test_quarantine_counts_and_run_id_go_to_xcom_and_the_log(tiny_run: DagRun) -> None:
    assert tiny_run.returncode == 0, tiny_run.output[-5000:]
    with open_store(str(tiny_run.store), create=False) as store:
        (run,) = store.runs()
        (clean,) = [s for s in store.stage_runs(run.id) if s.stage == "clean"]
    assert tiny_run.xcom(XCOM_RUN_ID) == run.id
    assert tiny_run.xcom(XCOM_STATUS) == "completed"
    assert tiny_run.xcom(XCOM_QUARANTINE) == {"tiny.clean.return": tiny_pipeline.QUARANTINED_ROWS}
    (quarantined,) = clean.quarantine
    rows = pq.read_table(quarantined.path)
    assert rows.num_rows == tiny_pipeline.QUARANTINED_ROWS
    assert sorted(rows.column("order_id").to_pylist()) == [2, 3]
    assert Path(quarantined.path).is_relative_to(tiny_run.quarantine)
    assert f"govern run {run.id} of pipeline 'tiny': completed" in tiny_run.output
    assert "clean: quarantined (10 check(s) passed, 2 failed" in tiny_run.output


def test_a_gate_failure_fails_the_task_with_the_govern_message(
    broken_run: DagRun, tmp_path: Path
) -> None:
    output = broken_run.output
    assert "govern gate failed: stage 'load' (failed)" in output
    assert "field_uniqueness" in output
    assert "AirflowFailException" in output
    failed = [line for line in output.splitlines() if "state=failed" in line]
    assert any("tiny_broken_dag" in line for line in failed), output[-5000:]
    assert broken_run.xcom(XCOM_STATUS) == "failed"
    assert broken_run.xcom(XCOM_QUARANTINE) == {}
    # recorded exactly as the plain run records the same failure
    parity.assert_same_record(parity.plain_store(tmp_path, broken=True), str(broken_run.store))
