"""The Prefect example of docs/orchestrators.md runs as written, under the test harness."""

from __future__ import annotations

import runpy
from pathlib import Path

from prefect import get_client

from govern.integrations.prefect import artifact_key
from govern.store import open_store
from tests.orchestrators.conftest import doc_block, orders_parquet


def test_the_documented_flow_runs(isolated_project: Path) -> None:
    source = orders_parquet(isolated_project)
    script = isolated_project / "orders_flow.py"
    script.write_text(doc_block("Prefect 3"))
    namespace = runpy.run_path(str(script))  # not as __main__: the flow is not run yet
    state = namespace["orders"](return_state=True)
    assert state.is_completed() and state.result() == 17.5
    with open_store() as store:
        (run,) = store.runs()
        stages = store.stage_runs(run.id)
    assert [(s.stage, str(s.status)) for s in stages] == [
        ("clean", "quarantined"),
        ("total", "passed"),
    ]
    assert stages[0].datasets[0].ref.name == str(source)
    flow_run = str(state.state_details.flow_run_id)
    assert run.environment["openlineage_parent"]["parent"]["run_id"] == flow_run
    with get_client(sync_client=True) as client:
        (artifact,) = [
            a
            for a in client.read_artifacts()
            if a.key == artifact_key("orders") and str(a.flow_run_id) == flow_run
        ]
    assert f"govern run `{run.id}`" in artifact.description
