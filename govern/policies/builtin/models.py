"""Rules about model versions: training data, metrics, card, lineage and sign-off."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from govern.errors import describe_check
from govern.policies.context import RuleContext
from govern.policies.params import Param
from govern.policies.registry import Outcome, rule
from govern.policies.targets import ModelTarget
from govern.types import (
    CheckResult,
    DatasetKind,
    DatasetRef,
    ModelVersion,
    Severity,
    StageResult,
    Status,
)

__all__ = [
    "DEFAULT_CARD_FIELDS",
    "lineage_complete",
    "model_card",
    "model_metrics",
    "signoff",
    "training_data_gates",
]

_LISTED = 5
DEFAULT_CARD_FIELDS = ("description", "owners", "intended_use", "limitations")


def _listed(items: list[str]) -> str:
    more = f"; and {len(items) - _LISTED} more" if len(items) > _LISTED else ""
    return "; ".join(items[:_LISTED]) + more


@rule(
    "training_data_gates",
    target="model",
    params={
        "include_warn": Param(
            "boolean", default=True, doc="warn-severity failures count too (default true)"
        ),
        "allow_quarantined": Param(
            "boolean",
            default=True,
            doc="failures whose rows were quarantined (so never reached training) do not count",
        ),
    },
)
def training_data_gates(
    target: ModelTarget, ctx: RuleContext, params: Mapping[str, Any]
) -> Outcome:
    """A model's training data passed all its gates in the run that trained it.

    Rows a gate quarantined never reached training, so by default those failures do not
    count (``allow_quarantined: false`` counts them); ``quarantine_rate`` bounds them.
    """
    model = target.model
    names = {d.ref.name for d in model.training_datasets}
    if not names:
        return Outcome.fail(
            f"{model.ref}: no gated training data recorded; gate the training stage's inputs"
        )
    calls = ctx.stage_runs(model.run_id)
    checks = [(call, c) for call in calls for c in call.checks if c.dataset in names]
    failed = [
        f"stage {call.stage!r}: {describe_check(c)}"
        for call, c in checks
        if not c.passed
        and (params["include_warn"] or c.severity is Severity.ERROR)
        and not (params["allow_quarantined"] and _quarantined(call, c))
    ]
    data = ", ".join(sorted(names))
    if failed:
        return Outcome.fail(
            f"{model.ref}: training data ({data}) failed {len(failed)} check(s) in run "
            f"{model.run_id}: {_listed(failed)}"
        )
    return Outcome.ok(f"{model.ref}: training data ({data}) passed all {len(checks)} checks")


def _quarantined(call: StageResult, check: CheckResult) -> bool:
    """The check's failing rows were quarantined: only valid rows went on."""
    return call.status is Status.QUARANTINED and any(
        q.dataset == check.dataset for q in call.quarantine
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@rule(
    "model_metrics",
    target="model",
    params={
        "min": Param("metrics", doc="metric -> the least allowed value"),
        "max": Param("metrics", doc="metric -> the most allowed value"),
        "slices": Param("boolean", default=True, doc="apply min/max to every slice too"),
        "max_slice_gap": Param(
            "metrics", minimum=0.0, doc="metric -> the largest allowed best-worst slice gap"
        ),
        "min_slice_support": Param(
            "number",
            default=0.0,
            minimum=0.0,
            doc="ignore slices whose 'support' metric is below this",
        ),
    },
)
def model_metrics(target: ModelTarget, ctx: RuleContext, params: Mapping[str, Any]) -> Outcome:
    """Model metrics meet thresholds overall and in every slice; slice gaps stay bounded."""
    model = target.model
    lows: Mapping[str, float] = params["min"] or {}
    highs: Mapping[str, float] = params["max"] or {}
    gaps: Mapping[str, float] = params["max_slice_gap"] or {}
    if not (lows or highs or gaps):
        return Outcome.fail("nothing to check: give min, max or max_slice_gap")
    problems: list[str] = []
    checked = 0
    for metric, bound in lows.items():
        value = _number(model.metrics.get(metric))
        if value is None:
            problems.append(f"metric {metric!r} was not recorded")
        elif not value >= bound:  # NaN fails too
            problems.append(f"{metric} = {value:.4g} < {bound:.4g}")
        checked += 1
    for metric, bound in highs.items():
        value = _number(model.metrics.get(metric))
        if value is None:
            problems.append(f"metric {metric!r} was not recorded")
        elif not value <= bound:
            problems.append(f"{metric} = {value:.4g} > {bound:.4g}")
        checked += 1
    slices = _slices(model, float(params["min_slice_support"]))
    if params["slices"]:
        for name, values in slices.items():
            for metric, bound in lows.items():
                value = _number(values.get(metric))
                if value is not None and not value >= bound:
                    problems.append(f"slice {name}: {metric} = {value:.4g} < {bound:.4g}")
                checked += value is not None
            for metric, bound in highs.items():
                value = _number(values.get(metric))
                if value is not None and not value <= bound:
                    problems.append(f"slice {name}: {metric} = {value:.4g} > {bound:.4g}")
                checked += value is not None
    for metric, bound in gaps.items():
        values = {
            n: v
            for n, s in slices.items()
            if (v := _number(s.get(metric))) is not None and not math.isnan(v)
        }
        if len(values) < 2:
            problems.append(f"slice gap of {metric!r}: fewer than two slices report it")
            continue
        best = max(values, key=lambda n: values[n])
        worst = min(values, key=lambda n: values[n])
        gap = values[best] - values[worst]
        checked += 1
        if gap > bound:
            problems.append(
                f"{metric} gap between slices {best} ({values[best]:.4g}) and {worst} "
                f"({values[worst]:.4g}) is {gap:.4g} > {bound:.4g}"
            )
    if problems:
        return Outcome.fail(f"{model.ref}: {_listed(problems)}")
    return Outcome.ok(
        f"{model.ref}: {checked} threshold(s) met over {len(slices)} slice(s)"
        + "".join(f"; {m} = {_number(model.metrics.get(m)) or 0:.4g}" for m in lows)
    )


def _slices(model: ModelVersion, min_support: float) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for name, values in model.slices.items():
        support = _number(values.get("support"))
        if min_support and support is not None and support < min_support:
            continue
        out[name] = values
    return out


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict):
        return not value
    return False


@rule(
    "model_card",
    target="model",
    params={
        "fields": Param(
            "strings",
            default=DEFAULT_CARD_FIELDS,
            doc="card fields that must be present and non-empty",
        )
    },
)
def model_card(target: ModelTarget, ctx: RuleContext, params: Mapping[str, Any]) -> Outcome:
    """A model card has the required fields (intended use, owners, limitations...)."""
    model = target.model
    missing = [f for f in params["fields"] if _empty(model.card.get(f))]
    if missing:
        return Outcome.fail(
            f"{model.ref}: the model card lacks {', '.join(missing)}; add them to the card "
            "given to govern.model(..., card=...)"
        )
    return Outcome.ok(f"{model.ref}: the model card has {', '.join(params['fields'])}")


def _producer(calls: tuple[StageResult, ...], ref: DatasetRef, before: int) -> int | None:
    for index in range(before - 1, -1, -1):
        if any(d.role == "output" and d.ref == ref for d in calls[index].datasets):
            return index
    return None


@rule(
    "lineage_complete",
    target="model",
    params={
        "allow": Param(
            "strings", default=(), doc="dataset name patterns that may be anonymous inputs"
        )
    },
)
def lineage_complete(target: ModelTarget, ctx: RuleContext, params: Mapping[str, Any]) -> Outcome:
    """Lineage from sources to the model is complete (no anonymous inputs).

    Walks back from the stage that trained the model through the stages of its run that
    produced each input (and through models it used), until declared sources.
    """
    from fnmatch import fnmatchcase

    model = target.model
    problems: list[str] = []
    sources: set[str] = set()
    seen: set[tuple[str, str]] = set()
    pending: list[tuple[str, str, str]] = [(model.run_id, model.stage_run_id, str(model.ref))]
    while pending:
        run_id, stage_run_id, why = pending.pop()
        if (run_id, stage_run_id) in seen:
            continue
        seen.add((run_id, stage_run_id))
        calls = ctx.stage_runs(run_id)
        index = next((i for i, c in enumerate(calls) if c.stage_run_id == stage_run_id), None)
        if index is None:
            problems.append(f"{why}: the stage call {stage_run_id} is not recorded")
            continue
        call = calls[index]
        for used in call.models_used:
            upstream = ctx.model(used.name, used.version)
            if upstream is None:
                problems.append(f"stage {call.stage!r} used model {used}, which is not recorded")
            else:
                pending.append((upstream.run_id, upstream.stage_run_id, str(used)))
        for d in call.datasets:
            if d.role != "input" or d.ref.kind in (DatasetKind.MODEL, DatasetKind.DERIVED):
                continue  # a derived frame's sources are recorded as inputs of their own
            ref = d.ref
            if ref.kind is DatasetKind.SOURCE:
                sources.add(ref.qualified_name)
            elif ref.kind is DatasetKind.ANONYMOUS:
                if not any(fnmatchcase(ref.name, p) for p in params["allow"]):
                    problems.append(
                        f"stage {call.stage!r} read anonymous data ({d.parameter!r}, named "
                        f"{ref.name!r}); declare it with govern.source/read_csv/read_parquet "
                        "or pass the output of a governed stage"
                    )
            else:
                producer = _producer(calls, ref, index)
                if producer is None:
                    problems.append(
                        f"stage {call.stage!r} read {ref.name!r}, but no earlier stage of "
                        f"run {run_id} produced it"
                    )
                else:
                    pending.append((run_id, calls[producer].stage_run_id, ref.name))
    if problems:
        return Outcome.fail(f"{model.ref}: lineage is incomplete: {_listed(problems)}")
    if not sources:
        return Outcome.fail(f"{model.ref}: lineage reaches no declared source")
    return Outcome.ok(
        f"{model.ref}: lineage is complete back to {len(sources)} source(s): "
        + ", ".join(sorted(sources))
    )


@rule("signoff", target="model")
def signoff(target: ModelTarget, ctx: RuleContext, params: Mapping[str, Any]) -> Outcome:
    """A model (e.g. tagged production) has a sign-off for that exact version."""
    model = target.model
    key = f"{model.name}@{model.version}"
    found = ctx.approvals().get(key)
    if found is None or found.get("model") != model.name or found.get("version") != model.version:
        others = sorted(k for k in ctx.approvals() if k.startswith(f"{model.name}@"))
        hint = f" (signed-off versions: {', '.join(others)})" if others else ""
        return Outcome.fail(
            f"{key} has no sign-off{hint}; run `govern approve {key} --by EMAIL` once reviewed"
        )
    note = f": {found['note']}" if found.get("note") else ""
    return Outcome.ok(f"{key} signed off by {found.get('by')} at {found.get('approved_at')}{note}")
