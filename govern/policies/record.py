"""Writing to the chain: policy verdicts (``policy_evaluation``) and sign-offs (``approval``).

Both go through ``Store.append``, so they are hash-chained and verified like every other
record. The record shapes are agreed with the reports (and anyone reading the store):

- ``policy_evaluation``: record id a UUIDv7, run id the evaluated run (one record per
  run evaluated, holding the verdicts about that run's targets; None for pipelines that
  never ran), data ``{evaluated_at, policies, fail_on, passed, verdicts,
  expired_waivers}``.
- ``approval``: record id ``NAME@VERSION``, no run id, data ``{model, version, by,
  note, approved_at}``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from govern.errors import ConfigError
from govern.ids import uuid7
from govern.policies.model import Evaluation, Verdict

if TYPE_CHECKING:
    from govern.store import LedgerRecord, Store

__all__ = ["APPROVAL", "POLICY_EVALUATION", "approve", "record_evaluation"]

POLICY_EVALUATION = "policy_evaluation"
APPROVAL = "approval"


def record_evaluation(store: Store, evaluation: Evaluation) -> list[LedgerRecord]:
    """Append one ``policy_evaluation`` record per run evaluated; returns them."""
    groups: dict[str | None, list[Verdict]] = {run_id: [] for run_id in evaluation.runs}
    for verdict in evaluation.verdicts:
        groups.setdefault(verdict.run_id, []).append(verdict)
    return [
        store.append(
            POLICY_EVALUATION,
            uuid7(),
            evaluation.to_record(tuple(verdicts)),
            run_id=run_id,
        )
        for run_id, verdicts in groups.items()
    ]


def approve(
    store: Store, name: str, version: int, *, by: str, note: str | None = None
) -> LedgerRecord:
    """Record a sign-off of model ``name@version`` by ``by``.

    Raises:
        ConfigError: an empty name for the approver.
        ModelNotFoundError: no such model version is recorded.
    """
    if not by.strip():
        raise ConfigError("--by needs the name of the person signing off")
    store.model(name, version)  # raises ModelNotFoundError, listing what exists
    return store.append(
        APPROVAL,
        f"{name}@{version}",
        {
            "model": name,
            "version": version,
            "by": by.strip(),
            "note": note.strip() if note and note.strip() else None,
            "approved_at": datetime.now(UTC).isoformat(),
        },
        run_id=None,
    )
