"""Derived frames: the identified datasets a frame between stages was derived from.

A frame *derived* from identified ones (filtered, assigned, merged... between stages) is
not them, but keeps a derived-from edge to them (``derived_from``): pandas through a
tag in ``DataFrame.attrs`` (pandas copies attrs onto the result of nearly every
operation; the tags of all identified frames compare equal, so merge, join and concat,
which copy attrs only when all inputs' attrs are equal, keep them, and the copy unites
the inputs' sources); Polars, which has no frame metadata, through the Arrow buffers a
derived frame still shares with an identified one that is alive (its untouched
fixed-width columns: ``with_columns``, ``select``, ``rename``, ``head``...).

Each engine keeps its own marks (``Engine.mark`` / ``Engine.derived_from``): pandas in
`govern.engines.pandas_lineage`, polars in `govern.engines.polars_lineage`.
"""

from __future__ import annotations

from typing import Any

from govern.engines import engine_for
from govern.engines.pandas_lineage import ATTR
from govern.types import DatasetRef

__all__ = ["ATTR", "derived_from", "mark"]


def mark(frame: Any, ref: DatasetRef) -> None:
    """Note ``frame`` as dataset ``ref`` for the frames that will derive from it."""
    engine = engine_for(frame)
    if engine is not None:
        engine.mark(frame, ref)


def derived_from(frame: Any) -> frozenset[DatasetRef]:
    """The identified datasets ``frame`` derives from (empty when none is known)."""
    engine = engine_for(frame)
    return frozenset() if engine is None else engine.derived_from(frame)
