"""What orchestrator integrations read off a governed stage: its gated places and verdicts.

No orchestrator import here: the Dagster and Kedro integrations map these plain values
onto their own types (asset checks, catalog validators).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from govern.runtime import StageSpec
from govern.types import CheckResult, DatasetRef, Outcome, Severity, StageResult

__all__ = ["GatedPlace", "Verdict", "gated_places", "stage_spec", "verdicts"]


def stage_spec(func: Callable[..., Any]) -> StageSpec | None:
    """The compiled spec of a ``@govern.stage`` function, or None for a plain function."""
    spec = getattr(func, "__govern_stage__", None)
    return spec if isinstance(spec, StageSpec) else None


@dataclass(frozen=True, slots=True)
class GatedPlace:
    """One gated argument or return value of a stage (one orchestrator check each)."""

    name: str  # a safe identifier: input_<param>, output, output_<key>
    role: str  # "input" | "output"
    parameter: str  # as govern records it: the parameter, "return", "return['k']"
    severity: Severity  # the strictest of its gates'
    description: str


def _safe(text: str) -> str:
    return re.sub(r"\W+", "_", text).strip("_") or "value"


def gated_places(spec: StageSpec) -> list[GatedPlace]:
    """Every gated place of ``spec``, in signature order then outputs."""

    def strictest(gates: tuple[Any, ...]) -> Severity:
        error = any(g.severity is Severity.ERROR for g in gates)
        return Severity.ERROR if error else Severity.WARN

    def what(gates: tuple[Any, ...]) -> str:
        return ", ".join(f"{g.check.backend} {getattr(g.check, 'name', '?')}" for g in gates)

    places = [
        GatedPlace(
            f"input_{_safe(param)}",
            "input",
            param,
            strictest(gates),
            f"govern gate on stage {spec.name!r} parameter {param!r}: {what(gates)}",
        )
        for param, gates in spec.inputs.items()
    ]
    out = spec.outputs
    keyed: list[tuple[str, str, tuple[Any, ...]]] = []
    if out.single:
        keyed.append(("output", "return", out.single))
    keyed += [(f"output_{_safe(k)}", f"return[{k!r}]", g) for k, g in out.by_key.items()]
    keyed += [(f"output_{i}", f"return[{i}]", g) for i, g in enumerate(out.by_position) if g]
    places += [
        GatedPlace(
            name,
            "output",
            param,
            strictest(g),
            f"govern gate on stage {spec.name!r} {param}: {what(g)}",
        )
        for name, param, g in keyed
    ]
    return places


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one gated place's checks said in one stage call."""

    place: GatedPlace
    dataset: DatasetRef | None
    fingerprint: str | None
    checks: tuple[CheckResult, ...]
    quarantined_rows: int

    @property
    def evaluated(self) -> bool:
        """False when the gate never ran (the stage stopped before it)."""
        return bool(self.checks)

    @property
    def passed(self) -> bool:
        """Every check ran and passed (a check that could not run never passes)."""
        return all(c.outcome is Outcome.PASSED for c in self.checks)

    @property
    def severity(self) -> Severity:
        """ERROR when an error-severity check failed or could not run, else WARN."""
        bad = [c for c in self.checks if c.outcome is not Outcome.PASSED]
        return Severity.ERROR if any(c.severity is Severity.ERROR for c in bad) else Severity.WARN

    def summary(self) -> dict[str, Any]:
        """Plain JSON-able facts for the orchestrator's metadata."""
        failed = [c for c in self.checks if c.outcome is not Outcome.PASSED]
        return {
            "dataset": None
            if self.dataset is None
            else f"{self.dataset.namespace}:{self.dataset.name}",
            "dataset_version": self.fingerprint,
            "checks": len(self.checks),
            "failed_checks": len(failed),
            "failed": [
                {
                    "check": c.check,
                    "column": c.column,
                    "outcome": str(c.outcome),
                    "severity": str(c.severity),
                    "failed_count": c.failed_count,
                }
                for c in failed[:20]
            ],
            "quarantined_rows": self.quarantined_rows,
        }


def verdicts(spec: StageSpec, result: StageResult) -> list[Verdict]:
    """Each gated place of ``spec`` with the checks ``result`` recorded for it."""
    found = []
    for place in gated_places(spec):
        versions = [
            d for d in result.datasets if d.role == place.role and d.parameter == place.parameter
        ]
        version = versions[-1] if versions else None
        name = None if version is None else version.ref.name
        checks = tuple(c for c in result.checks if name is not None and c.dataset == name)
        rows = sum(q.rows for q in result.quarantine if name is not None and q.dataset == name)
        found.append(
            Verdict(
                place,
                None if version is None else version.ref,
                None if version is None else version.fingerprint,
                checks,
                rows,
            )
        )
    return found
