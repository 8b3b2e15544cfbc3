"""pandera backend: DataFrameSchema / DataFrameModel gates on pandas, polars and Spark frames.

pandera is imported only when a gate first runs. Validation is always ``lazy=True`` so
that one call reports every failing check; its ``failure_cases`` frame becomes one
Finding per (column, check), and the checks that passed are listed too, so the record
shows everything that was evaluated.

polars: pandera validates a LazyFrame's *schema only* unless told otherwise, which would
pass bad values silently; govern always validates polars frames with
``validation_depth=SCHEMA_AND_DATA`` (pandera then runs each data check as its own query
on the plan). pyspark: pandera does not raise; `govern.checks.spark` reads
``df.pandera.errors`` and counts failing rows with Spark aggregations.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Iterator
from typing import Any

from govern.checks.base import CheckOutcome, Finding, bounded_repr
from govern.errors import GateDefinitionError, MissingDependencyError, NotAFrameError
from govern.frames import FrameKind, frame_kind
from govern.types import FailureCase

__all__ = ["PanderaCheck", "is_pandera_gate"]

# Failure-case labels pandera uses for the checks every column carries.
_PRESENCE = "column_in_dataframe"
_NOT_NULL = "not_nullable"
_UNIQUE = "field_uniqueness"


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
        self._lock = threading.Lock()
        self.name = (
            schema_or_model.__name__
            if isinstance(schema_or_model, type)
            else getattr(schema_or_model, "name", None) or "DataFrameSchema"
        )

    @property
    def schema(self) -> Any:
        """The DataFrameSchema (a model class is converted once, on first use)."""
        with self._lock:
            if self._schema is None:
                declared: Any = self._declared
                is_model = isinstance(declared, type)
                self._schema = declared.to_schema() if is_model else declared
            return self._schema

    def run(self, frame: Any, *, want_index: bool, sample_size: int) -> CheckOutcome:
        """Validate lazily; every failing (column, check) becomes a Finding."""
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
        errors = _errors_module()
        schema = self.schema
        if kind is FrameKind.SPARK:
            from govern.checks.spark import run_pandera

            validated, failing, rows = run_pandera(
                schema, frame, want_index=want_index, sample_size=sample_size
            )
            return CheckOutcome(validated, _with_passed(schema, failing, rows))
        try:
            with _data_checks_on(kind):
                validated = schema.validate(frame, lazy=True)
        except errors.SchemaErrors as exc:
            cases = _as_pandas(exc.failure_cases)
            rows = _rows(frame, kind)
            # polars reports failure cases as text already: show them unquoted
            text = kind is not FrameKind.PANDAS
            failing = list(_findings(cases, rows, want_index, sample_size, text=text))
            if kind is FrameKind.PANDAS and want_index:
                failing = [_at_positions(f, frame.index) for f in failing]
            data = getattr(exc, "data", None)
            passed_on = data if data is not None and frame_kind(data) is kind else frame
            return CheckOutcome(passed_on, _with_passed(schema, failing, rows))
        except errors.SchemaDefinitionError as exc:
            raise GateDefinitionError(f"pandera schema {self.name!r} is invalid: {exc}") from exc
        except errors.BackendNotFoundError as exc:
            raise NotAFrameError(f"pandera cannot validate {type(frame).__name__}: {exc}") from exc
        rows = len(validated) if kind is not FrameKind.POLARS_LAZY else None
        return CheckOutcome(validated, _with_passed(schema, [], rows))


def _at_positions(found: Finding, index: Any) -> Finding:
    """A pandas finding's failing labels as row positions (quarantine splits by position).

    A label that names no row (pandera reports a MultiIndex row as text) leaves the
    failure unpinned, so the stage fails rather than losing rows.
    """
    if found.failing_index is None:
        return found
    positions = index.get_indexer_for(list(found.failing_index))
    pinned = None if (positions < 0).any() else sorted(set(positions.tolist()))
    return dataclasses.replace(found, failing_index=pinned)


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


def _check_label(check: Any) -> str:
    return str(check.error or check.name)


def _declared_checks(schema: Any) -> Iterator[tuple[str | None, str]]:
    """(column, check label) for every check the schema evaluates, as pandera names them."""
    for name, column in schema.columns.items():
        col = str(name)
        if getattr(column, "required", True):
            yield col, _PRESENCE
        if column.dtype is not None:
            yield col, f"dtype('{column.dtype}')"
        if not column.nullable:
            yield col, _NOT_NULL
        if column.unique:
            yield col, _UNIQUE
        for check in column.checks:
            yield col, _check_label(check)
    for check in schema.checks:
        yield None, _check_label(check)


def _with_passed(schema: Any, failing: list[Finding], rows: int | None) -> list[Finding]:
    seen = {(f.column, f.check) for f in failing}
    passed = [
        Finding(check=label, column=column, failed_count=0, checked_count=rows, passed=True)
        for column, label in dict.fromkeys(_declared_checks(schema))
        if (column, label) not in seen
        and not (column is not None and (None, label) in seen and label == _PRESENCE)
    ]
    return failing + passed


def _findings(
    cases: Any, rows: int | None, want_index: bool, sample_size: int, *, text: bool = False
) -> Iterator[Finding]:
    cases = cases.assign(
        _number=cases["check_number"].astype("string").fillna(""),
        _column=cases["column"].astype("string").fillna(""),
    )
    for (_, column, check, _), group in cases.groupby(
        ["schema_context", "_column", "check", "_number"], sort=False, dropna=False
    ):
        label = str(check)
        col: str | None = str(column) or None
        index = group["index"]
        row_level = bool(index.notna().all())
        if label == _PRESENCE and col is None:
            # pandera reports a missing column with the column's name as the failure case
            for missing in group["failure_case"]:
                yield Finding(
                    check=label,
                    column=str(missing),
                    failed_count=1,
                    checked_count=None,
                    message=f"column {missing!r} is missing",
                    row_level=False,
                )
            continue
        if row_level:
            labels = index.drop_duplicates()
            failed = len(labels)
        else:
            labels = None
            failed = len(group)
        sample = tuple(
            FailureCase(
                index=None if _isna(i) else str(i),
                value=bounded_repr(v) if not text or _isna(v) else _bounded_text(str(v)),
            )
            for i, v in zip(
                group["index"].head(sample_size),
                group["failure_case"].head(sample_size),
                strict=True,
            )
        )
        yield Finding(
            check=label,
            column=col,
            failed_count=failed,
            checked_count=rows if row_level else None,
            failing_index=labels.tolist() if (want_index and labels is not None) else None,
            sample=sample,
            passed=False,
            message=None if row_level else f"{label} failed",
            row_level=row_level,
        )


def _bounded_text(value: str, limit: int = 80) -> str:
    """A failure case polars already rendered as text, cut like `bounded_repr`."""
    return value if len(value) <= limit else value[: limit - 3] + "..."


def _isna(value: Any) -> bool:
    return value is None or value != value  # NaN is the only value unequal to itself
