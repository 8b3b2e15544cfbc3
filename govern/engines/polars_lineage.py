"""Derivation on polars: the Arrow buffers a derived frame still shares with identified ones.

polars has no frame metadata; a frame derived from an identified one that is alive keeps
its untouched fixed-width columns' buffers (``with_columns``, ``select``, ``rename``,
``head``...), so those buffers' addresses link it back (`govern.derivation`).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from govern.types import DatasetRef

__all__ = ["BUFFERS"]


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


BUFFERS = _Buffers()
"""Arrow buffers of the identified polars frames that are alive."""
