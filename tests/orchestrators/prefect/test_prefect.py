"""govern inside Prefect 3 flows and tasks, under prefect_test_harness."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from prefect import get_client

from govern.integrations.prefect import NAMESPACE, artifact_key
from govern.lineage.export import events
from govern.store import open_store
from tests.orchestrators import parity, tiny_pipeline
from tests.orchestrators.prefect import flows


def _run(tmp_path: Path, flow: Any, **parameters: Any) -> tuple[Any, str]:
    """Run ``flow`` with govern recording into a store under ``tmp_path``: (state, store)."""
    store = tmp_path / "prefect.db"
    with parity.project_settings(store, tmp_path / "quarantine"):
        state = flow(return_state=True, **parameters)
    return state, str(store)


def _pipeline_start(store: str) -> dict[str, Any]:
    with open_store(store, create=False) as opened:
        found = list(events(opened))
    (start,) = [e for e in found if e["job"]["name"] == "tiny" and e["eventType"] == "START"]
    return start


def _parent(start: dict[str, Any]) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
    facet = start["run"]["facets"]["parent"]
    return (
        (facet["job"]["namespace"], facet["job"]["name"], facet["run"]["runId"]),
        (
            facet["root"]["job"]["namespace"],
            facet["root"]["job"]["name"],
            facet["root"]["run"]["runId"],
        ),
    )


def _artifact(flow_run_id: Any) -> Any:
    with get_client(sync_client=True) as client:
        found = [
            a
            for a in client.read_artifacts()
            if a.key == artifact_key("tiny") and a.flow_run_id == flow_run_id
        ]
    assert len(found) == 1
    return found[0]


def test_the_record_equals_the_plain_runs(tmp_path: Path) -> None:
    state, store = _run(tmp_path, flows.tiny_flow)
    assert state.is_completed()
    parity.assert_same_record(parity.plain_store(tmp_path / "plain"), store)


def test_the_flow_run_is_the_parent_and_the_outer_flow_the_root(tmp_path: Path) -> None:
    state, store = _run(tmp_path, flows.tiny_flow)
    own = str(state.state_details.flow_run_id)
    assert _parent(_pipeline_start(store)) == ((NAMESPACE, "tiny", own), (NAMESPACE, "tiny", own))

    state, store = _run(tmp_path / "nested", flows.nightly)
    assert state.is_completed()
    outer = str(state.state_details.flow_run_id)
    with get_client(sync_client=True) as client:
        (sub,) = [
            r
            for r in client.read_flow_runs()
            if r.parent_task_run_id is not None
            and client.read_task_run(r.parent_task_run_id).flow_run_id
            == state.state_details.flow_run_id
        ]
    assert _parent(_pipeline_start(store)) == (
        (NAMESPACE, "tiny", str(sub.id)),
        (NAMESPACE, "nightly", outer),
    )


def test_a_governed_task_has_the_task_run_as_parent(tmp_path: Path) -> None:
    state, store = _run(tmp_path, flows.with_task)
    assert state.is_completed()
    flow_run = str(state.state_details.flow_run_id)
    with get_client(sync_client=True) as client:
        (task_run,) = [t for t in client.read_task_runs() if str(t.flow_run_id) == flow_run]
    assert _parent(_pipeline_start(store)) == (
        (NAMESPACE, "with-task.tiny_task", str(task_run.id)),
        (NAMESPACE, "with-task", flow_run),
    )
    parity.assert_same_record(parity.plain_store(tmp_path / "plain"), store)


def test_quarantine_counts_go_to_the_artifact(tmp_path: Path) -> None:
    state, store = _run(tmp_path, flows.tiny_flow)
    assert state.is_completed()
    with open_store(store, create=False) as opened:
        (run,) = opened.runs()
        (clean,) = [s for s in opened.stage_runs(run.id) if s.stage == "clean"]
    artifact = _artifact(state.state_details.flow_run_id)
    assert artifact.type == "table"
    rows = artifact.data if isinstance(artifact.data, list) else json.loads(artifact.data)
    assert [r["stage"] for r in rows] == list(tiny_pipeline.STAGES)
    assert rows[1] == {
        "stage": "clean",
        "status": "quarantined",
        "checks_passed": 10,
        "checks_failed": 2,
        "checks_not_run": 0,
        "rows_quarantined": tiny_pipeline.QUARANTINED_ROWS,
    }
    assert f"govern run `{run.id}`" in artifact.description
    assert "`tiny.clean.return`: 2 row(s) quarantined" in artifact.description
    (quarantined,) = clean.quarantine
    assert sorted(pq.read_table(quarantined.path).column("order_id").to_pylist()) == [2, 3]


def test_a_gate_failure_fails_the_task_and_the_flow(tmp_path: Path) -> None:
    state, store = _run(tmp_path, flows.tiny_flow, broken=True)
    assert state.is_failed()
    message = "GateError: stage 'load' (failed): 1 check(s) failed"
    assert message in state.message and "field_uniqueness" in state.message
    flow_run = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        task_runs = [t for t in client.read_task_runs() if t.flow_run_id == flow_run]
    (load,) = [t for t in task_runs if t.name.startswith("load")]
    assert load.state.is_failed()
    assert message in load.state.message and "field_uniqueness" in load.state.message
    assert [t.name.split("-")[0] for t in task_runs] == ["load"]  # clean never ran
    artifact = _artifact(flow_run)
    assert "**failed**" in artifact.description
    parity.assert_same_record(parity.plain_store(tmp_path / "plain", broken=True), store)
