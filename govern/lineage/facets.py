"""Facets of govern's events: the two custom ones, and builders for the standard ones.

Custom facets follow the OpenLineage rules for them: a ``govern_`` prefix, a JSON Schema
per facet (shipped in ``govern/lineage/schemas/``) and an immutable, versioned
``_schemaURL``. The URL is an identifier, not a download: a change to a facet's shape
gets a new version directory and a new schema file, never an edit of a published one.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import attr
from openlineage.client.facet_v2 import (
    DatasetFacet,
    RunFacet,
    data_quality_assertions_dataset,
    data_quality_metrics_dataset,
    data_quality_metrics_input_dataset,
    dataset_type_dataset,
    dataset_version_dataset,
    datasource_dataset,
    documentation_dataset,
    output_statistics_output_dataset,
    ownership_dataset,
    schema_dataset,
    tags_dataset,
    test_run,
)

from govern.lineage.redact import redact_text, safe_name, scrub
from govern.types import (
    CheckResult,
    DatasetKind,
    DatasetRef,
    DatasetVersion,
    ModelVersion,
    StageResult,
)

__all__ = [
    "IN_MEMORY",
    "SCHEMA_DIR",
    "SCHEMA_URL_BASE",
    "DataQualityMetricsDatasetFacet",
    "GovernGateRunFacet",
    "GovernModelDatasetFacet",
    "assertions",
    "dataset_facets",
    "event_name",
    "gate_facet",
    "input_metrics",
    "model_facets",
    "model_name",
    "output_metrics",
    "output_statistics",
    "tests",
]

SCHEMA_URL_BASE = "https://govern.dev/spec/facets/1-0-0/"
SCHEMA_DIR = Path(__file__).with_name("schemas")
"""The shipped JSON Schemas, one file per custom facet, named as in its ``_schemaURL``."""

_SOURCE = "GOVERN"
_FILE_SCHEMES = {"file", "s3", "s3a", "gs", "gcs", "abfs", "abfss", "wasbs", "hdfs", "dbfs"}


@attr.define
class GovernGateRunFacet(RunFacet):
    """``govern_gate``: the gates' verdict on one stage run."""

    status: str
    onFail: str
    checksTotal: int
    checksFailed: int
    quarantine: list[dict[str, Any]] = attr.field(factory=list)
    failures: list[dict[str, Any]] = attr.field(factory=list)
    outputChecks: list[dict[str, Any]] = attr.field(factory=list)

    @staticmethod
    def _get_schema() -> str:
        return SCHEMA_URL_BASE + "GovernGateRunFacet.json#/$defs/GovernGateRunFacet"


@attr.define
class GovernModelDatasetFacet(DatasetFacet):
    """``govern_model``: a model version's metrics, slices and model card fields."""

    name: str
    version: int
    framework: str | None = None
    modelClass: str | None = None
    artifactFingerprint: str | None = None
    metrics: dict[str, Any] = attr.field(factory=dict)
    slices: dict[str, dict[str, Any]] = attr.field(factory=dict)
    card: dict[str, Any] = attr.field(factory=dict)
    inputSignature: list[dict[str, str]] = attr.field(factory=list)
    trainingDatasets: list[dict[str, str]] = attr.field(factory=list)

    @staticmethod
    def _get_schema() -> str:
        return SCHEMA_URL_BASE + "GovernModelDatasetFacet.json#/$defs/GovernModelDatasetFacet"


# -- helpers --------------------------------------------------------------------------


def _number(value: Any) -> float | int | None:
    """A finite JSON number, else None (the facets type these fields as numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if math.isfinite(value) else None


def _integer(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None and float(number).is_integer() else None


def _finite(value: Any) -> Any:
    """JSON-safe: non-finite floats become their name (events are strict JSON)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


IN_MEMORY = "inmemory://"
"""The Naming spec's namespace for datasets with no storage location."""
_NO_LOCATION = (DatasetKind.STAGE_OUTPUT, DatasetKind.ANONYMOUS)


def event_name(ref: DatasetRef) -> tuple[str, str]:
    """A dataset's OpenLineage (namespace, name), credentials removed.

    A frame with no storage location -- a stage's output, an undeclared input -- is named
    as the Naming spec names in-memory datasets: namespace ``inmemory://``, name
    ``<job namespace>/<name>`` (the record's namespace kept in the name, so two projects'
    ``pipeline.stage.return`` stay two datasets). Stored datasets keep their own.
    """
    namespace, name = safe_name(ref.namespace), safe_name(ref.name)
    if ref.kind in _NO_LOCATION:
        return IN_MEMORY, f"{namespace}/{name}"
    return namespace, name


def model_name(namespace: str, name: str) -> tuple[str, str]:
    """A model's OpenLineage (namespace, name): in memory, like a stage output."""
    return IN_MEMORY, f"{safe_name(namespace)}/{safe_name(name)}"


def dataset_type(namespace: str, kind: DatasetKind) -> str | None:
    """The datasetType facet value where it is known: FILE, TABLE, JOB_OUTPUT, MODEL."""
    if kind is DatasetKind.MODEL:
        return "MODEL"
    if kind is DatasetKind.STAGE_OUTPUT:
        return "JOB_OUTPUT"
    if kind is not DatasetKind.SOURCE:
        return None
    scheme = namespace.split("://", 1)[0].lower() if "://" in namespace else namespace.lower()
    return "FILE" if scheme in _FILE_SCHEMES else "TABLE"


# -- dataset facets -------------------------------------------------------------------


def dataset_facets(dv: DatasetVersion, pii: Collection[str]) -> dict[str, DatasetFacet]:
    """schema, dataSource, version, datasetType and tags (PII columns) of one dataset."""
    namespace, name = event_name(dv.ref)
    facets: dict[str, DatasetFacet] = {}
    if dv.schema:
        facets["schema"] = schema_dataset.SchemaDatasetFacet(
            fields=[
                schema_dataset.SchemaDatasetFacetFields(name=name, type=type_, ordinal_position=i)
                for i, (name, type_) in enumerate(dv.schema, 1)
            ]
        )
    facets["dataSource"] = datasource_dataset.DatasourceDatasetFacet(
        name=namespace, uri=_source_uri(namespace, name)
    )
    if dv.fingerprint:
        facets["version"] = dataset_version_dataset.DatasetVersionDatasetFacet(
            datasetVersion=dv.fingerprint
        )
    kind = dataset_type(safe_name(dv.ref.namespace), dv.ref.kind)
    if kind is not None:
        facets["datasetType"] = dataset_type_dataset.DatasetTypeDatasetFacet(datasetType=kind)
    flagged = [name for name, _ in dv.schema if name in pii]
    if flagged:
        facets["tags"] = tags_dataset.TagsDatasetFacet(
            tags=[
                tags_dataset.TagsDatasetFacetFields(
                    key="pii", value="true", source=_SOURCE, field=name
                )
                for name in flagged
            ]
        )
    return facets


def _source_uri(namespace: str, name: str) -> str | None:
    if namespace == "file":
        return Path(name).as_uri() if name.startswith("/") else None
    return namespace if "://" in namespace else None


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


def _verdict(check: CheckResult, pii: Collection[str], *, sample: bool) -> dict[str, Any]:
    verdict: dict[str, Any] = {
        "dataset": safe_name(check.dataset),
        "assertion": redact_text(check.check),
        "column": check.column,
        "severity": str(check.severity),
        "success": bool(check.passed),
        "failedCount": int(check.failed_count),
        "checkedCount": check.checked_count,
        "expected": None if check.expected is None else redact_text(check.expected),
    }
    if sample:
        verdict["message"] = None if check.message is None else redact_text(check.message)
        if check.column not in pii:
            verdict["sample"] = [
                {"index": s.index, "value": redact_text(s.value)} for s in check.sample
            ]
    return {k: v for k, v in verdict.items() if v is not None}


def _check_type(check: str) -> str:
    """A check's classification: ``in_range(0, 100)`` -> ``in_range``."""
    return check.split("(", 1)[0].strip() or check


def _check_params(c: CheckResult) -> dict[str, Any]:
    params = {
        "failedCount": int(c.failed_count),
        "checkedCount": c.checked_count,
        "rowLevel": c.row_level,
        "backend": c.backend or None,
    }
    return {k: v for k, v in params.items() if v is not None}


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


def gate_facet(
    result: StageResult, output_names: Collection[str], pii: Collection[str]
) -> GovernGateRunFacet:
    """``govern_gate``: status, on_fail, quarantine, failures, and the output checks."""
    return GovernGateRunFacet(
        status=str(result.status),
        onFail=str(result.on_fail),
        checksTotal=len(result.checks),
        checksFailed=len(result.failed_checks),
        quarantine=[
            {"dataset": safe_name(q.dataset), "rows": int(q.rows), "path": q.path}
            for q in result.quarantine
        ],
        failures=[_verdict(c, pii, sample=True) for c in result.failed_checks],
        outputChecks=[
            _verdict(c, pii, sample=False) for c in result.checks if c.dataset in output_names
        ],
    )


# -- models ---------------------------------------------------------------------------


def model_facets(model: ModelVersion) -> dict[str, DatasetFacet]:
    """version, datasetType MODEL, documentation, ownership, tags and govern_model."""
    card = scrub(_finite(dict(model.card)))
    facets: dict[str, DatasetFacet] = {
        "version": dataset_version_dataset.DatasetVersionDatasetFacet(
            datasetVersion=str(model.version)
        ),
        "datasetType": dataset_type_dataset.DatasetTypeDatasetFacet(datasetType="MODEL"),
    }
    description = card.get("description")
    if isinstance(description, str) and description.strip():
        facets["documentation"] = documentation_dataset.DocumentationDatasetFacet(
            description=description, contentType="text/plain"
        )
    owners = [o for o in map(_owner, card.get("owners") or ()) if o is not None]
    if owners:
        facets["ownership"] = ownership_dataset.OwnershipDatasetFacet(owners=owners)
    tags = [str(t) for t in card.get("tags") or () if isinstance(t, str | int | float)]
    if tags:
        facets["tags"] = tags_dataset.TagsDatasetFacet(
            tags=[
                tags_dataset.TagsDatasetFacetFields(key=t, value="true", source=_SOURCE)
                for t in tags
            ]
        )
    facets["govern_model"] = GovernModelDatasetFacet(
        name=model.name,
        version=int(model.version),
        framework=model.framework,
        modelClass=model.model_class,
        artifactFingerprint=model.artifact_fingerprint,
        metrics=scrub(_finite(dict(model.metrics))),
        slices={str(k): scrub(_finite(dict(v))) for k, v in model.slices.items()},
        card=card,
        inputSignature=[{"name": c, "type": t} for c, t in model.input_signature],
        trainingDatasets=[
            {
                k: v
                for k, v in {
                    "namespace": event_name(d.ref)[0],
                    "name": event_name(d.ref)[1],
                    "version": d.fingerprint,
                }.items()
                if v is not None
            }
            for d in model.training_datasets
        ],
    )
    return facets


def _owner(value: Any) -> ownership_dataset.Owner | None:
    if isinstance(value, str) and value.strip():
        return ownership_dataset.Owner(name=value)
    if isinstance(value, Mapping) and isinstance(value.get("name"), str):
        role = value.get("role") or value.get("type")
        return ownership_dataset.Owner(name=value["name"], type=str(role) if role else None)
    return None
