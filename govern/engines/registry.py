"""The engines, registered by the frame type they handle, looked up without importing.

A frame can only be of a library the caller has already imported, so `engine_for` looks
each registered type up in ``sys.modules``: ``import govern`` stays free of pandas, polars
and pyspark, and an engine's module is imported the first time one of its frames is
seen. Lookups are cached per type (a subclass finds its base's engine once).
"""

from __future__ import annotations

import importlib
import sys
import threading
from dataclasses import dataclass
from typing import Any

from govern.engines.base import Engine

__all__ = ["engine_for", "register", "registered"]


@dataclass(frozen=True, slots=True)
class _Entry:
    module: str  # the module defining the frame type (``pyspark.sql``)
    type_name: str  # the type's name in it (``DataFrame``)
    engine: str  # ``module:attribute`` of the engine instance


# order matters only for types that subclass one another (none of these do)
_ENTRIES: list[_Entry] = [
    _Entry("pandas", "DataFrame", "govern.engines.pandas:ENGINE"),
    _Entry("polars", "DataFrame", "govern.engines.polars:EAGER"),
    _Entry("polars", "LazyFrame", "govern.engines.polars:LAZY"),
    _Entry("pyspark.sql", "DataFrame", "govern.engines.spark:ENGINE"),
]
_by_type: dict[type, Engine | None] = {}
_loaded: dict[str, Engine] = {}
_lock = threading.Lock()


def register(module: str, type_name: str, engine: str) -> None:
    """Register an engine for frames of type ``module.type_name``.

    Args:
        module: the module that defines the frame type, e.g. ``ibis.expr.types``.
        type_name: the type's name there, e.g. ``Table``.
        engine: ``package.module:ATTRIBUTE`` naming the engine instance; imported the
            first time a frame of that type is looked up.
    """
    with _lock:
        _ENTRIES.append(_Entry(module, type_name, engine))
        _by_type.clear()  # a type cached as "no engine" may now have one


def registered() -> list[tuple[str, str, str]]:
    """``(module, type name, engine)`` of every registered engine, in lookup order."""
    with _lock:
        return [(e.module, e.type_name, e.engine) for e in _ENTRIES]


def _load(target: str) -> Engine:
    engine = _loaded.get(target)
    if engine is None:
        module, _, attribute = target.partition(":")
        engine = getattr(importlib.import_module(module), attribute)
        _loaded[target] = engine
    return engine


def engine_for(obj: Any) -> Engine | None:
    """The engine of ``obj``, or None when it is not a frame any engine handles."""
    cls = type(obj)
    try:
        return _by_type[cls]
    except KeyError:
        pass
    except TypeError:  # an unhashable metaclass: look it up every time
        return _lookup(obj)
    found = _lookup(obj)
    # a type is cached only once its library is imported (it is, since obj exists);
    # a later register() clears the cache
    with _lock:
        _by_type[cls] = found
    return found


def _lookup(obj: Any) -> Engine | None:
    with _lock:
        entries = list(_ENTRIES)
    for entry in entries:
        module = sys.modules.get(entry.module)
        if module is None:
            continue
        frame_type = getattr(module, entry.type_name, None)
        if isinstance(frame_type, type) and isinstance(obj, frame_type):
            return _load(entry.engine)
    return None
