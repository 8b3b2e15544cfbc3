"""Rebuild the corpus from git snapshots of OpenLineage/OpenLineage and MarquezProject/marquez.

    python tests/lineage/corpus/vendor.py OPENLINEAGE_GIT_DIR MARQUEZ_GIT_DIR

Reads the fixture files listed below at each snapshot's HEAD (``git show``), fills the
test matchers' placeholders (see SOURCE.md) and writes one JSON-lines file per source.
Not run by the tests: the output is committed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
_BASE = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\$\{json-unit[^}]*\}")
_RUN_EVENT = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
_CUSTOM_FACET = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/{}Facet"
_PRODUCERS = {
    "dbt.jsonl": "https://github.com/OpenLineage/OpenLineage/tree/1.53.0/integration/dbt",
    "flink.jsonl": "https://github.com/OpenLineage/OpenLineage/tree/1.53.0/integration/flink",
    "spark.jsonl": "https://github.com/OpenLineage/OpenLineage/tree/1.53.0/integration/spark",
    "hive.jsonl": "https://github.com/OpenLineage/OpenLineage/tree/1.53.0/integration/hive",
    "airflow.jsonl": "https://github.com/apache/airflow/tree/providers-openlineage/2.6.0",
}
_DROP = object()
_ENVELOPE = ("producer", "_producer", "schemaURL", "_schemaURL")
_TIMES = {
    "{{RUN_START_TIME}}": 0,
    **{f"{{{{RUN_END_TIME_AFTER_{n}_MINUTES}}}}": n for n in range(1, 11)},
}


def _git(repo: str, *args: str) -> str:
    if repo == "raw":  # files kept in raw/ (from a repository too large to fetch whole)
        if args[0] == "ls-tree":
            return "\n".join(p.name for p in (HERE / "raw").glob("*.json"))
        return (HERE / "raw" / args[-1].removeprefix("HEAD:")).read_text(encoding="utf-8")
    return subprocess.run(
        ["git", "--git-dir", repo, *args], check=True, capture_output=True, text=True
    ).stdout


def _files(repo: str, pattern: str) -> list[str]:
    names = _git(repo, "ls-tree", "-r", "--name-only", "HEAD").split()
    return sorted(n for n in names if re.fullmatch(pattern, n))


def _run_id(source: str, *parts: Any) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join([source, *map(str, parts)])))


def _fill(value: Any, source: str, job: tuple[str, str], path: tuple[str, ...], n: int) -> Any:
    """Replace a test matcher's placeholder with a deterministic value of the right kind."""
    if isinstance(value, dict):
        filled = {
            k: _fill(v, source, _job_of(value, path, job), (*path, k), n) for k, v in value.items()
        }
        return {k: v for k, v in filled.items() if v is not _DROP}
    if isinstance(value, list):
        return [_fill(v, source, job, (*path, str(i)), n) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value
    if value in _TIMES:
        return (_BASE + timedelta(minutes=_TIMES[value], seconds=n)).isoformat()
    if not _PLACEHOLDER.search(value):
        return value
    if path and path[-1] in _ENVELOPE:
        return _DROP  # a matcher of the producer or schema URL: _complete adds the real one
    if path and path[-1] == "namespace":
        return "default"  # Airflow's default OpenLineage namespace
    if path and path[-1] == "runId":
        return _run_id(source, *job)
    if path and path[-1] in ("eventTime", "creationTime", "nominalStartTime", "nominalEndTime"):
        return (_BASE + timedelta(seconds=n)).isoformat()
    return _PLACEHOLDER.sub("x", value)


def _job_of(obj: dict[str, Any], path: tuple[str, ...], job: tuple[str, str]) -> tuple[str, str]:
    """Whose runId a placeholder stands for: the (parent/root) job beside it."""
    inner = obj.get("job")
    if isinstance(inner, dict) and path and path[-1] in ("parent", "root"):
        return (str(inner.get("namespace")), str(inner.get("name")))
    return job


def _facet_urls(spec: Path) -> dict[str, str]:
    """Standard facet key -> its schema URL, from the vendored spec's facet files."""
    urls = {}
    for path in spec.glob("facets/*.json"):
        schema = json.loads(path.read_text())
        for key in schema.get("properties", {}):
            urls[key] = schema["$id"] + "#/$defs/" + path.stem
    return urls


_URLS = _facet_urls(HERE.parent / "spec" / "spec")


def _complete(event: dict[str, Any], producer: str, n: int) -> dict[str, Any]:
    """Add what a test matcher leaves out and every real event carries (SOURCE.md).

    Names and namespaces are never added: a matcher without them stays invalid.
    """
    event.setdefault("eventTime", (_BASE + timedelta(seconds=n)).isoformat())
    event.setdefault("producer", producer)
    event.setdefault("schemaURL", _RUN_EVENT)
    run = event.get("run")
    job = event.get("job") or {}
    if isinstance(run, dict) and "runId" not in run:
        run["runId"] = _run_id(producer, job.get("namespace"), job.get("name"))
    places = [(run, "facets", "Run"), (job, "facets", "Job")]
    for side, extra in (("inputs", "inputFacets"), ("outputs", "outputFacets")):
        for dataset in event.get(side) or ():
            places += [
                (dataset, "facets", "Dataset"),
                (dataset, extra, side[:-1].title() + "Dataset"),
            ]
    for owner, key, kind in places:
        facets = owner.get(key) if isinstance(owner, dict) else None
        for name, facet in (facets or {}).items():
            if isinstance(facet, dict):
                facet.setdefault("_producer", event["producer"])
                facet.setdefault("_schemaURL", _URLS.get(name, _CUSTOM_FACET.format(kind)))
    return event


def _events(repo: str, name: str) -> list[dict[str, Any]]:
    data = json.loads(_git(repo, "show", f"HEAD:{name}"))
    events = data if isinstance(data, list) else [data]
    out = []
    for n, event in enumerate(e for e in events if isinstance(e, dict)):
        job = event.get("job") or {}
        key = (str(job.get("namespace")), str(job.get("name")))
        out.append(_fill(event, name, key, (), n))
    return out


SOURCES = {
    "openlineage-examples.jsonl": (
        0,
        r"client/python/tests/(example_full_event|serde_example_\w+)\.json"
        r"|spec/tests/example_full_event\.json|proxy/fluentd/docker/test-\w+\.json",
    ),
    "dbt.jsonl": (
        0,
        r"integration/common/tests/dbt/.*result\.json"
        r"|integration/common/tests/dbt/structured_logs/.*_ol_events\.json",
    ),
    "flink.jsonl": (0, r"integration/flink/flink[12]/src/test/resources/events/.*\.json"),
    "spark.jsonl": (0, r"integration/spark/app/integrations/container/.*\.json"),
    "hive.jsonl": (0, r"integration/hive/hive-openlineage-hook/integrations/container/.*\.json"),
    "airflow.jsonl": (2, r"airflow_.*\.json"),
    "marquez.jsonl": (
        1,
        r"api/src/test/resources/(open_lineage|apples)/.*\.json|docker/metadata\.template\.json",
    ),
}


def main(openlineage: str, marquez: str) -> None:
    repos = (openlineage, marquez, "raw")
    for out, (which, pattern) in SOURCES.items():
        lines = []
        for name in _files(repos[which], pattern):
            try:
                events = _events(repos[which], name)
            except json.JSONDecodeError:
                continue
            if out in _PRODUCERS:
                events = [_complete(e, _PRODUCERS[out], n) for n, e in enumerate(events)]
            lines += [json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in events]
        (HERE / out).write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{out}: {len(lines)} events")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
