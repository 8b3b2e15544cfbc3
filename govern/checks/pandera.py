"""pandera backend: DataFrameSchema / DataFrameModel gates on pandas, polars and Spark frames.

pandera is imported only when a gate first runs. Validation is always ``lazy=True`` so
that one call reports every failing check; its ``failure_cases`` frame becomes one
Finding per (column, check) -- `govern.checks.pandera_cases` -- and the checks that
passed or could not run are listed too, so the record shows everything declared.

Rows are reported as positions (exact on every index kind): a pandas frame whose index
does not name each row once (non-unique, NaN labels, MultiIndex) is validated through a
positional view unless the schema checks the index itself; polars rows are positions.

Each frame's engine runs the schema (`govern.engines`: ``Engine.run_pandera``) and
hands back either pandera's failure cases (pandas, polars) or failures it counted itself
(Spark: pandera-pyspark does not raise; `govern.engines.spark_pandera` reads
``df.pandera.errors`` and counts failing rows with Spark). polars: pandera validates a
LazyFrame's *schema only* unless told otherwise, which would pass bad values silently;
the polars engines always validate with ``validation_depth=SCHEMA_AND_DATA``.
"""

from __future__ import annotations

import threading
from typing import Any

from govern.checks.base import CheckOutcome, Finding
from govern.checks.pandera_cases import findings, listed
from govern.checks.pandera_schema import Prepared, expand_regex, prepare
from govern.engines import Engine, PanderaRun, RowFailure, engine_for
from govern.errors import GateDefinitionError, MissingDependencyError, NotAFrameError
from govern.types import FailureCase, Severity

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


def _api_of(obj: Any) -> str:
    """The pandera API a schema or model belongs to (``pandas``, ``polars``, ``pyspark``...).

    Read from module names (``pandera.api.<api>``), so pandera is not imported; schemas
    of the pandas API (also exposed as plain ``pandera``) are ``pandas``.
    """
    mro = obj.__mro__ if isinstance(obj, type) else type(obj).__mro__
    for module in (base.__module__ for base in mro):
        parts = module.split(".")
        if len(parts) > 2 and parts[:2] == ["pandera", "api"] and parts[2] not in _SHARED:
            return parts[2]
    return "pandas"


# pandera.api modules shared by every API (base classes), not an API themselves
_SHARED = frozenset({"base", "checks", "hypotheses", "extensions", "parsers", "dataframe"})


class PanderaCheck:
    """A pandera schema (or model class) run as a govern check."""

    backend = "pandera"

    def __init__(self, schema_or_model: Any) -> None:
        if not is_pandera_gate(schema_or_model):
            raise GateDefinitionError(
                f"not a pandera DataFrameSchema or DataFrameModel: {schema_or_model!r}"
            )
        self._declared = schema_or_model
        self._api = _api_of(schema_or_model)
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
        run, schema = self._validate(frame, want_index=want_index, sample_size=sample_size)
        prepared = self.prepared
        if run.failures is not None:  # the engine counted failures itself (Spark)
            failing = [_counted(f, want_index, prepared.warn) for f in run.failures]
            return CheckOutcome(
                run.validated, listed(schema, failing, run.layout.rows, prepared.warn)
            )
        if run.cases is None:
            return CheckOutcome(run.validated, listed(schema, [], run.layout.rows, prepared.warn))
        failing = list(findings(run.cases, run.layout, schema, prepared.warn, sample_size))
        return CheckOutcome(run.validated, listed(schema, failing, run.layout.rows, prepared.warn))

    def conform(self, frame: Any) -> tuple[Any, list[Finding]] | None:
        """The rows that go on after quarantine, as ``schema.validate`` returns them.

        Returns the validated (coerced) rows and the failures that remain on them (a
        wrong column dtype or a missing column is not solved by setting rows aside; a
        check that could not run before coercion may now fail rows); None where it
        cannot tell (Spark).
        """
        if not self._accept(frame).revalidates:
            return None
        run, schema = self._validate(frame, want_index=True, sample_size=0)
        if run.cases is None:
            return run.validated, []
        return run.validated, list(findings(run.cases, run.layout, schema, self.prepared.warn, 0))

    def _accept(self, frame: Any) -> Engine:
        engine = engine_for(frame)
        if engine is None or engine.pandera_api != self._api:
            raise NotAFrameError(
                f"pandera schema {self.name!r} is for {_API_FRAMES.get(self._api, self._api)} "
                f"frames, got {type(frame).__module__}.{type(frame).__qualname__}"
            )
        return engine

    def _validate(
        self, frame: Any, *, want_index: bool, sample_size: int
    ) -> tuple[PanderaRun, Any]:
        """The engine's run of the schema, and the schema it ran (regex columns expanded)."""
        engine = self._accept(frame)
        errors = _errors_module()
        prepared = self.prepared
        schema = prepared.schema
        target = engine.pandera_target(frame) if prepared.regex else None
        if target is not None:
            schema = expand_regex(schema, target)
        try:
            run = engine.run_pandera(schema, frame, want_index=want_index, sample_size=sample_size)
        except errors.SchemaDefinitionError as exc:
            raise GateDefinitionError(f"pandera schema {self.name!r} is invalid: {exc}") from exc
        except errors.BackendNotFoundError as exc:
            raise NotAFrameError(f"pandera cannot validate {type(frame).__name__}: {exc}") from exc
        return run, schema


# what the error message calls each API's frames (as before engines had names)
_API_FRAMES = {"pandas": "pandas", "polars": "polars", "pyspark": "spark"}


def _counted(
    failure: RowFailure, want_index: bool, warn: frozenset[tuple[str | None, str]]
) -> Finding:
    """A failure an engine counted itself as a Finding (rows pinned by its predicate)."""
    severity = Severity.WARN if (failure.column, failure.check) in warn else None
    if not failure.row_level:
        return Finding(
            check=failure.check,
            column=failure.column,
            failed_count=failure.failed_count,
            passed=False,
            severity=severity,
            message=failure.message,
            row_level=False,
        )
    pinned = want_index and failure.predicate is not None
    return Finding(
        check=failure.check,
        column=failure.column,
        failed_count=failure.failed_count,
        checked_count=failure.rows,
        failing_index=[failure.predicate] if pinned else None,
        sample=tuple(FailureCase(index=None, value=v) for v in failure.sample),
        passed=failure.failed_count == 0,
        severity=severity,
    )


def _errors_module() -> Any:
    try:
        import pandera.errors as errors
    except ImportError as exc:  # pragma: no cover - pandera is a core dependency
        raise MissingDependencyError("pandera gates need pandera: pip install pandera") from exc
    return errors
