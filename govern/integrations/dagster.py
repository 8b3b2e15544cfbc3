"""Dagster: ``@govern.stage`` functions as assets, their gates as asset checks.

``governed_asset(stage)`` builds a Dagster asset from a governed function: its parameters
are the upstream assets, each gated parameter and gated return value is an
``AssetCheckSpec`` whose result (passed, ``AssetCheckSeverity`` from the gate's severity,
the failed checks and quarantined rows as metadata) the asset yields after the call. A gate
failure fails the step with govern's message after the check results are logged; nothing
is materialized. The output's metadata carries the govern run and stage-run ids, the
dataset version (the fingerprint govern records) and the quarantine counts.

``GovernResource`` makes each Dagster run one govern pipeline run whose OpenLineage
parent (and root) is the Dagster run (job name, run id). Under the in-process executor
every asset of the run records into that one govern run; under the multiprocess
executor each step's process opens its own (same name, same parent).

Datasets keep their govern identity across IO managers: each asset's output dataset is
noted (in-process, and as ``govern/dataset`` metadata for other processes) and the
value a downstream asset loads is known as that dataset again, so the record and
lineage equal those of the same functions called in plain Python.

This module imports Dagster; only users of Dagster import it (``govern[dagster]``).
"""

# no ``from __future__ import annotations``: Dagster reads the compute function's
# ``context`` annotation as an object
import inspect
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from govern.integrations.common import lineage_parent, require

require("dagster", "dagster")

import dagster as dg  # noqa: E402 -- after the check that names the extra to install

from govern.collect import last_result  # noqa: E402
from govern.engines import engine_for  # noqa: E402
from govern.errors import GateError, GovernError  # noqa: E402
from govern.integrations._stages import Verdict, gated_places, stage_spec, verdicts  # noqa: E402
from govern.runs import current_run, open_run  # noqa: E402
from govern.types import DatasetKind, DatasetRef, Severity, StageResult  # noqa: E402

__all__ = ["GovernResource", "asset_check_specs", "governed_asset"]

RESOURCE_KEY = "govern"
"""The resource key ``governed_asset`` requires (``resources={"govern": GovernResource()}``)."""

_DATASET_KEY = "govern/dataset"

_lock = threading.Lock()
# (dagster run id, asset key) -> the govern dataset an asset produced in this process
_produced: dict[tuple[str, dg.AssetKey], DatasetRef] = {}


class GovernResource(dg.ConfigurableResource):  # type: ignore[misc]
    """One govern pipeline run per Dagster run, its parent the Dagster run.

    Attributes:
        pipeline: the govern pipeline name (default: the Dagster job's name).
        namespace: the govern namespace (default: the configured one).
        job_namespace: the OpenLineage namespace of the Dagster job, as
            openlineage-dagster names it (default: ``OPENLINEAGE_NAMESPACE`` or
            ``default``).
    """

    pipeline: str | None = None
    namespace: str | None = None
    job_namespace: str | None = None

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["GovernResource"]:
        """Open the govern run for the Dagster run's steps; close it at teardown."""
        # ``run`` (``dagster_run`` before Dagster 1.11, deprecated since)
        dagster_run = getattr(context, "run", None) or context.dagster_run
        job = dagster_run.job_name if dagster_run is not None else "dagster"
        run_id = dagster_run.run_id if dagster_run is not None else ""
        namespace = self.job_namespace or os.environ.get("OPENLINEAGE_NAMESPACE") or "default"
        try:
            parent: dict[str, Any] | None = lineage_parent((namespace, job, run_id))
        except GovernError:  # no run id a lineage consumer accepts (a test harness's)
            parent = None
        with open_run(self.pipeline or job, namespace=self.namespace, parent=parent):
            try:
                yield self
            finally:
                with _lock:
                    for key in [k for k in _produced if k[0] == run_id]:
                        del _produced[key]


def asset_check_specs(
    stage: Callable[..., Any], *, asset: str | Sequence[str] | dg.AssetKey
) -> list[dg.AssetCheckSpec]:
    """One ``AssetCheckSpec`` per gated parameter or return value of a governed function.

    Args:
        stage: a ``@govern.stage`` function.
        asset: the key of the asset the checks are on.

    Raises:
        GovernError: ``stage`` is not a governed function.
    """
    spec = stage_spec(stage)
    if spec is None:
        raise GovernError(
            f"asset_check_specs: {getattr(stage, '__qualname__', stage)!r} is not a "
            "@govern.stage function"
        )
    key = dg.AssetKey.from_coercible(asset)
    return [
        dg.AssetCheckSpec(place.name, asset=key, description=place.description)
        for place in gated_places(spec)
    ]


def _input_names(func: Callable[..., Any]) -> list[str]:
    """The parameters an asset fills from upstream assets: those without a default."""
    return [
        p.name
        for p in inspect.signature(func).parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]


def governed_asset(
    stage: Callable[..., Any],
    *,
    name: str | None = None,
    ins: Mapping[str, str | Sequence[str] | dg.AssetKey] | None = None,
    **asset_kwargs: Any,
) -> dg.AssetsDefinition:
    """A Dagster asset computed by ``stage`` (governed or plain) inside the govern run.

    Args:
        stage: a ``@govern.stage`` function (its gates become asset checks), or a plain
            function producing a source (e.g. one returning ``govern.read_csv(...)``).
        name: the asset's name (default: the function's name).
        ins: parameter -> upstream asset key, for parameters not named after their
            upstream asset (default: the parameter's own name).
        **asset_kwargs: passed to ``dagster.asset`` (``group_name``, ``key_prefix``...).
    """
    spec = stage_spec(stage)
    asset_name = name or (spec.name if spec is not None else stage.__name__)
    params = _input_names(stage)
    unknown = sorted(set(ins or {}) - set(params))
    if unknown:
        raise GovernError(
            f"governed_asset({asset_name!r}): ins names {unknown}, which are not parameters "
            f"without a default of {stage.__qualname__} ({', '.join(params) or 'none'})"
        )
    upstream = {p: dg.AssetKey.from_coercible((ins or {}).get(p, p)) for p in params}
    prefix = asset_kwargs.get("key_prefix")
    key = dg.AssetKey([*_as_list(prefix), asset_name])
    checks = asset_check_specs(stage, asset=key) if spec is not None else []

    def compute(context: dg.AssetExecutionContext, **inputs: Any) -> Iterator[Any]:
        for param, value in inputs.items():
            _know(context, upstream[param], value)
        try:
            value = stage(**inputs)
        except GateError as exc:
            yield from _check_results(stage, exc.result, key)
            raise dg.Failure(description=str(exc), metadata=_run_metadata(exc.result)) from exc
        result = last_result() if spec is not None else None
        ref = _produced_ref(value, context.run.run_id, key)
        metadata = _run_metadata(result)
        if ref is not None:
            metadata[_DATASET_KEY] = {
                "namespace": ref.namespace,
                "name": ref.name,
                "kind": str(ref.kind),
            }
        version = _output_version(result)
        if version is not None:  # not Dagster's data_version: a beta API that warns
            metadata["govern/dataset_version"] = version
        yield dg.Output(value, metadata=metadata)
        if result is not None:
            yield from _check_results(stage, result, key)

    compute.__name__ = asset_name
    compute.__doc__ = stage.__doc__
    return dg.asset(
        name=asset_name,
        ins={p: dg.AssetIn(key=k) for p, k in upstream.items()},
        check_specs=checks or None,
        required_resource_keys={RESOURCE_KEY},
        **asset_kwargs,
    )(compute)


def _as_list(prefix: Any) -> list[str]:
    if prefix is None:
        return []
    return [prefix] if isinstance(prefix, str) else list(prefix)


def _know(context: dg.AssetExecutionContext, upstream: dg.AssetKey, value: Any) -> None:
    """Let govern know a loaded input as the dataset its upstream asset produced."""
    run = current_run()
    if run is None or engine_for(value) is None:
        return
    with _lock:
        ref = _produced.get((context.run.run_id, upstream))
    if ref is None:  # produced in another process: read the materialization's metadata
        event = context.instance.get_latest_materialization_event(upstream)
        found = (
            None
            if event is None or event.asset_materialization is None
            else (event.asset_materialization.metadata.get(_DATASET_KEY))
        )
        data = getattr(found, "value", None)
        if isinstance(data, Mapping) and {"namespace", "name", "kind"} <= set(data):
            ref = DatasetRef(str(data["namespace"]), str(data["name"]), DatasetKind(data["kind"]))
    if ref is not None:
        run.outputs.set(value, ref)


def _produced_ref(value: Any, run_id: str, key: dg.AssetKey) -> DatasetRef | None:
    from govern.datasets import SOURCES

    if engine_for(value) is None:
        return None
    run = current_run()
    ref = (run.outputs.get(value) if run is not None else None) or SOURCES.get(value)
    if ref is not None:
        with _lock:
            _produced[(run_id, key)] = ref
    return ref


def _run_metadata(result: StageResult | None) -> dict[str, Any]:
    if result is None:
        run = current_run()
        return {} if run is None else {"govern/run_id": run.id}
    return {
        "govern/run_id": result.run_id,
        "govern/stage_run_id": result.stage_run_id,
        "govern/status": str(result.status),
        "govern/quarantined_rows": sum(q.rows for q in result.quarantine),
        "govern/quarantine": {q.dataset: q.rows for q in result.quarantine},
    }


def _output_version(result: StageResult | None) -> str | None:
    if result is None:
        return None
    outputs = [d.fingerprint for d in result.datasets if d.role == "output" and d.fingerprint]
    return outputs[0] if len(outputs) == 1 else None


_SEVERITY = {Severity.ERROR: "ERROR", Severity.WARN: "WARN"}


def _check_results(
    stage: Callable[..., Any], result: StageResult, key: dg.AssetKey
) -> Iterator[dg.AssetCheckResult]:
    spec = stage_spec(stage)
    if spec is None:
        return
    for verdict in verdicts(spec, result):
        yield _check_result(verdict, key, result)


def _check_result(verdict: Verdict, key: dg.AssetKey, result: StageResult) -> dg.AssetCheckResult:
    metadata = {k: v for k, v in verdict.summary().items() if v is not None}
    metadata["govern/stage_run_id"] = result.stage_run_id
    if not verdict.evaluated:
        return dg.AssetCheckResult(
            check_name=verdict.place.name,
            asset_key=key,
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            description="not run: the stage stopped before this gate",
            metadata=metadata,
        )
    return dg.AssetCheckResult(
        check_name=verdict.place.name,
        asset_key=key,
        passed=verdict.passed,
        # a failure: the severity of what failed; a pass: the gate's own
        severity=getattr(
            dg.AssetCheckSeverity,
            _SEVERITY[verdict.place.severity if verdict.passed else verdict.severity],
        ),
        metadata=metadata,
    )
