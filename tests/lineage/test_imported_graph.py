"""What producers send beyond inputs and outputs: parents, symlinks, drops, columns, writers."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from govern.cli import main
from govern.lineage.graph import lineage, names
from govern.lineage.imported import catalog, column_lineage
from govern.lineage.importer import import_file
from govern.lineage.nodes import Edge, Node
from govern.store import Store, open_store
from tests.lineage.test_corpus import FILES, corpus, spec_valid

AIRFLOW_TASK = ("default", "openlineage_base_simple_dag.do_nothing_task")
AIRFLOW_DAG = ("default", "openlineage_base_simple_dag")


def airflow_task_run() -> str:
    for _, event in corpus():
        job = event.get("job") or {}
        if (job.get("namespace"), job.get("name")) == AIRFLOW_TASK:
            return str(event["run"]["runId"])
    raise AssertionError("no Airflow task event in the corpus")


def spark_run_launched_by_airflow() -> list[dict[str, Any]]:
    """A real Spark START/COMPLETE pair, its parent facet pointed at the Airflow task.

    That is what the Airflow provider's Spark integration does (it passes the task's
    namespace, name and run id as spark.openlineage.parentJob*/parentRunId).
    """
    spark = [
        e
        for f, e in corpus()
        if f == "spark.jsonl" and spec_valid(e) and e.get("outputs") and "run" in e
    ]
    first = spark[0]
    pair = [e for e in spark if e["run"]["runId"] == first["run"]["runId"]]
    parent = {
        "_producer": first["producer"],
        "_schemaURL": "https://openlineage.io/spec/facets/1-1-0/ParentRunFacet.json#/$defs/ParentRunFacet",
        "job": {"namespace": AIRFLOW_TASK[0], "name": AIRFLOW_TASK[1]},
        "run": {"runId": airflow_task_run()},
    }
    launched = []
    for event in pair:
        event = copy.deepcopy(event)
        event["run"].setdefault("facets", {})["parent"] = parent
        launched.append(event)
    return launched


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("imported")
    extra = root / "spark-under-airflow.jsonl"
    extra.write_text("".join(json.dumps(e) + "\n" for e in spark_run_launched_by_airflow()))
    with open_store(f"sqlite:///{root / 'g.db'}") as opened:
        for path in [*FILES, extra]:
            import_file(opened, path)
        yield opened


def test_a_spark_run_launched_by_an_airflow_task_shows_under_it(store: Store) -> None:
    spark = spark_run_launched_by_airflow()[0]["job"]
    task, dag = Node("job", *AIRFLOW_TASK), Node("job", *AIRFLOW_DAG)
    child = Node("job", spark["namespace"], spark["name"])
    graph = lineage(store, str(task))
    assert Edge(task, child) in graph.parents  # Airflow (producer 1) launched Spark (2)
    assert Edge(dag, task) in graph.parents  # and the DAG launched the task
    from_spark = lineage(store, child)
    assert Edge(task, child) in from_spark.parents
    assert {"parent": str(task), "child": str(child)} in from_spark.to_dict()["parents"]


def test_jobs_without_inputs_or_outputs_are_nodes(store: Store) -> None:
    jobs = {(ns, n) for k, ns, n in names(store) if k == "job"}
    for _, event in corpus():
        if spec_valid(event) and "job" in event:
            assert (event["job"]["namespace"], event["job"]["name"]) in jobs
    assert lineage(store, Node("job", *AIRFLOW_DAG)).nodes  # no inputs, no outputs: still there


def test_a_symlink_finds_its_dataset(store: Store) -> None:
    recorded = {(ns, n) for k, ns, n in store.lineage.names() if k == "dataset"}
    aliases = catalog(store).aliases
    checked = 0
    for alias, targets in aliases.items():
        if alias in recorded or len(targets) != 1:
            continue
        (target,) = targets
        assert lineage(store, Node("dataset", *alias)).root == Node("dataset", *target)
        checked += 1
    assert checked >= 3  # e.g. Flink's Kafka topics, named also as catalog tables


def test_column_lineage_is_queryable_per_column(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    everything = column_lineage(store, "hive://localhost:9083", "test.monthly_transaction_summary")
    assert len({link.field for link in everything}) > 1
    one = everything[0].field
    only = column_lineage(store, "hive://localhost:9083", "test.monthly_transaction_summary", one)
    assert only and all(link.field == one for link in only)
    assert all(link.input_namespace == "hive://localhost:9083" for link in everything)


RUN = "0190a000-0000-7000-8000-0000000000{:02x}"


def _event(n: int, job: str, when: str, **sides: Any) -> dict[str, Any]:
    return {
        "eventType": "COMPLETE",
        "eventTime": when,
        "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.53.0/integration/spark",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": RUN.format(n)},
        "job": {"namespace": "spark", "name": job},
        **sides,
    }


def _write(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


DATA = {"namespace": "s3://lake", "name": "shared/table"}


def test_a_drop_is_not_a_write_and_every_writer_is_kept(tmp_path: Path) -> None:
    drop = {
        **DATA,
        "facets": {
            "lifecycleStateChange": {
                "_producer": "https://example.com",
                "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/LifecycleStateChangeDatasetFacet.json",
                "lifecycleStateChange": "DROP",
            }
        },
    }
    events = [
        _event(1, "writer_a", "2024-05-01T10:00:00Z", outputs=[DATA]),
        _event(2, "writer_b", "2024-05-01T10:01:00Z", outputs=[DATA]),
        _event(3, "dropper", "2024-05-01T10:02:00Z", outputs=[drop]),
        _event(4, "reader", "2024-05-01T10:03:00Z", inputs=[DATA]),
    ]
    with open_store(f"sqlite:///{tmp_path / 'g.db'}") as store:
        import_file(store, _write(tmp_path / "e.jsonl", events))
        up = lineage(store, "job:spark:reader")
        writers = {e.source.name for e in up.edges if e.target.kind == "dataset"}
        assert writers == {"writer_a", "writer_b"}  # both writers; the DROP is neither
        of_data = lineage(store, "dataset:s3://lake:shared/table", depth=1)
        assert {e.source.name for e in of_data.edges} == {"writer_a", "writer_b"}


def test_nodes_with_any_namespace_are_addressable_from_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    odd = [
        ("duckdb:///tmp/x.duckdb", "main.t"),
        ("arn:aws:glue:us-east-1:123456789012", "table/db/t"),
        ("mysql://[2001:db8::1]:3306", "shop.orders"),
        ("database://host:port", "x:y"),
    ]
    events = [
        _event(i, f"job{i}", "2024-05-01T10:00:00Z", outputs=[{"namespace": ns, "name": n}])
        for i, (ns, n) in enumerate(odd, 1)
    ]
    url = f"sqlite:///{tmp_path / 'g.db'}"
    assert (
        main(["lineage", "import", str(_write(tmp_path / "e.jsonl", events)), "--store", url]) == 0
    )
    for i, (namespace, name) in enumerate(odd, 1):
        capsys.readouterr()
        code = main(
            [
                "lineage",
                "show",
                "--kind",
                "dataset",
                "--namespace",
                namespace,
                "--name",
                name,
                "--store",
                url,
                "-f",
                "json",
            ]
        )
        out = capsys.readouterr().out
        assert code == 0
        assert json.loads(out)["root"] == f"dataset:{namespace}:{name}"
        assert f"job:spark:job{i}" in out
    assert (
        main(
            [
                "lineage",
                "show",
                "--kind",
                "dataset",
                "--namespace",
                "mysql://[2001:db8::1]:3306",
                "--name",
                "shop.order",
                "--store",
                url,
            ]
        )
        == 3
    )
    assert "did you mean dataset:mysql://[2001:db8::1]:3306:shop.orders" in capsys.readouterr().err


def test_node_text_with_colons_in_the_namespace_works_from_python(tmp_path: Path) -> None:
    data = {"namespace": "database://host:port", "name": "x:y"}
    with open_store(f"sqlite:///{tmp_path / 'g.db'}") as store:
        import_file(
            store,
            _write(tmp_path / "e.jsonl", [_event(9, "w", "2024-05-01T10:00:00Z", outputs=[data])]),
        )
        graph = lineage(store, "dataset:database://host:port:x:y")
        assert graph.root == Node("dataset", "database://host:port", "x:y")
