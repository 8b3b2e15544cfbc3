"""The process-wide Great Expectations context govern's GX checks share, and GX calls.

``great_expectations`` is imported on first use (the import alone takes seconds). Every
GX check runs in one ephemeral context, made GX's current context during the call only,
one thread at a time, with no progress bars.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading
import warnings
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from govern.errors import MissingDependencyError

__all__ = ["gx_call", "import_gx", "pandas_source", "quiet", "spark_source"]

_GX_MODULES = r"great_expectations(\.|$)"
_SOURCE = "govern"  # the shared context's pandas data source
_SPARK_SOURCE = "govern-spark"  # and its Spark data source, added on first Spark use

_lock = threading.RLock()  # guards the shared context and serialises GX calls
_shared: Any = None  # the process-wide ephemeral GX context, made on first use


def import_gx() -> ModuleType:
    """great_expectations, imported on first use."""
    with _lock:  # catch_warnings is process-global state: one thread at a time
        loaded = sys.modules.get("great_expectations")
        if loaded is not None:
            return loaded
        try:
            # GX imports the deprecated ``sre_constants``: a DeprecationWarning attributed
            # to GX, not ours to fix, that would break callers running with -W error.
            # Runs emit no warnings (checked under pandas 3), so only the import is muted.
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=DeprecationWarning, module=_GX_MODULES)
                return importlib.import_module("great_expectations")
        except ImportError as e:
            if (e.name or "").startswith("great_expectations"):
                raise MissingDependencyError(
                    "Great Expectations gates need great_expectations: "
                    "pip install great-expectations"
                ) from e
            raise MissingDependencyError(
                f"great_expectations is installed but cannot be imported ({e}); "
                "try pip install -U great-expectations"
            ) from e


@contextlib.contextmanager
def gx_call() -> Iterator[Any]:
    """The shared GX context, made GX's current context for the call, one thread at a time.

    GX looks some things up in its process-global "current" context (the last one
    ``get_context()`` returned), even for objects bound to another, so ours is current
    during the call and the user's own context, if any, is put back afterwards: a govern
    gate never changes the user's GX state. Calls are serialised because GX does not
    document its contexts as thread-safe.
    """
    global _shared
    gx = import_gx()
    manager = importlib.import_module(
        "great_expectations.data_context.data_context.context_factory"
    ).project_manager
    with _lock:
        try:
            previous = manager.get_current_project()
        except gx.exceptions.DataContextRequiredError:
            previous = None  # the user has no GX context of their own
        try:
            if _shared is None:
                _shared = gx.get_context(mode="ephemeral")
                base = importlib.import_module("great_expectations.data_context.types.base")
                # TQDM_DISABLE is ignored; this is the switch GX reads for its progress bars.
                _shared.variables.progress_bars = base.ProgressBarsConfig(globally=False)
                _shared.data_sources.add_pandas(name=_SOURCE)
                # ValidationDefinition.run() saves every result in this store. Nothing reads
                # it back; it would hold every run's result for the life of the process, and
                # its JSON serialisation raises on numpy scalars some results carry (e.g.
                # expect_column_quantile_values_to_be_between under numpy 2). Skip the save.
                _shared.validation_results_store.store_validation_results = _discard
            manager.set_project(_shared)
            yield _shared
        finally:
            manager.set_project(previous)


def _discard(**_: Any) -> None:
    return None


def pandas_source(context: Any) -> Any:
    """The shared context's pandas data source."""
    return context.data_sources.get(_SOURCE)


def spark_source(context: Any) -> Any:
    """The shared context's Spark data source, added on first use (needs pyspark)."""
    try:
        return context.data_sources.get(_SPARK_SOURCE)
    except KeyError:
        return context.data_sources.add_spark(name=_SPARK_SOURCE)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No GX progress bars during a govern call.

    The context's ``progress_bars`` switch covers the validator, but some expectations
    (``expect_column_kl_divergence_to_be_less_than`` without a partition) build their own
    calculator with ``show_progress_bars=True``. GX's one tqdm call site is swapped for a
    disabled bar for the call only (GX calls are serialised under ``_lock``), so the
    user's own GX runs keep their bars.
    """
    graph: Any = importlib.import_module("great_expectations.validator.validation_graph")
    bar = graph.tqdm

    def silent(*args: Any, **kwargs: Any) -> Any:
        return bar(*args, **{**kwargs, "disable": True})

    graph.tqdm = silent
    try:
        yield
    finally:
        graph.tqdm = bar
