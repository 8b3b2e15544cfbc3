"""The engine registry: one engine per frame type, found without importing frame libraries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import govern.engines.registry as registry
from govern.engines import Engine, engine_for, register, registered
from govern.frames import FrameKind

ROOT = Path(__file__).resolve().parents[2]


def test_each_frame_type_has_its_engine() -> None:
    frames = {
        FrameKind.PANDAS: pd.DataFrame({"a": [1]}),
        FrameKind.POLARS: pl.DataFrame({"a": [1]}),
        FrameKind.POLARS_LAZY: pl.LazyFrame({"a": [1]}),
    }
    for kind, frame in frames.items():
        engine = engine_for(frame)
        assert engine is not None
        assert engine.kind is kind
        assert engine.name == kind.value
        assert engine.detect(frame)
        assert isinstance(engine, Engine)
        others = [f for k, f in frames.items() if k is not kind]
        assert not any(engine.detect(f) for f in others)


class _Frame(pd.DataFrame):
    """A pandas subclass: still the pandas engine's."""


@pytest.mark.parametrize("obj", [None, 1, "x", [1], {"a": [1]}, pa.table({"a": [1]})])
def test_non_frames_have_no_engine(obj: object) -> None:
    assert engine_for(obj) is None


def test_subclasses_find_their_base_engine() -> None:
    engine = engine_for(_Frame({"a": [1]}))
    assert engine is not None and engine.name == "pandas"


def test_rows_and_columns_agree_with_the_libraries() -> None:
    data = {"a": [1, 2, 3], "b": ["x", "y", None]}
    for frame in (pd.DataFrame(data), pl.DataFrame(data), pl.LazyFrame(data)):
        engine = engine_for(frame)
        assert engine is not None
        assert engine.count_rows(frame) == 3
        assert engine.row_count(frame) == (None if engine.deferred else 3)
        assert engine.columns(frame) == ["a", "b"]


def test_arrow_batches_hold_the_frame() -> None:
    data = {"a": [1, 2, None], "b": ["x", "y", None], "c": [0.5, None, 2.0]}
    expected = pa.table(data)
    for frame in (pd.DataFrame(data), pl.DataFrame(data), pl.LazyFrame(data)):
        engine = engine_for(frame)
        assert engine is not None
        table = pa.Table.from_batches(list(engine.arrow_batches(frame)))
        assert table.num_rows == 3
        for name in data:
            assert table.column(name).to_pylist() == expected.column(name).to_pylist(), name
        picked = pa.Table.from_batches(list(engine.arrow_batches(frame, ["c", "a"])))
        assert picked.column_names == ["c", "a"]


def test_register_adds_an_engine_and_forgets_cached_misses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(registry, "_ENTRIES", list(registry._ENTRIES))
    monkeypatch.setattr(registry, "_by_type", {})
    table = pa.table({"a": [1]})
    assert engine_for(table) is None  # cached as "no engine"
    register("pyarrow", "Table", "govern.engines.pandas:ENGINE")
    assert ("pyarrow", "Table", "govern.engines.pandas:ENGINE") in registered()
    found = engine_for(table)
    assert found is not None and found.name == "pandas"


def test_import_govern_imports_no_engine_and_no_frame_library() -> None:
    code = (
        "import sys, govern\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in "
        "('pandas', 'polars', 'pyspark', 'pyarrow')]\n"
        "engines = [m for m in sys.modules if m.startswith('govern.engines.') and "
        "m.rsplit('.', 1)[1] in ('pandas', 'polars', 'spark')]\n"
        "print(loaded, engines)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout.strip()
    assert out == "[] []"


def test_no_frame_kind_branching_outside_the_engines() -> None:
    """Callers ask the engine; only govern/engines (and the enum's module) name kinds."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "govern").rglob("*.py")
        if "FrameKind." in path.read_text(encoding="utf-8")
        and path.parent.name != "engines"
        and path.name != "frames.py"
    ]
    assert offenders == []
