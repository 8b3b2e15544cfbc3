"""pandera backend: DataFrameSchema / DataFrameModel gates on pandas, polars and Spark frames.

pandera is imported only when a gate first runs. Validation is always ``lazy=True`` so
that one call reports every failing check; its ``failure_cases`` frame becomes one
Finding per (column, check) -- `govern.checks.pandera_cases` -- and the checks that
passed or could not run are listed too, so the record shows everything declared.

Rows are reported as positions (exact on every index kind): a pandas frame whose index
does not name each row once (non-unique, NaN labels, MultiIndex) is validated through a
positional view unless the schema checks the index itself; polars rows are positions.

polars: pandera validates a LazyFrame's *schema only* unless told otherwise, which would
pass bad values silently; govern always validates polars frames with
``validation_depth=SCHEMA_AND_DATA``. pyspark: pandera does not raise;
`govern.checks.spark` reads ``df.pandera.errors`` and counts failing rows with Spark.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import warnings
from typing import Any

from govern.checks.base import CheckOutcome, Finding
from govern.checks.pandera_cases import Layout, findings, listed
from govern.checks.pandera_schema import Prepared, expand_regex, prepare
from govern.checks.rows import exact_index, positional_view
from govern.errors import GateDefinitionError, MissingDependencyError, NotAFrameError
from govern.frames import FrameKind, frame_kind
from govern.types import Severity

__all__ = ["PanderaCheck", "is_pandera_gate"]


def _is_pandera_class(obj: Any) -> bool:
    return isinstance(obj, type) and any(
        base.__module__.startswith("pandera.") and base.__name__ == "DataFrameModel"
        for base in obj.__mro__
    )


def is_pandera_gate(obj: Any) -> bool:
    """True for a pandera DataFrameSchema instance or DataFrameModel subclass.

    Decided from module names so that declaring a gate does not import pandera.
    """
    if _is_pandera_class(obj):
        return True
    cls = type(obj)
    return cls.__module__.startswith("pandera.") and cls.__name__ == "DataFrameSchema"


def _engine_of(obj: Any) -> FrameKind:
    module = (obj if isinstance(obj, type) else type(obj)).__module__
    mro = obj.__mro__ if isinstance(obj, type) else type(obj).__mro__
    modules = [module, *(base.__module__ for base in mro)]
    if any(m.startswith("pandera.api.polars") for m in modules):
        return FrameKind.POLARS
    if any(m.startswith("pandera.api.pyspark") for m in modules):
        return FrameKind.SPARK
    return FrameKind.PANDAS


class PanderaCheck:
    """A pandera schema (or model class) run as a govern check."""

    backend = "pandera"

    def __init__(self, schema_or_model: Any) -> None:
        if not is_pandera_gate(schema_or_model):
            raise GateDefinitionError(
                f"not a pandera DataFrameSchema or DataFrameModel: {schema_or_model!r}"
            )
        self._declared = schema_or_model
        self._engine = _engine_of(schema_or_model)
        self._schema: Any = None
        self._prepared: Prepared | None = None
        self._lock = threading.Lock()
        self.name = (
            schema_or_model.__name__
            if isinstance(schema_or_model, type)
            else getattr(schema_or_model, "name", None) or "DataFrameSchema"
        )

    @property
    def schema(self) -> Any:
        """The user's DataFrameSchema (a model class is converted once, on first use)."""
        with self._lock:
            if self._schema is None:
                declared: Any = self._declared
                is_model = isinstance(declared, type)
                self._schema = declared.to_schema() if is_model else declared
            return self._schema

    @property
    def prepared(self) -> Prepared:
        """The copy govern validates with (`govern.checks.pandera_schema.prepare`)."""
        schema = self.schema
        with self._lock:
            if self._prepared is None:
                self._prepared = prepare(schema)
            return self._prepared

    def run(self, frame: Any, *, want_index: bool, sample_size: int) -> CheckOutcome:
        """Validate lazily; every (column, check) declared becomes a Finding."""
        kind = self._accept(frame)
        if kind is FrameKind.SPARK:
            from govern.checks.spark import run_pandera

            prepared = self.prepared
            validated, failing, rows = run_pandera(
                prepared.schema, frame, want_index=want_index, sample_size=sample_size
            )
            failing = [
                dataclasses.replace(f, severity=Severity.WARN)
                if (f.column, f.check) in prepared.warn
                else f
                for f in failing
            ]
            return CheckOutcome(validated, listed(prepared.schema, failing, rows, prepared.warn))
        validated, cases, layout, schema = self._validate(frame, kind)
        prepared = self.prepared
        if cases is None:
            return CheckOutcome(validated, listed(schema, [], layout.rows, prepared.warn))
        failing = list(findings(cases, layout, schema, prepared.warn, sample_size))
        return CheckOutcome(validated, listed(schema, failing, layout.rows, prepared.warn))

    def conform(self, frame: Any) -> tuple[Any, list[Finding]] | None:
        """The rows that go on after quarantine, as ``schema.validate`` returns them.

        Returns the validated (coerced) rows and the failures that remain on them (a
        wrong column dtype or a missing column is not solved by setting rows aside; a
        check that could not run before coercion may now fail rows); None where it
        cannot tell (Spark).
        """
        kind = self._accept(frame)
        if kind is FrameKind.SPARK:
            return None
        validated, cases, layout, schema = self._validate(frame, kind)
        if cases is None:
            return validated, []
        return validated, list(findings(cases, layout, schema, self.prepared.warn, 0))

    def _accept(self, frame: Any) -> FrameKind | None:
        kind = frame_kind(frame)
        accepted = {
            FrameKind.POLARS: (FrameKind.POLARS, FrameKind.POLARS_LAZY),
            FrameKind.SPARK: (FrameKind.SPARK,),
        }.get(self._engine, (FrameKind.PANDAS,))
        if kind not in accepted:
            raise NotAFrameError(
                f"pandera schema {self.name!r} is for {self._engine.value} frames, "
                f"got {type(frame).__module__}.{type(frame).__qualname__}"
            )
        return kind

    def _validate(self, frame: Any, kind: FrameKind | None) -> tuple[Any, Any, Layout, Any]:
        """(frame to pass on, failure cases as pandas or None, row layout, schema used)."""
        errors = _errors_module()
        prepared = self.prepared
        schema = prepared.schema
        polars = kind is not FrameKind.PANDAS
        if prepared.regex:
            schema = expand_regex(schema, frame, polars)
        view = frame
        positional = False
        if kind is FrameKind.PANDAS and getattr(schema, "index", None) is None:
            # labels that do not name one row each: validate by position instead
            positional = not exact_index(frame.index)
            view = positional_view(frame) if positional else frame
        layout = Layout(
            kind=kind,
            index=frame.index if kind is FrameKind.PANDAS else None,
            positional=positional or polars,
            rows=_rows(frame, kind),
            columns=_columns(frame, kind),
            typed=_typed(frame, kind),
        )
        try:
            with _data_checks_on(kind), warnings.catch_warnings():
                warnings.simplefilter("ignore", errors.SchemaWarning)
                validated = schema.validate(view, lazy=True)
        except errors.SchemaErrors as exc:
            data = getattr(exc, "data", None)
            passed_on = data if data is not None and frame_kind(data) is kind else view
            cases = _as_pandas(exc.failure_cases)
            return _restore(passed_on, frame, positional), cases, layout, schema
        except errors.SchemaDefinitionError as exc:
            raise GateDefinitionError(f"pandera schema {self.name!r} is invalid: {exc}") from exc
        except errors.BackendNotFoundError as exc:
            raise NotAFrameError(f"pandera cannot validate {type(frame).__name__}: {exc}") from exc
        return _restore(validated, frame, positional), None, layout, schema


def _restore(validated: Any, frame: Any, positional: bool) -> Any:
    """Give a positionally validated frame its own index back (same rows, same order)."""
    if positional and len(validated) == len(frame):
        return validated.set_axis(frame.index, axis=0)
    return validated


def _data_checks_on(kind: FrameKind | None) -> contextlib.AbstractContextManager[Any]:
    """Make pandera run data checks on polars frames, whatever the user's pandera config.

    Without this a LazyFrame gets schema checks only (pandera's default for lazy frames)
    and bad values pass silently; a ``PANDERA_VALIDATION_DEPTH=SCHEMA_ONLY`` environment
    would do the same to eager frames.
    """
    if kind not in (FrameKind.POLARS, FrameKind.POLARS_LAZY):
        return contextlib.nullcontext()
    from pandera.config import ValidationDepth, config_context

    return config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA)


def _rows(frame: Any, kind: FrameKind | None) -> int | None:
    """Rows checked, for ``mostly``; a LazyFrame is counted with one ``len`` query."""
    if kind is FrameKind.POLARS_LAZY:
        import polars as pl

        return int(frame.select(pl.len()).collect().item())
    return len(frame)


def _columns(frame: Any, kind: FrameKind | None) -> list[str]:
    if kind is FrameKind.POLARS_LAZY:
        return [str(c) for c in frame.collect_schema().names()]
    return [str(c) for c in frame.columns]


def _typed(frame: Any, kind: FrameKind | None) -> frozenset[str]:
    if kind is not FrameKind.PANDAS:
        return frozenset()
    return frozenset(str(c) for c, t in frame.dtypes.items() if str(t) != "object")


def _errors_module() -> Any:
    try:
        import pandera.errors as errors
    except ImportError as exc:  # pragma: no cover - pandera is a core dependency
        raise MissingDependencyError("pandera gates need pandera: pip install pandera") from exc
    return errors


def _as_pandas(cases: Any) -> Any:
    if frame_kind(cases) is FrameKind.PANDAS:
        return cases
    return cases.to_pandas()
