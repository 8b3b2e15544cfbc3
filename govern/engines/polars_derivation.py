"""Derived Polars frames (eager and lazy): which identified frames they come from.

Polars frames carry no metadata, so derivation is recognised from what a derived frame
still holds of an identified frame that is alive (weak references only):

- **buffers** (eager): the Arrow buffers of columns an operation did not recompute
  (``with_columns``, ``select``, ``rename``, ``head``, ``hstack``): exact;
- **rows** (eager): every row of the derived frame, restricted to the columns it shares
  with an identified frame (same name and type), is one of that frame's rows: ``filter``,
  ``sort``, ``sample``, ``join`` (each side's columns), diagonal ``concat`` (each row
  from one of them), a lazy query collected; a ``group_by`` whose keys are exactly the
  identified frame's distinct keys. Content, not provenance: a frame built apart with
  rows an identified frame holds is taken as derived from it (docs/lineage.md);
- **plan** (lazy): the query plan reads the identified frame's data (a ``DataFrameScan``
  of its buffers, the files of a ``Scan``) and contains its plan (``explain`` of the
  identified LazyFrame, as a block of the derived one's).

Of several identified frames found, the nearest stand: one is dropped when another found
explains the same with strictly more (buffers, columns, plan).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from govern.engines.polars_lineage import BUFFERS, buffer_addresses
from govern.types import DatasetRef

__all__ = ["derived_from", "mark"]


class _Entry:
    __slots__ = ("frame", "lazy", "order", "ref")

    def __init__(self, frame: weakref.ref[Any], ref: DatasetRef, order: int, lazy: bool) -> None:
        self.frame = frame
        self.ref = ref
        self.order = order
        self.lazy = lazy


_lock = threading.Lock()
_entries: list[_Entry] = []
_order = [0]


def _polars() -> Any:
    import polars

    return polars


def mark(frame: Any, ref: DatasetRef) -> None:
    """Note a Polars frame (eager or lazy) as dataset ``ref``."""
    lazy = isinstance(frame, _polars().LazyFrame)
    if not lazy:
        BUFFERS.add(frame, ref)

    def forget(dead: weakref.ref[Any]) -> None:
        with _lock:
            _entries[:] = [e for e in _entries if e.frame is not dead]

    with _lock:
        _order[0] += 1
        _entries.append(_Entry(weakref.ref(frame, forget), ref, _order[0], lazy))


def _alive(*, lazy: bool) -> list[tuple[Any, _Entry]]:
    with _lock:
        entries = [e for e in _entries if e.lazy is lazy]
    found = []
    for e in entries:
        frame = e.frame()
        if frame is not None:
            found.append((frame, e))
    return found


def derived_from(frame: Any) -> frozenset[DatasetRef]:
    """The identified frames ``frame`` derives from (empty when none is known)."""
    if isinstance(frame, _polars().LazyFrame):
        return _from_plan(frame)
    found = BUFFERS.find(frame)
    if found:
        return found
    return _from_rows(frame)


# --- rows -------------------------------------------------------------------------------


def _shared(frame: Any, other: Any) -> list[str]:
    theirs = other.schema
    return [c for c, t in frame.schema.items() if theirs.get(c) == t]


SAMPLE = 1024
"""Rows of a larger frame the rows test probes (evenly spaced, first and last included)."""


def _from_rows(frame: Any) -> frozenset[DatasetRef]:
    """Identified eager frames that together hold every row of ``frame``.

    A frame of more than `SAMPLE` rows is probed at `SAMPLE` evenly spaced rows: the cost
    is then one hash of each candidate's shared columns, whatever the frame's size.
    """
    if frame.height == 0 or frame.width == 0:
        return frozenset()  # no content to recognise
    pl = _polars()
    probe = frame
    if frame.height > SAMPLE:
        step = (frame.height - 1) / (SAMPLE - 1)
        probe = frame[sorted({round(i * step) for i in range(SAMPLE)})]
    everything = pl.Series([True] * probe.height)
    covered = ~everything
    # candidate, the columns it shares, the probed rows it holds
    matches: list[tuple[_Entry, frozenset[str], Any]] = []
    for other, entry in _alive(lazy=False):
        shared = _shared(frame, other) if other is not frame else []
        if not shared:
            continue
        rows = _held(probe, other, shared)
        if rows is None:
            continue
        if not rows.all() and _grouped_from(frame, other, shared):
            rows = everything  # its keys, aggregated: it explains every row
        if rows.any():
            matches.append((entry, frozenset(shared), rows))
            covered = covered | rows
    if not matches or not bool(covered.all()):
        return frozenset()
    return frozenset(_nearest(frame, matches))


def _held(frame: Any, other: Any, shared: list[str]) -> Any:
    """Which rows of ``frame`` (on the ``shared`` columns) ``other`` holds; None: cannot tell."""
    try:
        mine = frame.select(shared).hash_rows()
        theirs = other.select(shared).hash_rows()
        # probe the (large) identified frame against the (small) probed rows, not back
        present = theirs.filter(theirs.is_in(mine.implode()))
        return mine.is_in(present.implode()).fill_null(False)
    except Exception:  # a column type that cannot be hashed: no edge
        return None


def _nearest(frame: Any, matches: list[tuple[_Entry, frozenset[str], Any]]) -> set[DatasetRef]:
    """Of the candidates holding rows of a frame, those nothing else explains better.

    A candidate is dropped when each row it holds another holds on a strict superset of
    its columns (it is where that other came from), or on the same columns with more of
    the frame's column names, or as many and identified later (the latest step stands).
    """
    names = set(frame.columns)
    rank = {id(e): (len(names & set(f.columns)), e.order) for f, e in _alive(lazy=False)}
    found: set[DatasetRef] = set()
    for entry, cols, rows in matches:
        better = None
        for other, theirs, their_rows in matches:
            if other is not entry and (
                cols < theirs
                or (cols == theirs and rank.get(id(other), (0, 0)) > rank.get(id(entry), (0, 0)))
            ):
                better = their_rows if better is None else better | their_rows
        if better is None or bool((rows & ~better).any()):
            found.add(entry.ref)
    return found


def _grouped_from(frame: Any, other: Any, shared: list[str]) -> bool:
    """Whether ``frame`` looks like ``other`` grouped by some of its columns.

    ``group_by(keys).agg(...)`` puts the keys first and holds each of ``other``'s distinct
    key rows once: the first columns of ``frame`` (shared ones) that do so are its keys.
    """
    if frame.height >= other.height:
        return False  # grouping makes fewer rows
    try:
        for width in range(1, len(shared)):
            keys = frame.columns[:width]
            if keys[-1] not in shared:
                return False
            mine = frame.select(keys)
            if mine.is_duplicated().any():
                continue
            theirs = other.select(keys).unique()
            if theirs.height != mine.height:
                continue
            found = mine.hash_rows().is_in(theirs.hash_rows().implode())
            if bool(found.all()):
                return True
    except Exception:  # a column type that cannot be hashed: no edge
        return False
    return False


# --- lazy plans -------------------------------------------------------------------------


def _leaves(lazy: Any) -> tuple[list[Any], set[str]] | None:
    """The data a lazy plan reads: in-memory frames (``DataFrameScan``) and file paths."""
    pl = _polars()
    frames: list[Any] = []
    paths: set[str] = set()
    try:
        walker = lazy._ldf.visit()
        todo = [walker.get_node()]
        while todo:
            walker.set_node(todo.pop())
            node = walker.view_current_node()
            name = type(node).__name__
            if name == "DataFrameScan":
                frames.append(pl.DataFrame._from_pydf(node.df))
            elif name == "Scan":
                paths.update(str(p) for p in getattr(node, "paths", None) or ())
            todo.extend(walker.get_inputs())
    except Exception:  # a plan this Polars cannot show: nothing known
        return None
    return frames, paths


def _plan_lines(lazy: Any) -> list[str] | None:
    try:
        return [line.rstrip() for line in lazy.explain(optimized=False).splitlines()]
    except Exception:
        return None


def _contains(outer: list[str], inner: list[str]) -> bool:
    """Whether ``inner`` is a block of ``outer``: its lines, in order, at one indent."""
    if not inner or len(inner) > len(outer):
        return False
    first = inner[0]
    for i in range(len(outer) - len(inner) + 1):
        line = outer[i]
        shift = line[: len(line) - len(first)]
        if not line.endswith(first) or shift.strip():
            continue
        if all(outer[i + j] == shift + inner[j] for j in range(1, len(inner))):
            return True
    return False


def _from_plan(lazy: Any) -> frozenset[DatasetRef]:
    """Identified frames whose data a lazy frame reads and whose plan it extends."""
    leaves = _leaves(lazy)
    if leaves is None:
        return frozenset()
    frames, paths = leaves
    eager: set[DatasetRef] = set()
    shared: set[int] = set()
    for scanned in frames:
        eager |= BUFFERS.find(scanned)
        shared |= buffer_addresses(scanned)
    candidates = _alive(lazy=True)
    lines = _plan_lines(lazy) if candidates else None
    found: list[tuple[_Entry, list[str]]] = []
    for other, entry in candidates:
        if other is lazy or lines is None:
            continue
        theirs = _leaves(other)
        if theirs is None:
            continue
        their_frames, their_paths = theirs
        their_addresses = set().union(*(buffer_addresses(f) for f in their_frames))
        if not their_paths <= paths or not their_addresses <= shared:
            continue
        if not their_paths and not their_addresses:
            continue
        their_lines = _plan_lines(other)
        if their_lines is not None and _contains(lines, their_lines):
            found.append((entry, their_lines))
    nearest = {
        e.ref
        for e, mine in found
        if not any(
            other is not e and _contains(theirs, mine) and theirs != mine for other, theirs in found
        )
    }
    if nearest:
        return frozenset(nearest)
    return frozenset(eager)
