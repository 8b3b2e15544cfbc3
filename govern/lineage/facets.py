"""Facets of govern's events: the two custom ones, and builders for the standard ones.

The data-quality facets (metrics, assertions, the test run facet) are in
``govern.lineage.quality``.

Custom facets follow the OpenLineage rules for them: a ``govern_`` prefix, a JSON Schema
per facet (shipped in ``govern/lineage/schemas/``) and an immutable, versioned
``_schemaURL``. The URL is an identifier, not a download: a change to a facet's shape
gets a new version directory and a new schema file, never an edit of a published one.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import attr
from openlineage.client.facet_v2 import (
    DatasetFacet,
    RunFacet,
    dataset_type_dataset,
    dataset_version_dataset,
    datasource_dataset,
    documentation_dataset,
    ownership_dataset,
    schema_dataset,
    tags_dataset,
)

from govern.lineage.redact import redact_text, safe_name, scrub
from govern.types import (
    CheckResult,
    ContractRef,
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
    "GovernCheckpointRunFacet",
    "GovernContractDatasetFacet",
    "GovernGateRunFacet",
    "GovernModelDatasetFacet",
    "dataset_facets",
    "event_name",
    "gate_facet",
    "model_facets",
    "model_name",
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
class GovernCheckpointRunFacet(RunFacet):
    """``govern_checkpoint``: the record's position and hash when a pipeline run ended.

    Every OpenLineage consumer that keeps the run's events keeps this copy of the chain
    head outside the store, where the store's writers cannot roll it back.
    """

    seq: int
    head: str

    @staticmethod
    def _get_schema() -> str:
        return SCHEMA_URL_BASE + "GovernCheckpointRunFacet.json#/$defs/GovernCheckpointRunFacet"


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


@attr.define
class GovernContractDatasetFacet(DatasetFacet):
    """``govern_contract``: the data contract (ODCS) a dataset version was gated with."""

    id: str
    version: str
    schema: str
    standard: str = "ODCS"

    @staticmethod
    def _get_schema() -> str:
        return SCHEMA_URL_BASE + "GovernContractDatasetFacet.json#/$defs/GovernContractDatasetFacet"


# -- helpers --------------------------------------------------------------------------


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
_NO_LOCATION = (DatasetKind.STAGE_OUTPUT, DatasetKind.ANONYMOUS, DatasetKind.DERIVED)


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
    """schema, dataSource, version, datasetType and tags (PII columns) of one dataset.

    A dataset gated with a data contract also carries the contract's documentation
    (description), ownership (team), tags and ``govern_contract`` (id, version, object).
    """
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
    tags = [
        tags_dataset.TagsDatasetFacetFields(key="pii", value="true", source=_SOURCE, field=name)
        for name, _ in dv.schema
        if name in pii
    ]
    if dv.contract is not None:
        tags += _contract_facets(dv.contract, facets)
    if tags:
        facets["tags"] = tags_dataset.TagsDatasetFacet(tags=tags)
    return facets


def _contract_facets(
    contract: ContractRef, facets: dict[str, DatasetFacet]
) -> list[tags_dataset.TagsDatasetFacetFields]:
    """documentation, ownership and govern_contract from a contract; returns its tags."""
    if contract.description and contract.description.strip():
        facets["documentation"] = documentation_dataset.DocumentationDatasetFacet(
            description=redact_text(contract.description), contentType="text/plain"
        )
    if contract.owners:
        facets["ownership"] = ownership_dataset.OwnershipDatasetFacet(
            owners=[ownership_dataset.Owner(name=n, type=role) for n, role in contract.owners]
        )
    facets["govern_contract"] = GovernContractDatasetFacet(
        id=contract.id, version=contract.version, schema=contract.schema
    )
    return [
        tags_dataset.TagsDatasetFacetFields(key=tag, value="true", source="ODCS")
        for tag in contract.tags
    ]


def _source_uri(namespace: str, name: str) -> str | None:
    if namespace == "file":
        return Path(name).as_uri() if name.startswith("/") else None
    return namespace if "://" in namespace else None


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
