"""Derived frames: the identified datasets a frame between stages was derived from.

A frame *derived* from identified ones (filtered, assigned, merged... between stages) is
not them, but keeps a derived-from edge to them (``derived_from``). Each engine
recognises derivation its own way (``Engine.mark`` / ``Engine.derived_from``): pandas
through a tag in ``DataFrame.attrs`` (`govern.engines.pandas_lineage`); Polars, which has
no frame metadata, through the buffers, rows or query plan a frame shares with an
identified one that is alive (`govern.engines.polars_derivation`); Spark through its
analyzed plan holding an identified frame's plan (`govern.engines.spark_derivation`).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from govern.engines import engine_for
from govern.engines.pandas_lineage import ATTR
from govern.types import DatasetRef

__all__ = ["ATTR", "derived_from", "mark"]

# the last answer, for the same frame asked about twice in a row (a stage call names a
# derived input, then records its parents); valid until the next mark in any thread
_last = threading.local()
_marks = [0]


def mark(frame: Any, ref: DatasetRef) -> None:
    """Note ``frame`` as dataset ``ref`` for the frames that will derive from it."""
    _marks[0] += 1
    engine = engine_for(frame)
    if engine is not None:
        engine.mark(frame, ref)


def derived_from(frame: Any) -> frozenset[DatasetRef]:
    """The identified datasets ``frame`` derives from (empty when none is known)."""
    held = _last.__dict__.get("entry")
    if held is not None and held[0]() is frame and held[1] == _marks[0]:
        found: frozenset[DatasetRef] = held[2]
        return found
    generation = _marks[0]
    engine = engine_for(frame)
    found = frozenset() if engine is None else engine.derived_from(frame)
    try:
        _last.entry = (weakref.ref(frame), generation, found)
    except TypeError:  # a frame type without weak references: not remembered
        _last.__dict__.clear()
    return found
