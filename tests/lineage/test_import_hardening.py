"""``govern lineage import`` on hostile and unusual input: a reason per line, never a crash."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from govern.cli import main
from govern.lineage.export import events as exported
from govern.lineage.importer import import_file
from govern.lineage.ingest import MAX_DEPTH, check, clean, clean_text, keep_name
from govern.store import open_store

RUN = "0190a000-0000-7000-8000-0000000000aa"


def event(namespace: str = "postgres://db:5432", name: str = "shop.orders", **extra: Any) -> Any:
    return {
        "eventType": "COMPLETE",
        "eventTime": "2024-05-01T10:00:00Z",
        "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.20.0/integration/spark",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": RUN},
        "job": {"namespace": "spark", "name": "etl"},
        "outputs": [{"namespace": namespace, "name": name}],
        **extra,
    }


# Namespaces from the Naming spec and real producers that a URI parser mangles or rejects
KEPT = [
    "database://host:port",  # a placeholder port: urlsplit(...).port raises ValueError
    "spanner://project:instance",
    "snowflake://ASDF1234.eu-central-1.aws",
    "abfss://container@account.dfs.core.windows.net",
    "wasbs://other@account.blob.core.windows.net",
    "mysql://[2001:db8::1]:3306",
    "duckdb:///tmp/x.duckdb",
    "arn:aws:glue:us-east-1:123456789012",
    "bigquery",
    "file",
]


@pytest.mark.parametrize("namespace", KEPT)
def test_namespaces_are_kept_byte_for_byte(tmp_path: Path, namespace: str) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(event(namespace)) + "\n")
    with open_store(f"sqlite:///{tmp_path / 'g.db'}") as store:
        result = import_file(store, path)
        assert result.added == 1 and not result.invalid
        (back,) = exported(store)
    assert back["outputs"][0]["namespace"] == namespace
    assert keep_name(namespace) == namespace


def test_two_azure_containers_stay_two_datasets(tmp_path: Path) -> None:
    path = tmp_path / "two.jsonl"
    first = event("abfss://one@acct.dfs.core.windows.net", "t")
    second = event("abfss://two@acct.dfs.core.windows.net", "t")
    second["run"] = {"runId": "0190a000-0000-7000-8000-0000000000ab"}
    path.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n")
    with open_store(f"sqlite:///{tmp_path / 'g.db'}") as store:
        import_file(store, path)
        names = {(ns, n) for k, ns, n in store.lineage.names() if k == "dataset"}
    assert names == {
        ("abfss://one@acct.dfs.core.windows.net", "t"),
        ("abfss://two@acct.dfs.core.windows.net", "t"),
    }


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("postgres://etl:s3cr3t@warehouse:5432", "postgres://warehouse:5432"),
        (
            "abfss://container:key@account.dfs.core.windows.net",
            "abfss://account.dfs.core.windows.net",
        ),
        ("https://ghp_token123@github.com/org/repo", "https://github.com/org/repo"),
        ("jdbc:mysql://u:p@[2001:db8::1]:3306/db", "jdbc:mysql://[2001:db8::1]:3306/db"),
        ("login with password=hunter2 then", "login with password=*** then"),
        ("s3://bucket/key?X-Amz-Signature=abc&x=1", "s3://bucket/key?X-Amz-Signature=***&x=1"),
        ("max_tokens=5 user@example.com", "max_tokens=5 user@example.com"),
    ],
)
def test_only_credentials_are_removed(text: str, clean: str) -> None:
    assert clean_text(text) == clean


BAD = [
    ('{"eventTime": 1e999}', "too large"),
    ("[" * 5000 + "]" * 5000, "nested deeper"),
    (json.dumps(event(run={"runId": RUN, "facets": "x"})), "run.facets must be an object"),
    (json.dumps(event(run={"runId": RUN, "facets": {"parent": "x"}})), "run.facets.parent"),
    (
        json.dumps(event(run={"runId": RUN, "facets": {"parent": {"run": 3}}})),
        "run.facets.parent.run must be an object",
    ),
    (json.dumps(event(job={"namespace": "a", "name": "b", "facets": []})), "job.facets"),
    (json.dumps(event(outputs=[{"namespace": "a", "name": "b", "facets": {"x": 1}}])), "facets.x"),
    (json.dumps(event(outputs=[{"namespace": "a"}])), "outputs[0].name is missing"),
    (json.dumps(event(name="n" * 600)), "up to 512"),
    ('{"a": ' * (MAX_DEPTH + 5) + "1" + "}" * (MAX_DEPTH + 5), "nested deeper"),
    ('"just a string"', "JSON object, not str"),
    (json.dumps(event(name="a\u0000b")), "outputs[0].name holds a NUL"),
    ("1" * 5000, "not valid JSON"),
]


@pytest.mark.parametrize(("line", "reason"), BAD)
def test_bad_lines_get_a_reason_and_the_rest_is_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, reason: str
) -> None:
    assert reason in check(line)[0]
    path = tmp_path / "mixed.jsonl"
    path.write_text(line + "\n" + json.dumps(event()) + "\n")
    url = f"sqlite:///{tmp_path / 'g.db'}"
    assert main(["lineage", "import", str(path), "--store", url]) == 2
    out, err = capsys.readouterr()
    assert f"rejected {path}:1: " in err and reason in err
    assert "Traceback" not in out + err
    assert "imported 1 event(s)" in out


def _seconds(line: str) -> float:
    start = time.perf_counter()
    reason, parsed = check(line)
    assert parsed is not None, reason
    clean(parsed)
    return time.perf_counter() - start


def test_long_strings_and_lines_take_linear_time(tmp_path: Path) -> None:
    """A Spark-plan-sized string (300 KB) and a 20 MB line: bounded, and no worse than linear."""
    plan = "spark://host:1/" + "a" * 300_000 + " token: " + "b=c " * 1000
    big = event(run={"runId": RUN, "facets": {"spark.logicalPlan": {"plan": plan}}})
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps(big) + "\n")
    started = time.perf_counter()
    with open_store(f"sqlite:///{tmp_path / 'g.db'}") as store:
        assert import_file(store, path).added == 1
    assert time.perf_counter() - started < 30  # a hang guard, not a benchmark
    for chunk in ("a", "ab://", "password=", "@", "a://b@"):
        lines = [
            json.dumps(
                event(run={"runId": RUN, "facets": {"f": {"x": chunk * (size // len(chunk))}}})
            )
            for size in (100_000, 1_000_000)
        ]
        small, large = (min(_seconds(line) for _ in range(2)) for line in lines)
        assert large / max(small, 1e-4) < 40, chunk  # linear: near 10; quadratic: near 100


# -- fuzz: real events with one part replaced by any JSON value --------------------------

from functools import cache  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from govern.lineage.imported import Catalog  # noqa: E402
from govern.store.index import OPENLINEAGE_EVENT, index_ops  # noqa: E402
from tests.lineage.test_corpus import corpus  # noqa: E402

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*prefix, i))
    return found


@cache
def _small_events() -> list[str]:
    texts = [json.dumps(e) for _, e in corpus()]
    return [t for t in texts if len(t) < 6000]


@settings(max_examples=300, deadline=None)
@given(st.data(), json_values)
def test_no_mutation_of_a_real_event_crashes_the_import(data: st.DataObject, value: Any) -> None:
    event = json.loads(data.draw(st.sampled_from(_small_events())))
    path = data.draw(st.sampled_from(_paths(event)[1:]))
    target = event
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    reason, parsed = check(json.dumps(event))
    if parsed is None:
        assert reason
        return
    cleaned = clean(parsed)
    json.dumps(cleaned, allow_nan=False)
    index_ops(OPENLINEAGE_EVENT, 1, {"id": "x", "event": cleaned})  # what the store indexes
    Catalog().add(1, cleaned)  # what queries read from it
