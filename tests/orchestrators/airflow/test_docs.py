"""The Airflow example of docs/orchestrators.md runs as written, under `airflow dags test`."""

from __future__ import annotations

from pathlib import Path

import pytest

from govern.integrations.airflow import XCOM_QUARANTINE, XCOM_RUN_ID, XCOM_STATUS
from govern.store import open_store
from tests.orchestrators.airflow.conftest import dags_test
from tests.orchestrators.conftest import orders_parquet


def test_the_documented_dag_runs(
    airflow_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    work = tmp_path_factory.mktemp("docs")
    source = orders_parquet(work)
    done = dags_test(airflow_home, "orders", work)
    assert done.returncode == 0, done.output[-5000:]
    assert done.xcom("return_value") == 17.5
    assert done.xcom(XCOM_STATUS) == "completed"
    assert done.xcom(XCOM_QUARANTINE) == {"orders.clean.return": 1}
    with open_store(str(done.store), create=False) as store:
        (run,) = store.runs()
        stages = store.stage_runs(run.id)
    assert done.xcom(XCOM_RUN_ID) == run.id
    assert [(s.stage, str(s.status)) for s in stages] == [
        ("clean", "quarantined"),
        ("total", "passed"),
    ]
    assert stages[0].datasets[0].ref.name == str(source)
    assert run.environment["openlineage_parent"]["parent"]["name"] == "orders.build"
