"""A govern run inside an orchestrator task takes that task's run as its parent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govern.environment import capture, orchestrator_parent
from govern.lineage.export import events
from govern.lineage.graph import lineage
from govern.lineage.importer import import_file
from govern.lineage.nodes import Edge, Node
from govern.store import open_store
from tests.lineage.conftest import validate_event
from tests.lineage.test_cli import pipeline
from tests.lineage.test_corpus import CORPUS, corpus
from tests.lineage.test_imported_graph import AIRFLOW_DAG, AIRFLOW_TASK, airflow_task_run


def test_the_parent_variables_are_read_as_the_integrations_write_them() -> None:
    run = "01a2b3c4-0000-7000-8000-000000000001"
    root = "01a2b3c4-0000-7000-8000-000000000002"
    task = {"namespace": "ns", "name": "dag.task", "run_id": run}
    assert orchestrator_parent({"OPENLINEAGE_PARENT_ID": f"ns/dag.task/{run}"}) == {
        "parent": task,
        "root": task,
    }
    context = {
        "parent": {
            "run": {"runId": run},
            "job": {"namespace": "ns", "name": "dag.task"},
            "root": {"run": {"runId": root}, "job": {"namespace": "ns", "name": "dag"}},
        }
    }
    found = capture(argv=[], env={"OPENLINEAGE_CONTEXT": json.dumps(context)})
    assert found["openlineage_parent"] == {
        "parent": task,
        "root": {"namespace": "ns", "name": "dag", "run_id": root},
    }
    for bad in ({}, {"OPENLINEAGE_PARENT_ID": "a/b"}, {"OPENLINEAGE_CONTEXT": "{"}):
        assert "openlineage_parent" not in capture(argv=[], env=bad)


def test_a_govern_run_under_an_airflow_task_shows_under_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    task_run = airflow_task_run()
    dag_run = next(
        e["run"]["runId"]
        for _, e in corpus()
        if (e.get("job") or {}).get("name") == AIRFLOW_DAG[1] and "run" in e
    )
    monkeypatch.setenv("OPENLINEAGE_PARENT_ID", f"{AIRFLOW_TASK[0]}/{AIRFLOW_TASK[1]}/{task_run}")
    monkeypatch.setenv("OPENLINEAGE_ROOT_PARENT_ID", f"{AIRFLOW_DAG[0]}/{AIRFLOW_DAG[1]}/{dag_run}")
    pipeline()  # the govern pipeline "cli", as an Airflow task would run it
    with open_store() as store:
        found = list(events(store))
    for event in found:
        validate_event(event)
    (start,) = [e for e in found if e["job"]["name"] == "cli" and e["eventType"] == "START"]
    parent = start["run"]["facets"]["parent"]
    assert (parent["job"]["name"], parent["run"]["runId"]) == (AIRFLOW_TASK[1], task_run)
    assert parent["root"]["job"]["name"] == AIRFLOW_DAG[1]
    stage = next(e for e in found if e["job"]["name"] == "cli.prepare")
    assert stage["run"]["facets"]["parent"]["root"]["run"]["runId"] == dag_run

    # another store imports both the Airflow events and govern's: the link is queryable
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("".join(json.dumps(e) + "\n" for e in found))
    with open_store(f"sqlite:///{tmp_path / 'other.db'}") as other:
        import_file(other, CORPUS / "airflow.jsonl")
        import_file(other, mixed)
        graph = lineage(other, Node("job", *AIRFLOW_TASK))
        namespace = start["job"]["namespace"]
        assert Edge(Node("job", *AIRFLOW_TASK), Node("job", namespace, "cli")) in graph.parents
