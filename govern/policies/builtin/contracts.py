"""contract_sla: a dataset meets the service levels its ODCS contract states."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from govern.errors import GovernError, PolicyError
from govern.policies.builtin.freshness import human_age
from govern.policies.context import RuleContext
from govern.policies.params import Param
from govern.policies.registry import Outcome, rule
from govern.policies.targets import DatasetTarget

__all__ = ["contract_sla"]

_FREQUENCY_WINDOW = 30


@rule(
    "contract_sla",
    target="dataset",
    params={
        "contract": Param("string", required=True, doc="the ODCS contract file (.odcs.yaml)"),
    },
)
def contract_sla(target: DatasetTarget, ctx: RuleContext, params: Mapping[str, Any]) -> Outcome:
    """The dataset's recorded versions meet the contract's freshness and frequency."""
    from govern.contracts.document import load_document
    from govern.contracts.sla import sla_terms

    path = Path(params["contract"])
    try:
        terms, skipped = sla_terms(load_document(path))
    except GovernError as exc:
        raise PolicyError(f"rule contract_sla: {exc}") from None
    if not terms:
        raise PolicyError(
            f"rule contract_sla: {path} states no service level the record can judge "
            "(latency/freshness, frequency)"
        )
    usages = ctx.store.dataset_usages(target.ref.name, target.ref.namespace)
    times = sorted(u.ended_at for u in usages)
    if not times:
        return Outcome.fail(f"{target.key} has no recorded version")
    failures: list[str] = []
    measured: list[str] = []
    for term in terms:
        if term.kind == "freshness":
            age = ctx.now - times[-1]
            text = f"newest version {human_age(age)} old ({term.source} allowed)"
            (failures if age > term.limit else measured).append(text)
        else:
            recent = times[-_FREQUENCY_WINDOW:]
            if len(recent) < 2:
                measured.append(f"one version so far ({term.source} not yet judged)")
                continue
            gap = max(b - a for a, b in itertools.pairwise(recent))
            text = f"largest gap between versions {human_age(gap)} ({term.source} allowed)"
            (failures if gap > term.limit else measured).append(text)
    note = f"; not judged from the record: {', '.join(skipped)}" if skipped else ""
    if failures:
        return Outcome.fail("; ".join(failures + measured) + note)
    return Outcome.ok("; ".join(measured) + note)
