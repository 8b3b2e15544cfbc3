"""Data-quality facets: dataQualityMetrics, dataQualityAssertions, the test run facet.

The standard facets that carry a stage's checks and metrics, at the versions the
specification publishes (``tests/lineage/spec``): metrics as input and output facets,
each check of an input as a dataQualityAssertions 1-1-0 assertion, and the checks no
input facet can carry as the ``test`` run facet (TestRunFacet).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import attr
from openlineage.client.facet_v2 import (
    data_quality_assertions_dataset,
    data_quality_metrics_dataset,
    data_quality_metrics_input_dataset,
    output_statistics_output_dataset,
    test_run,
)

from govern.lineage.redact import redact_text, safe_name
from govern.types import CheckResult, DatasetVersion

__all__ = [
    "DataQualityMetricsDatasetFacet",
    "assertions",
    "input_metrics",
    "output_metrics",
    "output_statistics",
    "tests",
]


def _number(value: Any) -> float | int | None:
    """A finite JSON number, else None (the facets type these fields as numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if math.isfinite(value) else None


def _integer(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None and float(number).is_integer() else None


def _column_metrics(metrics: Mapping[str, Any], pii: bool) -> dict[str, Any]:
    """One column's metrics typed as the facet wants; a PII column keeps only counts."""
    out: dict[str, Any] = {
        "nullCount": _integer(metrics.get("nullCount")),
        "distinctCount": _integer(metrics.get("distinctCount")),
        "count": _number(metrics.get("count")),
    }
    if not pii:
        out["sum"] = _number(metrics.get("sum"))
        out["min"] = _number(metrics.get("min"))
        out["max"] = _number(metrics.get("max"))
        quantiles = metrics.get("quantiles")
        if isinstance(quantiles, Mapping):
            kept = {str(k): _number(v) for k, v in quantiles.items()}
            out["quantiles"] = {k: v for k, v in kept.items() if v is not None}
    return {k: v for k, v in out.items() if v is not None and v != {}}


def _metrics_args(dv: DatasetVersion, pii: Collection[str]) -> dict[str, Any] | None:
    metrics = dv.metrics
    if not metrics:
        return None
    columns = metrics.get("columnMetrics")
    return {
        "rowCount": _integer(metrics.get("rowCount", dv.row_count)),
        "bytes": _integer(metrics.get("bytes")),
        "columnMetrics": {
            str(name): _column_metrics(values, str(name) in pii)
            for name, values in (columns.items() if isinstance(columns, Mapping) else ())
            if isinstance(values, Mapping)
        },
    }


def input_metrics(
    dv: DatasetVersion, pii: Collection[str]
) -> data_quality_metrics_input_dataset.DataQualityMetricsInputDatasetFacet | None:
    """The input facet dataQualityMetrics from the dataset's recorded metrics."""
    args = _metrics_args(dv, pii)
    if args is None:
        return None
    m = data_quality_metrics_input_dataset
    columns = {k: m.ColumnMetrics(**v) for k, v in args.pop("columnMetrics").items()}
    return m.DataQualityMetricsInputDatasetFacet(columnMetrics=columns, **args)


@attr.define
class DataQualityMetricsDatasetFacet(data_quality_metrics_dataset.DataQualityMetricsDatasetFacet):
    """dataQualityMetrics of an output, named as the published 1-0-0 schema.

    openlineage-python names 1-0-1, a version the specification never published (its
    only addition, captureDate, is never set here), so a validator fetching the URL
    finds nothing; 1-0-0 exists and the facet validates against it.
    """

    @staticmethod
    def _get_schema() -> str:
        return (
            "https://openlineage.io/spec/facets/1-0-0/DataQualityMetricsDatasetFacet.json"
            "#/$defs/DataQualityMetricsDatasetFacet"
        )


def output_metrics(
    dv: DatasetVersion, pii: Collection[str]
) -> data_quality_metrics_dataset.DataQualityMetricsDatasetFacet | None:
    """The dataset facet dataQualityMetrics of an output (schema 1-0-0, see the class)."""
    args = _metrics_args(dv, pii)
    if args is None:
        return None
    m = data_quality_metrics_dataset
    columns = {k: m.ColumnMetrics(**v) for k, v in args.pop("columnMetrics").items()}
    return DataQualityMetricsDatasetFacet(columnMetrics=columns, **args)


def output_statistics(
    dv: DatasetVersion,
) -> output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet | None:
    """outputStatistics: the rows (and bytes) a stage wrote."""
    if dv.row_count is None:
        return None
    size = _integer((dv.metrics or {}).get("bytes"))
    return output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
        rowCount=int(dv.row_count), size=size
    )


def _check_type(check: str) -> str:
    """A check's classification: ``in_range(0, 100)`` -> ``in_range``."""
    return check.split("(", 1)[0].strip() or check


def _check_params(c: CheckResult) -> dict[str, Any]:
    params = {
        "failedCount": int(c.failed_count),
        "checkedCount": c.checked_count,
        "rowLevel": c.row_level,
        "backend": c.backend or None,
        # a measured check (govern.Stable): the value and the range it had to be in
        "observed": getattr(c, "observed", None),
        "lower": getattr(c, "lower", None),
        "upper": getattr(c, "upper", None),
    }
    # JSON has no NaN or infinity: such a value is left out
    return {
        k: v
        for k, v in params.items()
        if v is not None and not (isinstance(v, float) and not math.isfinite(v))
    }


def assertions(
    checks: Sequence[CheckResult],
) -> data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet | None:
    """The input facet dataQualityAssertions (1-1-0): one assertion per check of the dataset.

    ``assertion`` is the check's kind (``in_range``), ``name`` the check as written,
    ``description`` its message, ``actual`` the failing row count.
    """
    if not checks:
        return None
    m = data_quality_assertions_dataset
    return m.DataQualityAssertionsDatasetFacet(
        assertions=[
            m.Assertion(
                assertion=redact_text(_check_type(c.check)),
                success=bool(c.passed),
                column=c.column,
                severity=str(c.severity),
                name=redact_text(c.check),
                description=None if c.message is None else redact_text(c.message),
                expected=None if c.expected is None else redact_text(c.expected),
                actual=str(int(c.failed_count)),
                params=_check_params(c),
            )
            for c in checks
        ]
    )


def tests(checks: Sequence[CheckResult]) -> test_run.TestRunFacet | None:
    """The run facet ``test`` (TestRunFacet) for checks no dataset facet can carry.

    dataQualityAssertions is an *input* dataset facet, so checks of a stage's outputs
    (and of a dataset the stage neither read nor wrote) are reported here, each naming
    its dataset in ``params``. A check that did not run is ``skip``.
    """
    if not checks:
        return None
    return test_run.TestRunFacet(
        tests=[
            test_run.TestExecution(
                name=redact_text(c.check),
                status=_status(c),
                severity=str(c.severity),
                type=redact_text(_check_type(c.check)),
                description=None if c.message is None else redact_text(c.message),
                expected=None if c.expected is None else redact_text(c.expected),
                actual=str(int(c.failed_count)),
                params={
                    "dataset": safe_name(c.dataset),
                    **({"column": c.column} if c.column else {}),
                    **_check_params(c),
                },
            )
            for c in checks
        ]
    )


def _status(check: CheckResult) -> str:
    if getattr(check, "outcome", None) == "not_run":  # the gates' three-way outcome
        return "skip"
    return "pass" if check.passed else "fail"
