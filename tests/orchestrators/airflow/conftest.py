"""Airflow 3 under test: one AIRFLOW_HOME (SQLite metadata DB) per session, `airflow dags test`.

Each DAG runs in a subprocess of this venv's ``airflow`` command, configured only through
its environment: the DAG folder tests/orchestrators/airflow/dags, the OpenLineage
provider's file transport (so the task's own events can be read back), and GOVERN_*
settings pointing at a store and quarantine directory of the test's own.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from tests.orchestrators.conftest import doc_block, require
from tests.orchestrators.parity import env_for

require("airflow", "GOVERN_TEST_REQUIRE_AIRFLOW")

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
DAGS = Path(__file__).parent / "dags"
OL_NAMESPACE = "airflow-test"
HANG_GUARD = 600  # seconds; a DAG run here takes well under a minute


@dataclass
class DagRun:
    """What one `airflow dags test` left: its output, the govern store, the provider's events."""

    dag_id: str
    returncode: int
    output: str
    store: Path
    quarantine: Path
    airflow_db: Path
    events_file: Path

    def provider_events(self) -> list[dict[str, Any]]:
        """The OpenLineage events the Airflow provider emitted (its file transport)."""
        text = self.events_file.read_text() if self.events_file.exists() else ""
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def xcom(self, key: str) -> Any:
        """The value a task of this DAG pushed under ``key`` (read from the metadata DB)."""
        with sqlite3.connect(self.airflow_db) as conn:
            rows = conn.execute(
                "select value from xcom where dag_id = ? and key = ?", (self.dag_id, key)
            ).fetchall()
        assert len(rows) == 1, f"{len(rows)} XCom value(s) under {key!r}"
        value = rows[0][0]
        return json.loads(value) if isinstance(value, str | bytes) else value


def _environment(home: Path) -> dict[str, str]:
    """Airflow configured by its environment only; the DAG folder is ``home/dags``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVERN_", "OPENLINEAGE"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(home / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__OPENLINEAGE__NAMESPACE=OL_NAMESPACE,
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
    )
    return env


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A migrated SQLite metadata database in a temporary AIRFLOW_HOME.

    Its DAG folder holds this directory's DAG files and the Airflow example of
    docs/orchestrators.md, as written (``orders.py``).
    """
    home = tmp_path_factory.mktemp("airflow-home")
    shutil.copytree(DAGS, home / "dags", ignore=shutil.ignore_patterns("__pycache__"))
    (home / "dags" / "orders.py").write_text(doc_block("Airflow 3"))
    done = subprocess.run(
        [AIRFLOW, "db", "migrate"],
        env=_environment(home),
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    yield home


def dags_test(home: Path, dag_id: str, work: Path) -> DagRun:
    """``airflow dags test dag_id`` with govern recording into ``work``."""
    store, quarantine, events = work / "govern.db", work / "quarantine", work / "ol.jsonl"
    env = _environment(home)
    env.update(env_for(store, quarantine))
    env["AIRFLOW__OPENLINEAGE__TRANSPORT"] = json.dumps(
        {"type": "file", "log_file_path": str(events), "append": True}
    )
    done = subprocess.run(
        [AIRFLOW, "dags", "test", dag_id],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        check=False,
    )
    return DagRun(
        dag_id=dag_id,
        returncode=done.returncode,
        output=done.stdout + done.stderr,
        store=store,
        quarantine=quarantine,
        airflow_db=home / "airflow.db",
        events_file=events,
    )
