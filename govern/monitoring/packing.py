"""The numbers of a monitoring summary packed for fast history reads (the index keeps them).

Judging a version against a 1,000-version window must not parse 1,000 JSON summaries:
each ``dataset_summaries`` row also keeps a short layout (columns, kinds, types, the
frequent values of categorical columns) and one float64 block of each column's numbers.
Pure and deterministic: ``verify`` rebuilds the index rows and compares them.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Mapping
from typing import Any

__all__ = ["NUMBERS", "pack_series"]

NUMBERS = ("rows", "nulls", "distinct", "count", "mean", "m2", "q0", "q1", "q2", "q3", "q4")
"""The packed numbers of each column, in order (``q0`` ... ``q4``: the summary's ``q``)."""


def pack_series(summary: Mapping[str, Any]) -> tuple[str, bytes]:
    """A summary's (layout, numbers) as the index keeps them (deterministic: ``verify``).

    ``summary`` is the summary's JSON form with plain floats (the store undoes its own
    tagging of non-finite values first).

    The layout holds what rarely changes from one version to the next -- each column's
    ``[name, kind, dtype, values]``, ``values`` the frequent values of a categorical
    column sorted (None for the others) -- so that versions share it and a reader parses
    it once. The numbers are the row count, then per column `NUMBERS`, then for a
    categorical column the count of each of its ``values`` and ``other``.
    """
    columns = summary.get("columns", ())
    numbers: list[Any] = [summary.get("rows")]
    layout: list[list[Any]] = []
    for c in columns:
        q = c.get("q") or (None,) * 5
        numbers.extend(c.get(k) for k in NUMBERS[:6])
        numbers.extend(q)
        top = sorted((str(v), n) for v, n in c["top"]) if "top" in c else None
        layout.append(
            [c["name"], c["kind"], c["dtype"], None if top is None else [v for v, _ in top]]
        )
        if top is not None:
            numbers.extend(n for _, n in top)
            numbers.append(c.get("other", 0))
    floats = [math.nan if v is None else float(v) for v in numbers]
    text = json.dumps({"columns": layout}, sort_keys=True, separators=(",", ":"))
    return text, struct.pack(f"<{len(floats)}d", *floats)
