"""Derived Spark frames: the identified frames whose query plan a frame's plan extends.

A Spark DataFrame is a query plan: one derived from an identified frame (``filter``,
``withColumn``, ``select``, ``join``, ``groupBy``, ``union``...) has that frame's
analyzed logical plan as a sub-plan. Sub-plans are compared as Spark compares plans for
its cache (``sameResult``: the canonical plan, attribute ids normalised, which the
analyzer renumbers on one side of a self-join or union), found through their
``semanticHash``. Leaves keep their identity: an in-memory frame (``LogicalRDD``,
``LocalRelation``) is its own RDD or rows, so a frame built apart with equal content is
not linked; a file scan is its files, so a second read of the same files with the same
plan is (it is the same data). Classic Spark only (a Spark Connect frame has no JVM plan
here): anything else links nothing.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from govern.types import DatasetRef

__all__ = ["derived_from", "mark"]

_lock = threading.Lock()
# identified frames alive: (frame, its dataset, its analyzed plan, that plan's semantic hash)
_entries: list[tuple[weakref.ref[Any], DatasetRef, Any, int]] = []


def _plan(frame: Any) -> Any:
    return frame._jdf.queryExecution().analyzed()


def mark(frame: Any, ref: DatasetRef) -> None:
    """Note a Spark frame as dataset ``ref`` (its analyzed plan, kept while it lives)."""
    try:
        plan = _plan(frame)
        key = int(plan.semanticHash())
    except Exception:  # no JVM plan (Spark Connect): nothing to derive from
        return

    def forget(dead: weakref.ref[Any]) -> None:
        with _lock:
            _entries[:] = [e for e in _entries if e[0] is not dead]

    with _lock:
        _entries.append((weakref.ref(frame, forget), ref, plan, key))


def _subplans(plan: Any) -> list[Any]:
    """A plan and all its sub-plans (one JVM call per node)."""
    found = []
    todo = [plan]
    while todo:
        node = todo.pop()
        found.append(node)
        children = node.children().iterator()
        while children.hasNext():
            todo.append(children.next())
    return found


def derived_from(frame: Any) -> frozenset[DatasetRef]:
    """The nearest identified frames whose plans are sub-plans of ``frame``'s."""
    with _lock:
        alive = [(f(), ref, plan, key) for f, ref, plan, key in _entries]
    candidates = [
        (ref, plan, key) for f, ref, plan, key in alive if f is not None and f is not frame
    ]
    if not candidates:
        return frozenset()
    try:
        nodes = _subplans(_plan(frame))
        by_hash: dict[int, list[Any]] = {}
        for node in nodes:
            by_hash.setdefault(int(node.semanticHash()), []).append(node)
        found = [
            (ref, plan, key)
            for ref, plan, key in candidates
            if any(node.sameResult(plan) for node in by_hash.get(key, ()))
        ]
        # the nearest: drop one whose plan is a sub-plan of another found one's
        nearest = set()
        for ref, plan, key in found:
            inner = any(
                other_key != key
                and any(
                    n.sameResult(plan) for n in _subplans(other) if int(n.semanticHash()) == key
                )
                for other_ref, other, other_key in found
                if other_ref != ref
            )
            if not inner:
                nearest.add(ref)
    except Exception:  # a plan Spark cannot show or compare: no edge, and no failure
        return frozenset()
    return frozenset(nearest)
