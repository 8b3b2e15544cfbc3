"""Derived frames: the identified datasets a frame between stages was derived from.

A frame *derived* from identified ones (filtered, assigned, merged... between stages) is
not them, but keeps a derived-from edge to them (``derived_from``): pandas through a
tag in ``DataFrame.attrs`` (pandas copies attrs onto the result of nearly every
operation; the tags of all identified frames compare equal, so merge, join and concat,
which copy attrs only when all inputs' attrs are equal, keep them, and the copy unites
the inputs' sources); Polars, which has no frame metadata, through the Arrow buffers a
derived frame still shares with an identified one that is alive (its untouched
fixed-width columns: ``with_columns``, ``select``, ``rename``, ``head``...).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from govern.frames import FrameKind, frame_kind
from govern.types import DatasetRef

__all__ = ["ATTR", "derived_from", "mark"]


ATTR = "govern.lineage"
"""The ``DataFrame.attrs`` key of a pandas frame's lineage tag."""


class _Tag(str):
    """The datasets a pandas frame derives from, kept in its ``attrs``.

    A string (``derived from file:/data/x.csv``), so whatever serialises attrs (Parquet
    metadata, JSON) still can; read back it is a plain string and links nothing. Tags
    compare equal to each other, so pandas' multi-input operations (merge, join,
    concat: attrs copied only when all inputs' are equal) keep them; comparing notes the
    other tag's datasets, and the copy pandas makes right after unites them.
    """

    refs: frozenset[DatasetRef]

    def __new__(cls, refs: frozenset[DatasetRef]) -> _Tag:
        tag = super().__new__(cls, "derived from " + ", ".join(sorted(map(str, refs))))
        tag.refs = frozenset(refs)
        return tag

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Tag):
            return NotImplemented
        if other is not self and not self.refs <= other.refs:
            pending = _union.__dict__.setdefault("pending", {})
            if pending.get("first") is not other:
                pending.clear()
                pending["first"] = other
                pending["refs"] = set(other.refs)
            pending["refs"] |= self.refs
        return True

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = str.__hash__

    def __deepcopy__(self, memo: dict[int, Any]) -> _Tag:
        pending = _union.__dict__.get("pending") or {}
        refs = self.refs
        if pending.get("first") is self:
            refs = frozenset(pending["refs"])
        pending.clear()
        return _Tag(refs)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Tag, (self.refs,))


_union = threading.local()


class _Buffers:
    """Arrow buffers of identified Polars frames that are alive, by address."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_address: dict[int, list[tuple[weakref.ref[Any], DatasetRef, int]]] = {}
        self._order = 0

    def add(self, frame: Any, ref: DatasetRef) -> None:
        addresses = _addresses(frame)

        def forget(dead: weakref.ref[Any], addresses: set[int] = addresses) -> None:
            with self._lock:
                for a in addresses:
                    kept = [e for e in self._by_address.get(a, ()) if e[0] is not dead]
                    if kept:
                        self._by_address[a] = kept
                    else:
                        self._by_address.pop(a, None)

        holder = weakref.ref(frame, forget)
        with self._lock:
            self._order += 1
            for address in addresses:
                self._by_address.setdefault(address, []).append((holder, ref, self._order))

    def find(self, frame: Any) -> frozenset[DatasetRef]:
        """The frames ``frame`` shares the most buffers with.

        One shared buffer may be in several identified frames (a stage's output keeps
        its input's untouched columns): a frame is kept unless another shares a strict
        superset of its buffers with ``frame``; of frames sharing the very same ones,
        the first identified (where those buffers came from) stands.
        """
        shared: dict[DatasetRef, set[int]] = {}
        first: dict[DatasetRef, int] = {}
        with self._lock:
            for address in _addresses(frame):
                for holder, ref, order in self._by_address.get(address, ()):
                    # a live frame's buffers are alive: no address is reused meanwhile
                    if holder() is not None:
                        shared.setdefault(ref, set()).add(address)
                        first[ref] = min(first.get(ref, order), order)
        found: set[DatasetRef] = set()
        for ref, mine in shared.items():
            if any(mine < theirs for theirs in shared.values()):
                continue
            twins = [r for r, theirs in shared.items() if theirs == mine]
            if min(twins, key=lambda r: first[r]) == ref:
                found.add(ref)
        return frozenset(found)


def _addresses(frame: Any) -> set[int]:
    """Addresses of a Polars frame's fixed-width column buffers, as zero-copy Arrow views.

    Only numeric, boolean and temporal columns (which Polars hands to Arrow without
    copying), and only addresses two conversions agree on while both are alive: a copy
    would be fresh memory, freed at once and free for anything to reuse.
    """
    found: set[int] = set()
    try:
        for column in frame.get_columns():
            dtype = column.dtype
            if not (dtype.is_numeric() or dtype.is_temporal() or dtype == _polars().Boolean):
                continue
            first, second = column.to_arrow(), column.to_arrow()
            found.update(_buffers(first) & _buffers(second))
    except Exception:  # a dtype Arrow cannot view: no edge, and no failure
        return set()
    return found


def _buffers(arrow: Any) -> set[int]:
    return {
        b.address
        for chunk in getattr(arrow, "chunks", [arrow])
        for b in chunk.buffers()
        if b is not None and b.size
    }


def _polars() -> Any:
    import polars

    return polars


_POLARS = _Buffers()


def mark(frame: Any, ref: DatasetRef) -> None:
    """Note ``frame`` as dataset ``ref`` for the frames that will derive from it."""
    kind = frame_kind(frame)
    if kind is FrameKind.PANDAS:
        frame.attrs[ATTR] = _Tag(frozenset({ref}))
    elif kind is FrameKind.POLARS:
        _POLARS.add(frame, ref)


def derived_from(frame: Any) -> frozenset[DatasetRef]:
    """The identified datasets ``frame`` derives from (empty when none is known)."""
    kind = frame_kind(frame)
    if kind is FrameKind.PANDAS:
        tag = frame.attrs.get(ATTR)
        return tag.refs if isinstance(tag, _Tag) else frozenset()
    if kind is FrameKind.POLARS:
        return _POLARS.find(frame)
    return frozenset()
