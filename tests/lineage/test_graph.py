"""Lineage queries over the store's index tables: version-precise, both directions."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from govern.errors import LineageError
from govern.ids import uuid7
from govern.lineage.graph import Edge, LineageGraph, Node, lineage, parse_node, run_graph
from govern.lineage.importer import import_file
from govern.lineage.render import tree
from govern.store import Store, open_store
from govern.types import (
    DatasetKind,
    DatasetRef,
    DatasetVersion,
    ModelRef,
    OnFail,
    RunInfo,
    RunStatus,
    StageResult,
    Status,
)
from tests.store import factories as f

NS = "proj"
SRC = DatasetRef("file", "/data/penguins.csv", DatasetKind.SOURCE)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(str(tmp_path / "g.db")) as opened:
        yield opened


def out(name: str, fp: str | None) -> DatasetVersion:
    ref = DatasetRef(NS, name, DatasetKind.STAGE_OUTPUT)
    return DatasetVersion(ref, "output", "return", fp, 10)


def inp(ref: DatasetRef, fp: str | None, parameter: str = "df") -> DatasetVersion:
    return DatasetVersion(ref, "input", parameter, fp, 10)


def begin(store: Store, name: str = "p") -> RunInfo:
    run = RunInfo(uuid7(), name, NS, RunStatus.RUNNING, datetime.now(UTC), pid=None)
    store.begin_run(run)
    return run


def stage(
    store: Store,
    run: RunInfo,
    name: str,
    datasets: Sequence[DatasetVersion],
    *,
    model: str | None = None,
    used: Sequence[ModelRef] = (),
) -> StageResult:
    sid = uuid7()
    now = datetime.now(UTC)
    result = StageResult(
        stage=name,
        run_id=run.id,
        stage_run_id=sid,
        status=Status.PASSED,
        on_fail=OnFail.RAISE,
        started_at=now,
        ended_at=now + timedelta(milliseconds=5),
        datasets=tuple(datasets),
        model=None if model is None else f.model_version(run.id, sid, name=model),
        models_used=tuple(used),
    )
    return store.record_stage(result)


def clean_ref(pipeline: str = "p") -> DatasetRef:
    return DatasetRef(NS, f"{pipeline}.clean.return", DatasetKind.STAGE_OUTPUT)


def two_versions(store: Store) -> tuple[RunInfo, RunInfo]:
    """Run 1 trains m@1 from source version A; run 2 trains m@2 from version B."""
    runs = []
    for src, clean in (("A", "C1"), ("B", "C2")):
        run = begin(store)
        stage(store, run, "clean", [inp(SRC, src, "raw"), out("p.clean.return", clean)])
        stage(store, run, "train", [inp(clean_ref(), clean)], model="m")
        runs.append(run)
    return runs[0], runs[1]


def ids(graph: LineageGraph, kind: str) -> set[str]:
    return {n.id for n in graph.nodes if n.kind == kind}


def test_node_syntax() -> None:
    assert parse_node("dataset:file:/data/x.csv") == Node("dataset", "file", "/data/x.csv")
    assert parse_node("dataset:s3://bucket:raw/2024/x.parquet") == Node(
        "dataset", "s3://bucket", "raw/2024/x.parquet"
    )
    assert parse_node("dataset:postgres://db:5432:shop.public.orders") == Node(
        "dataset", "postgres://db:5432", "shop.public.orders"
    )
    assert parse_node("job:proj:p.clean") == Node("job", "proj", "p.clean")
    assert parse_node("model:m@3") == Node("model", "", "m", "3")
    assert parse_node("model:m@latest") == parse_node("model:m") == Node("model", "", "m")
    for text in ("m", "model:", "model:m@x", "table:a:b", "dataset:only", "job::x"):
        with pytest.raises(LineageError, match="node"):
            parse_node(text)
    assert str(Node("dataset", "file", "/x", "v1")) == "dataset:file:/x"
    assert str(Node("job", "proj", "p.clean")) == "job:proj:p.clean"
    assert str(Node("model", "proj", "m", "3")) == "model:m@3"
    assert Node("dataset", "file", "/x", "v1").id == "dataset:file:/x@v1"


def test_upstream_of_a_model_version_follows_its_own_run(store: Store) -> None:
    two_versions(store)
    first = lineage(store, "model:m@1")
    assert first.root == Node("model", NS, "m", "1")
    assert ids(first, "dataset") == {
        "dataset:file:/data/penguins.csv@A",
        "dataset:proj:p.clean.return@C1",
    }
    assert ids(first, "job") == {"job:proj:p.clean", "job:proj:p.train"}
    assert Edge(Node("job", NS, "p.train"), Node("model", NS, "m", "1")) in first.edges
    latest = lineage(store, "model:m")  # the latest version, like `govern models show`
    assert latest.root == Node("model", NS, "m", "2")
    assert "dataset:file:/data/penguins.csv@B" in ids(latest, "dataset")
    assert "dataset:file:/data/penguins.csv@A" not in ids(latest, "dataset")


def test_downstream_of_a_file_reaches_every_model_built_from_it(store: Store) -> None:
    _, second = two_versions(store)
    serve = begin(store, "serve")
    stage(store, serve, "score", [out("serve.score.return", "S")], used=[ModelRef("m", 2)])
    graph = lineage(store, "dataset:file:/data/penguins.csv", direction="downstream")
    assert graph.root == Node("dataset", "file", "/data/penguins.csv")
    assert ids(graph, "model") == {"model:m@1", "model:m@2"}
    assert "job:proj:serve.score" in ids(graph, "job")
    assert "dataset:proj:serve.score.return@S" in ids(graph, "dataset")
    used = lineage(store, "model:m@1", direction="downstream")
    assert ids(used, "job") == set()  # nobody used version 1
    assert ids(lineage(store, "model:m@2", direction="downstream"), "job") == {
        "job:proj:serve.score"
    }
    assert second.id


def test_interleaved_runs_of_one_pipeline_stay_apart(store: Store) -> None:
    """Two runs at once: each stage links to the output of its own run, not the latest."""
    one, two = begin(store), begin(store)
    stage(store, one, "clean", [inp(SRC, "A", "raw"), out("p.clean.return", "C1")])
    stage(store, two, "clean", [inp(SRC, "B", "raw"), out("p.clean.return", "C2")])
    # run one's train reads its clean output through an ungated frame (no fingerprint)
    stage(store, one, "train", [inp(clean_ref(), None)], model="m")
    stage(store, two, "train", [inp(clean_ref(), "C2")], model="m")
    graph = lineage(store, "model:m@1")
    assert "dataset:file:/data/penguins.csv@A" in ids(graph, "dataset")
    assert "dataset:file:/data/penguins.csv@B" not in ids(graph, "dataset")


def test_depth_counts_job_hops(store: Store) -> None:
    two_versions(store)
    assert lineage(store, "model:m@1", depth=0).nodes == (Node("model", NS, "m", "1"),)
    one = lineage(store, "model:m@1", depth=1)
    assert ids(one, "job") == {"job:proj:p.train"}
    assert ids(one, "dataset") == {"dataset:proj:p.clean.return@C1"}
    assert len(lineage(store, "model:m@1", depth=2).nodes) == 5


def test_a_job_node_and_both_directions(store: Store) -> None:
    two_versions(store)
    graph = lineage(store, "job:proj:p.clean", direction="both")
    assert ids(graph, "model") == {"model:m@1", "model:m@2"}
    assert {"dataset:file:/data/penguins.csv@A", "dataset:file:/data/penguins.csv@B"} <= ids(
        graph, "dataset"
    )


def test_run_graph_is_one_run(store: Store) -> None:
    first, _ = two_versions(store)
    graph = run_graph(store, first.id)
    assert graph.root is None
    assert ids(graph, "model") == {"model:m@1"}
    assert ids(graph, "dataset") == {
        "dataset:file:/data/penguins.csv@A",
        "dataset:proj:p.clean.return@C1",
    }
    assert len(graph.edges) == 4


def test_imported_events_join_the_graph(store: Store, tmp_path: Path) -> None:
    """An Airflow task that exported the file links a govern model to a database table."""
    two_versions(store)
    event = {
        "eventType": "COMPLETE",
        "eventTime": "2024-01-01T00:00:00+00:00",
        "producer": "https://github.com/apache/airflow/tree/providers-openlineage/1.0.0",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": "018cc251-f400-7000-8000-000000000001"},
        "job": {"namespace": "airflow", "name": "export.penguins"},
        "inputs": [{"namespace": "postgres://db:5432", "name": "zoo.public.penguins"}],
        "outputs": [{"namespace": "file", "name": "/data/penguins.csv"}],
    }
    path = tmp_path / "airflow.jsonl"
    path.write_text(json.dumps(event) + "\n")
    assert import_file(store, path).added == 1
    up = lineage(store, "model:m@1")
    assert "job:airflow:export.penguins" in ids(up, "job")
    assert "dataset:postgres://db:5432:zoo.public.penguins" in ids(up, "dataset")
    down = lineage(store, "dataset:postgres://db:5432:zoo.public.penguins", direction="downstream")
    assert ids(down, "model") == {"model:m@1", "model:m@2"}


def test_unknown_nodes_are_explained(store: Store) -> None:
    two_versions(store)
    with pytest.raises(LineageError, match=r"did you mean dataset:proj:p\.clean\.return"):
        lineage(store, "dataset:proj:p.clean.retrun")
    with pytest.raises(LineageError, match=r"is a pipeline: .*job:proj:p\.clean"):
        lineage(store, "job:proj:p")
    with pytest.raises(LineageError, match="no version 9; recorded: 1, 2"):
        lineage(store, "model:m@9")
    with pytest.raises(LineageError, match="direction"):
        lineage(store, "model:m", direction="sideways")  # type: ignore[arg-type]
    with pytest.raises(LineageError, match="depth"):
        lineage(store, "model:m", depth=-1)


def test_renderings(store: Store) -> None:
    two_versions(store)
    graph = lineage(store, "model:m@1")
    data = json.loads(json.dumps(graph.to_dict()))
    assert data["root"] == "model:m@1"
    assert {n["id"] for n in data["nodes"]} == {n.id for n in graph.nodes}
    assert len(data["edges"]) == len(graph.edges)
    mermaid = graph.to_mermaid()
    assert mermaid.startswith("flowchart LR\n") and '{{"model:m@1"}}' in mermaid
    assert mermaid.count("-->") == len(graph.edges)
    text = tree(graph)
    assert text.splitlines()[0] == "model:m@1"
    assert "└── job:proj:p.train" in text and "dataset:file:/data/penguins.csv @ A" in text


def test_a_graph_of_many_runs_answers_with_one_run(store: Store) -> None:
    """History does not leak into a version's lineage (what makes queries cheap)."""
    for i in range(30):
        run = begin(store)
        stage(store, run, "clean", [inp(SRC, f"S{i}", "raw"), out("p.clean.return", f"C{i}")])
        stage(store, run, "train", [inp(clean_ref(), f"C{i}")], model="m")
    graph = lineage(store, "model:m@17")
    assert ids(graph, "dataset") == {
        "dataset:file:/data/penguins.csv@S16",
        "dataset:proj:p.clean.return@C16",
    }
