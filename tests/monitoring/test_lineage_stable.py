"""Stable's results in OpenLineage: dataQualityAssertions with the value and its bound."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import govern
from govern.lineage.export import events
from govern.recording import close_stores
from govern.store import open_store
from tests.lineage.conftest import validate_event


def test_stable_checks_are_assertions_with_observed_value_and_bound() -> None:
    stable = govern.Stable(window=5, min_history=3, metrics=["row_count", "null_fraction"])

    @govern.stage(inputs={"df": govern.Gate(stable, severity="warn")})
    def use(df: pd.DataFrame) -> int:
        return 0

    rng = np.random.default_rng(0)
    with warnings.catch_warnings(), govern.run("monitored"):
        warnings.simplefilter("ignore", govern.GateWarning)
        for rows in (1000, 1010, 990, 1005, 300):
            frame = pd.DataFrame({"x": rng.normal(size=rows)})
            use(govern.source(frame, "feed", namespace="test"))
    close_stores()
    with open_store(create=False) as store:
        produced = list(events(store))
    for event in produced:
        validate_event(event)
    found = [
        a
        for e in produced
        for i in e.get("inputs", ())
        for a in i.get("inputFacets", {}).get("dataQualityAssertions", {}).get("assertions", ())
    ]
    rows = [a for a in found if a["assertion"] == "stable:row_count"]
    assert len(rows) == 5
    assert [a["params"].get("observed") for a in rows[-2:]] == [1005.0, 300.0]
    last = rows[-1]
    assert last["success"] is False and last.get("column") is None
    assert last["params"]["lower"] > 300.0 and "outside" in last["description"]
    nulls = [a for a in found if a["assertion"] == "stable:null_fraction"]
    assert nulls and nulls[-1]["column"] == "x" and nulls[-1]["success"] is True
    assert "lower" not in nulls[-1]["params"] and nulls[-1]["params"]["upper"] >= 0.0
