"""One governed pipeline per frame engine, and the conformance of every event it yields.

Shared by tests/polars and tests/spark: the same four stages (pass, warn, quarantine,
fail) on the engine's frames, events rebuilt from the record, each validated offline
against the vendored OpenLineage schemas.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import govern
from govern.lineage.export import events
from govern.recording import close_stores
from govern.store import open_store
from tests.lineage.conftest import validate_event


def conforming_events(
    schema: Any, good: Callable[[], Any], bad: Callable[[], Any]
) -> list[dict[str, Any]]:
    """Run pass/warn/quarantine/fail stages on ``good()``/``bad()`` frames; validate events."""

    @govern.stage(inputs={"df": schema})
    def passing(df: Any) -> int:
        return 1

    @govern.stage(inputs={"df": govern.Gate(schema, severity="warn")})
    def warning(df: Any) -> int:
        return 1

    @govern.stage(inputs={"df": schema}, on_fail="quarantine")
    def quarantining(df: Any) -> int:
        return 1

    @govern.stage(inputs={"df": schema})
    def failing(df: Any) -> int:  # pragma: no cover - the gate stops it
        return 1

    with pytest.raises(govern.GateError), govern.run("engine-events") as run:
        passing(good())
        with pytest.warns(govern.GateWarning):
            warning(bad())
        quarantining(bad())
        failing(bad())
    assert [s.status for s in run.stages] == ["passed", "warned", "quarantined", "failed"]
    close_stores()
    with open_store(create=False) as store:
        produced = list(events(store))
    for event in produced:
        validate_event(event)
    assert {e["eventType"] for e in produced} >= {"START", "COMPLETE", "FAIL"}
    assertions = [
        i["inputFacets"]["dataQualityAssertions"]
        for e in produced
        for i in e.get("inputs", ())
        if "dataQualityAssertions" in i.get("inputFacets", {})
    ]
    assert any(not a["success"] for facet in assertions for a in facet["assertions"])
    return produced
