"""Derivation on pandas: a lineage tag in ``DataFrame.attrs`` that pandas copies along.

pandas copies attrs onto the result of nearly every operation; the tags of all
identified frames compare equal, so merge, join and concat, which copy attrs only when
all inputs' attrs are equal, keep them, and the copy unites the inputs' sources
(`govern.derivation`).
"""

from __future__ import annotations

import threading
from typing import Any

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


def mark(frame: Any, ref: DatasetRef) -> None:
    """Tag a pandas frame as dataset ``ref``."""
    frame.attrs[ATTR] = _Tag(frozenset({ref}))


def derived_from(frame: Any) -> frozenset[DatasetRef]:
    """The datasets a pandas frame's tag names (empty when it has none)."""
    tag = frame.attrs.get(ATTR)
    return tag.refs if isinstance(tag, _Tag) else frozenset()
