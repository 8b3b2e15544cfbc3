"""Lineage fixtures: an offline OpenLineage validator, delivery cleanup, small pipelines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

import govern
from govern.lineage import delivery
from govern.recording import close_stores
from tests.conftest import REPO_ROOT
from tests.store.conftest import backend, pg_server, store_url  # noqa: F401  (fixtures)

SPEC = Path(__file__).parent / "spec" / "spec"
SHIPPED = REPO_ROOT / "govern" / "lineage" / "schemas"

# Schema URLs validated against another published version: none any more. (govern used to
# emit dataQualityMetrics as 1-0-1, the client's name for a version the spec never
# published; it now names 1-0-0.) An entry maps a URL to (the URL to validate against,
# the extra fields tolerated).
KNOWN_GAPS: dict[str, tuple[str, set[str]]] = {}
FACET_PLACES = (
    ("run", "facets"),
    ("job", "facets"),
)


@lru_cache(maxsize=1)
def registry() -> Registry:
    """Every vendored spec file and every shipped govern schema, keyed by its $id."""
    resources = []
    for path in [*SPEC.rglob("*.json"), *SHIPPED.glob("*.json")]:
        contents = json.loads(path.read_text())
        resources.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(resources)


def _validator(ref: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": ref}, registry=registry(), format_checker=FormatChecker())


def facets_of(event: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, key, facet) for every facet of an event."""
    for part, key in FACET_PLACES:
        for name, facet in (event.get(part, {}).get(key) or {}).items():
            yield f"{part}.{key}", name, facet
    for side, extra in (("inputs", "inputFacets"), ("outputs", "outputFacets")):
        for i, dataset in enumerate(event.get(side) or ()):
            for key in ("facets", extra):
                for name, facet in (dataset.get(key) or {}).items():
                    yield f"{side}[{i}].{key}", name, facet


def validate_event(event: dict[str, Any]) -> list[str]:
    """Validate against the official schemas, each facet against its own ``_schemaURL``.

    Returns the facet schema URLs used (so tests can see what was covered).
    """
    _validator("https://openlineage.io/spec/2-0-2/OpenLineage.json").validate(event)
    used = []
    for where, name, facet in facets_of(event):
        url = facet["_schemaURL"]
        base, _, fragment = url.partition("#")
        if base in KNOWN_GAPS:
            base, tolerated = KNOWN_GAPS[base]
            known = set(_facet_properties(base + "#" + fragment))
            extra = set(facet) - known - tolerated - {"_producer", "_schemaURL", "_deleted"}
            assert not extra, f"{where}.{name}: {sorted(extra)} beyond the known 1-0-1 gap"
        _validator(base + "#" + fragment).validate(facet)
        used.append(url)
    return used


def _facet_properties(ref: str) -> dict[str, Any]:
    resolved = registry().resolver().lookup(ref).contents
    props: dict[str, Any] = {}
    for part in resolved.get("allOf", []):
        props.update(part.get("properties", {}))
    return props


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(autouse=True)
def _stop_delivery() -> Iterator[None]:
    """Each test ends its delivery threads and closes its stores."""
    yield
    delivery.shutdown(timeout=5.0)
    close_stores()


@pytest.fixture
def events_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Deliver to a JSON-lines file through the client's file transport (env config)."""
    path = tmp_path / "lineage" / "events.jsonl"
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TYPE", "file")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__LOG_FILE_PATH", str(path))
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__APPEND", "true")
    govern.config.reset()
    return path


def flush() -> None:
    """Deliver what is owed now (the interpreter-exit flush, called early)."""
    delivery.shutdown(timeout=20.0)
