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

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from govern.errors import ConfigError
from govern.ids import uuid7
from govern.policies.model import Evaluation, Verdict

if TYPE_CHECKING:
    from govern.store import LedgerRecord, Store

__all__ = ["APPROVAL", "POLICY_EVALUATION", "approve", "approver_identity", "record_evaluation"]

POLICY_EVALUATION = "policy_evaluation"
APPROVAL = "approval"
# an address as people write one: no spaces or control characters, one @, a dotted domain
_ATOM = r"[^@\s\x00-\x1f\x7f<>,;\"]"
_EMAIL = re.compile(rf"{_ATOM}+@{_ATOM}+\.(?:(?!\.){_ATOM})+")
_MAX_EMAIL = 254


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


def approver_identity(by: str) -> str:
    """``by`` as recorded: an e-mail address, or an identity listed in the settings.

    Accepted: an address such as ``dana@example.org`` (one ``@``, a dotted domain, no
    spaces), or a name listed in ``[tool.govern] approvers`` (``GOVERN_APPROVERS``,
    comma-separated), matched without regard to case and written as listed there.

    Raises:
        ConfigError: anything else (empty, a bare name, control characters).
    """
    from govern.config import settings

    text = by.strip()
    if not text:
        raise ConfigError("--by needs the name of the person signing off")
    for identity in settings().approvers:
        if identity.casefold() == text.casefold():
            return identity
    if len(text) <= _MAX_EMAIL and _EMAIL.fullmatch(text):
        return text
    shown = text if len(text) <= 80 else text[:77] + "..."
    raise ConfigError(
        f"--by {shown!r} is neither an e-mail address (e.g. dana@example.org) nor an "
        "identity listed in [tool.govern] approvers (or GOVERN_APPROVERS)"
    )


def approve(
    store: Store, name: str, version: int, *, by: str, note: str | None = None
) -> LedgerRecord:
    """Record a sign-off of model ``name@version`` by ``by``.

    Raises:
        ConfigError: ``by`` is not an e-mail address or a configured identity
            (:func:`approver_identity`), or ``by`` already signed off this version.
        ModelNotFoundError: no such model version is recorded.
    """
    identity = approver_identity(by)
    store.model(name, version)  # raises ModelNotFoundError, listing what exists
    for earlier in store.records(kind=APPROVAL):
        data = earlier.data
        if (
            data.get("model") == name
            and data.get("version") == version
            and str(data.get("by", "")).casefold() == identity.casefold()
        ):
            raise ConfigError(
                f"{identity} already signed off {name}@{version} (record {earlier.seq}, "
                f"{data.get('approved_at', 'at an unknown time')}); a sign-off is "
                "recorded once per person and version"
            )
    return store.append(
        APPROVAL,
        f"{name}@{version}",
        {
            "model": name,
            "version": version,
            "by": identity,
            "note": note.strip() if note and note.strip() else None,
            "approved_at": datetime.now(UTC).isoformat(),
        },
        run_id=None,
    )
