"""Pause Python's cyclic garbage collector while bulk-decoding records.

Reading thousands of records builds hundreds of thousands of small dicts, tuples and
dataclasses that all stay alive until the caller is done. Each of the collector's full
passes walks every live object, and the growing heap triggers several of them: on a
1,000-run period report that was about a third of the time, freeing nothing. The data
built is acyclic (reference counting frees it), so the collector is paused while it is
built and resumed after; a pause inside another pause leaves the outer one in charge.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc"]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic collector for the block (re-enabled only if it was enabled)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
