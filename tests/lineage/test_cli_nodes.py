"""``govern lineage ls / versions / columns``, NODE text with any namespace, ``runs --producer``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govern.cli import main
from tests.lineage.test_cli import pipeline, run
from tests.lineage.test_corpus import CORPUS


@pytest.fixture
def url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """A store with one governed pipeline and the Airflow, Hive and Flink corpus files."""
    pipeline()
    store = f"sqlite:///{tmp_path / 'g.db'}"
    from govern.recording import close_stores

    close_stores()
    for name in ("airflow.jsonl", "hive.jsonl", "flink.jsonl"):
        assert (
            main(["lineage", "import", str(CORPUS / name), "--store", store, "--skip-invalid"]) == 0
        )
    capsys.readouterr()
    return store


def test_ls_lists_and_searches_every_kind_with_namespaces(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["lineage", "ls", "--store", url, "-f", "json"], capsys)
    assert code == 0
    found = json.loads(out)
    kinds = {row["kind"] for row in found}
    assert kinds == {"dataset", "job"}  # the govern pipeline (default store) is elsewhere
    dag = [r for r in found if r["name"] == "openlineage_base_simple_dag"]
    assert dag == [
        {
            "kind": "job",
            "namespace": "default",
            "name": "openlineage_base_simple_dag",
            "node": "job:default:openlineage_base_simple_dag",
        }
    ]
    code, out, _ = run(
        ["lineage", "ls", "KAFKA_input", "--kind", "dataset", "--store", url], capsys
    )
    assert code == 0 and "kafka://kafka-cluster-prod:9092" in out and "job" not in out.split()
    code, out, _ = run(["lineage", "ls", "no-such-thing", "--store", url], capsys)
    assert code == 0 and "no matching" in out
    assert run(["lineage", "ls", "--kind", "table", "--store", url], capsys)[0] == 2


def test_versions_of_a_dataset_and_a_model(capsys: pytest.CaptureFixture[str]) -> None:
    pipeline()
    pipeline()
    code, out, _ = run(["lineage", "versions", "dataset:file:/data/raw.csv", "-f", "json"], capsys)
    assert code == 0
    (version,) = json.loads(out)["versions"]  # the same content read twice: one version
    (reader,) = version["read_by"]  # both runs' prepare stage: one job
    assert reader.startswith("job:") and reader.endswith(":cli.prepare")
    assert version["written_by"] == []  # a source: read, never written
    code, out, _ = run(["lineage", "versions", "--kind", "model", "--name", "tiny"], capsys)
    assert code == 0 and "model:tiny: 2 version(s)" in out
    assert run(["lineage", "versions", "job:x:y"], capsys)[0] in (2, 3)


def test_columns_of_a_dataset(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["lineage", "columns", "dataset:hive://localhost:9083:test.t2", "--store", url], capsys
    )
    assert code == 0 and "<- dataset:hive://localhost:9083:" in out
    code, out, _ = run(
        ["lineage", "columns", "--namespace", "hive://localhost:9083", "--name", "test.t2",
         "--column", "nope", "--store", url],
        capsys,
    )  # fmt: skip
    assert code == 3 and "no column lineage" in _


def test_node_text_is_read_against_the_record(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    # a namespace with a port and colons in the name: every split is tried
    code, out, err = run(
        ["lineage", "dataset:kafka://kafka-cluster-prod:9092:io.openlineage.flink.kafka.output",
         "--store", url, "-f", "json"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["root"].startswith("dataset:kafka://kafka-cluster-prod:9092:")
    code, _, err = run(["lineage", "job:default:openlineage_base_simple_dag.do_nothing_tsk",
                        "--store", url], capsys)  # fmt: skip
    assert (
        code == 3 and "did you mean job:default:openlineage_base_simple_dag.do_nothing_task" in err
    )
    code, _, err = run(["lineage", "dataset:a:b", "--name", "b", "--store", url], capsys)
    assert code == 2 and "not both" in err
    code, _, err = run(["lineage", "--kind", "dataset", "--name", "b", "--store", url], capsys)
    assert code == 2 and "--namespace" in err


def test_runs_shows_imported_runs_by_producer(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["runs", "--producer", "airflow", "--store", url, "-f", "json"], capsys)
    assert code == 0
    found = json.loads(out)
    assert {r["job_name"] for r in found} == {
        "openlineage_base_simple_dag",
        "openlineage_base_simple_dag.do_nothing_task",
    }
    assert all("apache/airflow" in r["producer"] for r in found)
    code, out, _ = run(["runs", "--imported", "-n", "1000", "--store", url, "-f", "json"], capsys)
    producers = {r["producer"].split("/")[-1] for r in json.loads(out)}
    assert {"hive", "flink", "2.6.0"} <= producers
    code, out, _ = run(["runs", "--producer", "nobody", "--store", url], capsys)
    assert code == 0 and "No imported runs" in out
