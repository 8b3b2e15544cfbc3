"""In-process identity: a frame derived between stages keeps a lineage edge to its sources.

``x = one(src); x = x[x.a > 0]; two(x)``: ``two``'s input is not ``one``'s output (other
content, its own version), but the record shows it derived from that output through an
implicit step. The corpus below is the table in docs/lineage.md ("Identity"): each
between-stage pattern, and whether the edge survives it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest

import govern
from govern.types import DatasetKind, DatasetRef, StageResult

Anything = pa.DataFrameSchema()


@govern.stage(outputs=Anything)
def one(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(a=df["k"] - 2)


@govern.stage(outputs=Anything)
def other(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(b=df["k"] * 10)


@govern.stage(inputs={"df": Anything})
def two(df: pd.DataFrame) -> int:
    return len(df)


def parents(result: StageResult) -> set[str]:
    """Names of the datasets the input ``df`` of ``result`` was derived from."""
    return {
        d.ref.name
        for d in result.datasets
        if d.role == "input" and d.parameter == "df (derived from)"
    }


def the_input(result: StageResult) -> Any:
    return next(d for d in result.datasets if d.role == "input" and d.parameter == "df")


PANDAS: dict[str, tuple[Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame], set[str]]] = {
    "filter": (lambda x, y: x[x.a > 0], {"x"}),
    "assign": (lambda x, y: x.assign(c=1), {"x"}),
    "setitem on a copy": (lambda x, y: x.copy().pipe(lambda d: d.__setitem__("c", 2) or d), {"x"}),
    "rename": (lambda x, y: x.rename(columns={"a": "z"}), {"x"}),
    "astype": (lambda x, y: x.astype({"k": "float64"}), {"x"}),
    "merge of two governed frames": (lambda x, y: x.merge(y, on="k"), {"x", "y"}),
    "join of two governed frames": (
        lambda x, y: x.set_index("k").join(y.set_index("k")[["b"]]),
        {"x", "y"},
    ),
    "concat of two governed frames": (lambda x, y: pd.concat([x, y]), {"x", "y"}),
    "groupby-agg": (lambda x, y: x.groupby("c", as_index=False).agg(a=("a", "sum")), {"x"}),
    "copy": (lambda x, y: x.copy(), {"x"}),
    "sample": (lambda x, y: x.sample(2, random_state=0), {"x"}),
    "head": (lambda x, y: x.head(2), {"x"}),
    "reset_index": (lambda x, y: x[x.a > 0].reset_index(drop=True), {"x"}),
    "sort_values": (lambda x, y: x.sort_values("a", ascending=False), {"x"}),
    "dropna": (lambda x, y: x.dropna(), {"x"}),
    "fillna": (lambda x, y: x.fillna(0), {"x"}),
    "query": (lambda x, y: x.query("a > 0"), {"x"}),
    "loc": (lambda x, y: x.loc[x.a > 0, ["k", "a"]], {"x"}),
    "pipe": (lambda x, y: x.pipe(lambda d: d[d.k > 1]), {"x"}),
    "to_numpy and back (loses it)": (
        lambda x, y: pd.DataFrame(x.to_numpy(), columns=x.columns),
        set(),
    ),
}


@pytest.mark.parametrize("pattern", list(PANDAS))
def test_pandas_between_stage_patterns(pattern: str) -> None:
    derive, expected = PANDAS[pattern]
    from govern.metrics import profile

    frame = pd.DataFrame({"k": [1, 2, 3, 4], "c": [1.0, None, 3.0, 4.0]})
    source = govern.source(frame, "/data/k.csv")
    with govern.run("identity") as run:
        x = one(source)
        y = other(source)
        derived = derive(x, y)
        two(derived)
    produced = {"x": run.stages[0], "y": run.stages[1]}
    names = {
        key: next(d.ref.name for d in r.datasets if d.role == "output")
        for key, r in produced.items()
    }
    called = run.stages[2]
    assert parents(called) == {names[k] for k in expected}
    seen = the_input(called)
    assert seen.ref.kind is (DatasetKind.DERIVED if expected else DatasetKind.ANONYMOUS)
    # its own version is its own content (not that of the dataset it came from)
    assert seen.fingerprint == profile(derived).fingerprint
    assert seen.row_count == len(derived)


def test_the_same_object_is_still_the_same_dataset() -> None:
    source = govern.source(pd.DataFrame({"k": [1, 2, 3]}), "/data/k.csv")
    with govern.run("identity") as run:
        two(one(source))
    (used,) = [d for d in run.stages[1].datasets if d.role == "input"]
    assert used.ref.kind is DatasetKind.STAGE_OUTPUT  # no implicit step


def test_a_derived_frame_returned_by_a_stage_is_that_stages_output() -> None:
    source = govern.source(pd.DataFrame({"k": [1, 2, 3]}), "/data/k.csv")
    with govern.run("identity") as run:
        x = one(source)
        y = one(x[x.a > 0])  # derived from one's first output, then an output itself
        two(y.head(1))
    first, second = (next(d.ref for d in r.datasets if d.role == "output") for r in run.stages[:2])
    assert {d.ref for d in run.stages[1].datasets if d.parameter == "df (derived from)"} == {first}
    assert parents(run.stages[2]) == {second.name}  # the nearest named dataset only


def test_a_derived_frame_is_complete_lineage_for_a_model() -> None:
    from govern.policies.builtin.models import lineage_complete  # noqa: F401 (the rule)

    source = govern.source(pd.DataFrame({"k": [1, 2, 3, 4]}), "/data/k.csv")
    with govern.run("identity") as run:
        x = one(source)
        two(x[x.a > 0])
    refs = {d.ref for d in run.stages[1].datasets if d.role == "input"}
    assert DatasetRef("testproject", "identity.one.return", DatasetKind.STAGE_OUTPUT) in refs


def test_attrs_tags_do_not_leak_into_unrelated_frames() -> None:
    source = govern.source(pd.DataFrame({"k": [1, 2]}), "/data/k.csv")
    unrelated = pd.DataFrame({"k": [3]})
    assert source.attrs != {} and unrelated.attrs == {}
    # comparing tags (as concat does) without a copy after it leaves no union behind
    assert pd.concat([unrelated, source]).attrs == {}
    assert len(source.copy().attrs["govern.lineage"].refs) == 1
    with govern.run("identity") as run:
        two(pd.DataFrame(np.ones((2, 1)), columns=["k"]))
    assert the_input(run.stages[0]).ref.kind is DatasetKind.ANONYMOUS


def test_the_implicit_step_reaches_the_openlineage_events() -> None:
    from govern.lineage.export import events
    from govern.store import open_store
    from tests.lineage.conftest import validate_event

    source = govern.source(pd.DataFrame({"k": [1, 2, 3, 4]}), "/data/k.csv")
    with govern.run("identity") as run:
        x = one(source)
        two(x[x.a > 0])
    with open_store() as store:
        found = [e for e in events(store) if e["job"]["name"] == "identity.two"]
    for event in found:
        validate_event(event)
    inputs = {(d["namespace"], d["name"]) for d in found[-1]["inputs"]}
    # in-memory datasets are named as the OpenLineage Naming spec names them
    assert ("inmemory://", "testproject/identity.one.return") in inputs  # one's output
    assert ("inmemory://", "testproject/two.df") in inputs  # the derived frame, its own dataset
    assert run.status == "completed"
