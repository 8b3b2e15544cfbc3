"""Failing rows as positions: one mapping from a backend's row labels to row positions.

Backends name failing rows by index label (pandera's ``failure_cases["index"]``, GX's
``unexpected_index_list``); quarantine needs *positions*, because labels are ambiguous
on a non-unique index, unhashable or stringified on a MultiIndex, and unequal to
themselves when NaN. A pandas index is "exact" when every label names one row: then a
label maps to one position. Otherwise a backend validates a positional view of the frame
(`positional_view`) so that the labels it reports *are* positions, and maps them back to
the frame's own labels only to show them (`label_text`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["exact_index", "label_text", "positional_view", "positions_of"]


def exact_index(index: Any) -> bool:
    """True when each label of a pandas index names exactly one row.

    A MultiIndex is never exact here: backends report its labels as text or tuples, and
    a tuple of NaN levels is unequal to itself.
    """
    import pandas as pd

    if isinstance(index, pd.MultiIndex):
        return False
    return bool(index.is_unique) and not bool(index.hasnans)


def positional_view(frame: Any) -> Any:
    """The same pandas frame with a RangeIndex: a backend's labels are then positions.

    Copy-on-write makes this a view: no column data is copied.
    """
    import pandas as pd

    return frame.set_axis(pd.RangeIndex(len(frame)), axis=0)


def positions_of(index: Any, labels: Iterable[Any]) -> list[int] | None:
    """Positions of ``labels`` in an exact pandas ``index``; None if any is not found.

    On an index that is not exact (`exact_index`) there is no one answer: None.
    """
    import numpy as np
    import pandas as pd

    if not exact_index(index):
        return None
    values = list(labels)
    if not values:
        return []
    try:
        found = index.get_indexer(pd.Index(values, dtype=object))
    except (TypeError, ValueError):
        return None
    if bool(np.any(found < 0)):
        return None
    return sorted({int(p) for p in found})


def label_text(index: Any, positions: Sequence[int]) -> list[str]:
    """The index labels of ``positions``, as text (what a sample or ``_govern_row`` shows)."""
    return [str(label) for label in index[list(positions)]]
