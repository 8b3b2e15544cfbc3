"""Datasets with no storage location follow the Naming spec (``inmemory://``) in events."""

from __future__ import annotations

import pytest

from govern.lineage.export import events
from govern.store import open_store
from tests.lineage.conftest import validate_event
from tests.lineage.test_cli import pipeline


def test_stage_outputs_and_models_are_in_memory_sources_keep_theirs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pipeline()  # raw.csv -> prepare -> fit -> model "tiny"
    with open_store() as store:
        found = list(events(store))
        namespace = store.runs(limit=1)[0].namespace
    names = set()
    for event in found:
        validate_event(event)
        names.update((d["namespace"], d["name"]) for d in event.get("inputs", ()))
        names.update((d["namespace"], d["name"]) for d in event.get("outputs", ()))
    assert ("file", "/data/raw.csv") in names  # a stored dataset keeps its namespace
    assert ("inmemory://", f"{namespace}/cli.prepare.return") in names
    assert ("inmemory://", f"{namespace}/tiny") in names
    assert not any(ns == namespace for ns, _ in names)  # nothing borrows the job namespace
