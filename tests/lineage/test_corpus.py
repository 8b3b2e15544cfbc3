"""Real producers' events (tests/lineage/corpus, see its SOURCE.md) through import and export.

Every event the OpenLineage JSON Schema accepts is imported, exported with its identity
(job, datasets, symlinks, parent and root jobs) byte for byte, and no line -- valid or
not -- ends in a traceback.
"""

from __future__ import annotations

import collections
import json
from functools import cache
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pytest

from govern.cli import main
from govern.lineage.export import events as exported
from govern.lineage.importer import import_file
from govern.store import open_store
from tests.lineage.conftest import _validator

CORPUS = Path(__file__).parent / "corpus"
FILES = sorted(CORPUS.glob("*.jsonl"))


@cache
def corpus() -> list[tuple[str, dict[str, Any]]]:
    return [
        (path.name, json.loads(line))
        for path in FILES
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def spec_valid(event: dict[str, Any]) -> bool:
    return _valid(json.dumps(event, sort_keys=True))


@cache
def _valid(text: str) -> bool:
    validator = _validator("https://openlineage.io/spec/2-0-2/OpenLineage.json")
    return not any(True for _ in validator.iter_errors(json.loads(text)))


def identity(event: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (namespace, name) of an event, in a fixed order."""
    found: list[Any] = [event.get("job"), event.get("dataset")]
    parent = ((event.get("run") or {}).get("facets") or {}).get("parent") or {}
    found += [parent.get("job"), (parent.get("root") or {}).get("job")]
    for dataset in [*(event.get("inputs") or ()), *(event.get("outputs") or ())]:
        found.append(dataset)
        found += ((dataset.get("facets") or {}).get("symlinks") or {}).get("identifiers") or ()
    return [(f.get("namespace"), f.get("name")) for f in found if isinstance(f, dict)]


def test_the_corpus_is_real_and_varied() -> None:
    valid = [(f, e) for f, e in corpus() if spec_valid(e)]
    producers = collections.Counter(f for f, _ in valid)
    assert len(valid) >= 100
    assert {"dbt.jsonl", "spark.jsonl", "hive.jsonl", "flink.jsonl", "marquez.jsonl"} <= set(
        producers
    )
    assert (CORPUS / "SOURCE.md").read_text().count("Apache") >= 2


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The whole corpus imported into one SQLite store, then exported."""
    root = tmp_path_factory.mktemp("corpus")
    url = f"sqlite:///{root / 'govern.db'}"
    results = {}
    with open_store(url) as store:
        for path in FILES:
            results[path.name] = import_file(store, path)
        out = list(exported(store))
    return {"url": url, "results": results, "exported": out}


def test_every_spec_valid_event_is_imported_and_no_line_crashes(imported: dict[str, Any]) -> None:
    for path in FILES:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        result = imported["results"][path.name]
        rejected = {i.line: i.reason for i in result.invalid}
        for number, line in enumerate(lines, 1):
            if spec_valid(json.loads(line)):
                assert number not in rejected, f"{path.name}:{number}: {rejected.get(number)}"
            elif number in rejected:
                assert rejected[number]  # a reason, not a traceback
        assert result.added + result.duplicates + len(result.invalid) == len(lines)


def test_import_then_export_keeps_every_identity_byte_for_byte(imported: dict[str, Any]) -> None:
    sent = collections.Counter(json.dumps(identity(e)) for _, e in corpus() if spec_valid(e))
    back = collections.Counter(json.dumps(identity(e)) for e in imported["exported"])
    assert set(sent) <= set(back)
    namespaces = {ns for key in back for ns, _ in json.loads(key)}
    # the cases the Naming spec allows and a URI parser would "normalize"
    assert "snowflake://ASDF1234.eu-central-1.aws" in namespaces
    assert "postgres://POSTGRES_HOST:1234" in namespaces
    assert "duckdb:///database/jaffle_shop.duckdb" in namespaces


def test_the_cli_imports_every_file_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for path in FILES:
        code = main(["lineage", "import", str(path), "--store", url, "--skip-invalid"])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert "Traceback" not in out + err


def test_the_corpus_and_hostile_lines_import_on_every_backend(store_url: str) -> None:
    """SQLite and PostgreSQL alike: the same events in, the same rejections, no error."""
    from tests.lineage.test_import_hardening import BAD

    results = {}
    with open_store(store_url) as store:
        for path in FILES:
            results[path.name] = import_file(store, path)
        with TemporaryDirectory() as tmp:
            bad = Path(tmp) / "hostile.jsonl"
            bad.write_text("".join(line + "\n" for line, _ in BAD), encoding="utf-8")
            rejected = import_file(store, bad)
        assert store.verify().ok
    assert len(rejected.invalid) == len(BAD) and rejected.added == 0
    valid = collections.Counter(f for f, e in corpus() if spec_valid(e))
    for name, result in results.items():
        assert result.added + result.duplicates >= valid[name]
