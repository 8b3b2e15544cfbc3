"""Great Expectations backend: run an expectation suite on a pandas or Spark frame.

``great_expectations`` is imported only when a GX check first runs (the import alone takes
seconds), so declaring a gate with a suite object or a JSON file stays cheap. Every GX
check in the process shares one ephemeral GX context; each check builds its suite, asset,
batch definition and validation definition there once, under names unique to it.

Spark frames go through GX's Spark data source (added to the shared context on the first
Spark run; it uses the active SparkSession). GX computes the counts with Spark; govern
asks for the ``SUMMARY`` format only, since ``COMPLETE`` would collect every failing row
to the driver. So failing Spark rows cannot be pinned: under ``on_fail="quarantine"`` a
blocking GX failure on a Spark frame fails the stage rather than losing rows.
"""

from __future__ import annotations

import dataclasses
import importlib
import itertools
import json
import re
import sys
import uuid
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

from govern.checks.base import CheckOutcome
from govern.checks.gx_context import gx_call, pandas_source, quiet, spark_source
from govern.checks.gx_results import check_name, cut, finding, positional
from govern.engines import engine_for
from govern.errors import (
    CheckEvaluationError,
    GateDefinitionError,
    NotAFrameError,
)

__all__ = ["GXCheck", "is_gx_suite"]

# Keys an expectation may carry into GX. ``id`` is dropped so a suite can be loaded twice.
_EXPECTATION_KEYS = ("meta", "notes", "description", "severity")
# Kwargs govern controls (result detail) or that GX 1.x rejects (0.x ``include_config``).
_DROPPED_KWARGS = frozenset({"result_format", "include_config"})
_SPARK_UNPINNED = (
    "failing rows of a Spark frame cannot be pinned by a Great Expectations check, "
    "so they cannot be quarantined"
)

_names = itertools.count(1)


def is_gx_suite(obj: Any) -> bool:
    """True when ``obj`` is a ``great_expectations.ExpectationSuite`` (GX is not imported)."""
    cls = type(obj)
    return cls.__module__.startswith("great_expectations.") and cls.__name__ == "ExpectationSuite"


class GXCheck:
    """A Great Expectations suite run as one govern check.

    Build one with `from_suite` (a suite object) or `from_path` (a suite JSON file, GX 1.x
    or 0.x). The GX objects are created on the first `run` and reused afterwards.
    """

    backend = "gx"

    def __init__(self, expectations: Sequence[Mapping[str, Any]], *, name: str) -> None:
        """Wrap already-normalised expectation dicts (``type``, ``kwargs``, ...)."""
        self.name = name
        self._expectations = [dict(e) for e in expectations]
        self._suite_obj: Any = None
        self._validation: Any = None  # the GX ValidationDefinition, built on first run
        self._spark_validation: Any = None  # the same over the Spark data source
        self._mostly: float | None = None  # a Gate's tolerance, applied by GX itself

    def __repr__(self) -> str:
        return f"GXCheck(name={self.name!r})"

    @property
    def expectations(self) -> list[dict[str, Any]]:
        """The suite's expectations as normalised dicts (``type``, ``kwargs``, ...)."""
        if self._suite_obj is not None and not self._expectations:
            where = f"Great Expectations suite {self.name!r}"
            self._expectations = [
                _normalise(e.configuration.to_json_dict(), i, where)
                for i, e in enumerate(self._suite_obj.expectations)
            ]
        return self._expectations

    def with_mostly(self, mostly: float) -> GXCheck:
        """This suite under a Gate's ``mostly``, in GX's own meaning of ``mostly``.

        Every expectation that takes a ``mostly`` (column map, column pair and
        multicolumn expectations) and sets no ``mostly`` below 1 of its own gets the
        Gate's, so GX itself decides success: failing rows over the rows GX considers
        (non-null values for most column expectations; all rows for
        ``expect_column_values_to_not_be_null``). An expectation's own ``mostly`` below 1
        is kept: it is the more specific declaration (GX does not keep an explicit 1.0
        apart from its default).
        """
        check = GXCheck(self._expectations, name=self.name)
        check._suite_obj = self._suite_obj
        check._mostly = mostly
        return check

    def subset(self, keep: Sequence[int], *, name: str | None = None) -> GXCheck:
        """A check of the expectations at positions ``keep`` only (``govern validate``)."""
        check = GXCheck([self.expectations[i] for i in keep], name=name or self.name)
        check._mostly = self._mostly
        return check

    @classmethod
    def from_suite(cls, suite: Any) -> GXCheck:
        """Gate with a ``great_expectations.ExpectationSuite`` object.

        Raises:
            GateDefinitionError: ``suite`` is not an ExpectationSuite.
        """
        if not is_gx_suite(suite):
            raise GateDefinitionError(
                f"expected a great_expectations.ExpectationSuite, got {_type_name(suite)}"
            )
        check = cls((), name=str(suite.name))
        check._suite_obj = suite  # read on first run, when GX is imported anyway
        return check

    @classmethod
    def from_path(cls, path: str | PathLike[str]) -> GXCheck:
        """Gate with a suite JSON file, read and checked now (GX is not imported).

        Raises:
            GateDefinitionError: the file is missing, not JSON, or not a suite.
        """
        file = Path(path)
        where = f"Great Expectations suite file '{file}'"
        if not file.is_file():
            problem = "is a directory" if file.is_dir() else "does not exist"
            raise GateDefinitionError(f"{where} {problem}")
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except UnicodeDecodeError as e:
            raise GateDefinitionError(f"{where} is not JSON (not UTF-8 text)") from e
        except json.JSONDecodeError as e:
            raise GateDefinitionError(
                f"{where} is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}"
            ) from e
        except RecursionError:
            raise GateDefinitionError(f"{where} is nested too deeply to be a suite") from None
        if not isinstance(data, dict) or not isinstance(data.get("expectations"), list):
            raise GateDefinitionError(f"{where} is not a suite: it has no 'expectations' list")
        expectations = [_normalise(item, i, where) for i, item in enumerate(data["expectations"])]
        name = data.get("name") or data.get("expectation_suite_name") or file.stem
        return cls(expectations, name=str(name))

    def run(self, frame: Any, *, want_index: bool, sample_size: int) -> CheckOutcome:
        """Validate a pandas or Spark frame; one Finding per expectation, passed or failed."""
        engine = engine_for(frame)
        source = None if engine is None else engine.gx_source  # GX's data source for it
        if source == "spark":
            return self._run_spark(frame, want_index=want_index, sample_size=sample_size)
        if source != "pandas":
            raise NotAFrameError(
                f"got a {_type_name(frame)}; Great Expectations gates accept pandas DataFrames "
                "(and Spark DataFrames)"
            )
        if want_index:  # COMPLETE is the only format listing every failing row's index
            result_format: dict[str, Any] = {
                "result_format": "COMPLETE",
                "partial_unexpected_count": sample_size,
                "return_unexpected_index_query": False,  # a long string we never read
            }
        else:
            result_format = {"result_format": "SUMMARY", "partial_unexpected_count": sample_size}
        view = positional(frame)  # GX then reports row positions, exact for any index
        results = self._validate(view, result_format, spark=False)
        findings = [finding(r, want_index, sample_size, frame.index) for r in results]
        return CheckOutcome(frame=frame, findings=findings)

    def _run_spark(self, frame: Any, *, want_index: bool, sample_size: int) -> CheckOutcome:
        """Validate a Spark frame: GX counts with Spark; only summaries reach the driver."""
        result_format = {"result_format": "SUMMARY", "partial_unexpected_count": sample_size}
        findings = []
        for r in self._validate(frame, result_format, spark=True):
            found = finding(r, False, sample_size)  # SUMMARY: no row index to read
            if want_index and found.row_level and not found.passed:
                found = dataclasses.replace(found, message=_SPARK_UNPINNED)
            findings.append(found)
        return CheckOutcome(frame=frame, findings=findings)

    def _validate(self, frame: Any, result_format: dict[str, Any], *, spark: bool) -> Any:
        """GX's results for ``frame``; a GX exception becomes a CheckEvaluationError."""
        with gx_call() as context:
            validation = (self._spark_validation if spark else self._validation) or self._build(
                context, spark=spark
            )
            try:
                with quiet():
                    return validation.run(
                        batch_parameters={"dataframe": frame}, result_format=result_format
                    ).results
            except Exception as e:
                raise CheckEvaluationError(
                    f"Great Expectations suite {self.name!r} could not be evaluated"
                    f"{_culprit(self.expectations, e)}: {type(e).__name__}: "
                    f"{cut(' '.join(str(e).split()))}"
                ) from e

    def _build(self, context: Any, *, spark: bool = False) -> Any:
        """Add this check's suite, asset and validation definition to the shared context."""
        gx = sys.modules["great_expectations"]
        expectations = [self._expectation(e, i) for i, e in enumerate(self.expectations)]
        unique = f"govern-{next(_names)}-{uuid.uuid4().hex[:8]}"  # many suites coexist
        suite = context.suites.add(gx.ExpectationSuite(name=unique, expectations=expectations))
        data_source = spark_source(context) if spark else pandas_source(context)
        asset = data_source.add_dataframe_asset(name=unique)
        batch = asset.add_batch_definition_whole_dataframe(unique)
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=unique, data=batch, suite=suite)
        )
        if spark:
            self._spark_validation = validation
        else:
            self._validation = validation
        return validation

    def check_expectation(self, index: int) -> None:
        """Build expectation ``index`` with GX now (imports GX), as the first run would.

        Raises:
            GateDefinitionError: GX refuses it (an unknown type, a kwarg of a wrong type).
        """
        with gx_call():
            self._expectation(self.expectations[index], index)

    def _expectation(self, spec: Mapping[str, Any], index: int) -> Any:
        # One by one: ExpectationSuite(expectations=[dicts]) logs and silently DROPS an
        # invalid expectation, which would leave the gate quietly checking less.
        configuration = importlib.import_module(
            "great_expectations.expectations.expectation_configuration"
        ).ExpectationConfiguration
        try:
            expectation = configuration(**spec).to_domain_obj()
            tolerant = "mostly" in getattr(type(expectation), "__fields__", {})
            own = spec["kwargs"].get("mostly")
            if self._mostly is not None and tolerant and (own is None or own >= 1):
                expectation = configuration(
                    **{**spec, "kwargs": {**spec["kwargs"], "mostly": self._mostly}}
                ).to_domain_obj()
            return expectation
        except Exception as e:
            detail = cut(" ".join(str(e).split()), 200)
            raise GateDefinitionError(
                f"Great Expectations suite {self.name!r}: expectation #{index} "
                f"({spec['type']}) is not valid: {detail}"
            ) from e


def _normalise(item: Any, index: int, where: str) -> dict[str, Any]:
    """One expectation as GX 1.x keys; 0.x ``expectation_type`` becomes ``type``."""
    if not isinstance(item, dict):
        raise GateDefinitionError(f"{where} is not a suite: expectation #{index} is not an object")
    kind = item.get("type", item.get("expectation_type"))
    if not isinstance(kind, str) or not kind:
        raise GateDefinitionError(
            f"{where} is not a suite: expectation #{index} has no 'type' (GX 1.x) "
            "or 'expectation_type' (GX 0.x)"
        )
    kwargs = item.get("kwargs", {})
    if not isinstance(kwargs, dict):
        raise GateDefinitionError(f"{where}: expectation #{index} ({kind}) has non-object kwargs")
    spec = {k: item[k] for k in _EXPECTATION_KEYS if item.get(k) is not None}
    spec["type"] = kind
    spec["kwargs"] = {k: v for k, v in kwargs.items() if k not in _DROPPED_KWARGS}
    return spec


def _type_name(obj: Any) -> str:
    cls = type(obj)
    return (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )


def _culprit(expectations: Sequence[Mapping[str, Any]], error: Exception) -> str:
    """``: expectation #i check(...)`` for the expectation an error names, else ``""``."""
    found = re.search(r"\$PARAMETER (\S+)", str(error))
    for i, spec in enumerate(expectations):
        kwargs = spec.get("kwargs", {})
        for value in kwargs.values():
            named = isinstance(value, dict) and "$PARAMETER" in value
            if named and (found is None or str(value["$PARAMETER"]) == found.group(1)):
                return f": expectation #{i} {check_name(spec['type'], kwargs)}"
    return ""
