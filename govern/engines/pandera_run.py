"""Running a pandera schema whose failures pandera reports as ``failure_cases``.

pandas and polars: validation is always ``lazy=True`` so one call reports every failing
check.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Callable
from typing import Any

from govern.engines.base import Layout, PanderaRun

__all__ = ["run_with_cases"]


def run_with_cases(
    schema: Any,
    view: Any,
    layout: Layout,
    *,
    same_engine: Callable[[Any], bool],
    restore: Callable[[Any], Any],
    context: contextlib.AbstractContextManager[Any] | None = None,
) -> PanderaRun:
    """Validate ``view``; failure cases as a pandas frame, the rows to pass on restored.

    Args:
        schema: the pandera schema to run.
        view: the frame as it is validated (a pandas frame may be a positional view).
        layout: how rows are named in the failure cases.
        same_engine: whether pandera's ``SchemaErrors.data`` is a frame of this engine
            (else ``view`` is passed on).
        restore: gives the validated frame the original frame's index back.
        context: configuration around ``validate`` (polars: data checks on).
    """
    import pandera.errors as errors

    try:
        with context or contextlib.nullcontext(), warnings.catch_warnings():
            warnings.simplefilter("ignore", errors.SchemaWarning)
            validated = schema.validate(view, lazy=True)
    except errors.SchemaErrors as exc:
        data = getattr(exc, "data", None)
        passed_on = data if data is not None and same_engine(data) else view
        return PanderaRun(restore(passed_on), layout, cases=_as_pandas(exc.failure_cases))
    return PanderaRun(restore(validated), layout)


def _as_pandas(cases: Any) -> Any:
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(cases, pandas.DataFrame):
        return cases
    return cases.to_pandas()
