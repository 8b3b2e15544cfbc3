"""A dataset's recorded versions, in record order: what ``govern drift`` and reports read.

``sightings(usages, namespace, name)`` turns the stage calls that read or wrote a dataset
(``Store.dataset_usages``, in the record's order) into its versions: one per stage call
that recorded a summary of it, except that a version seen again in the same run (the
output of one stage read by the next) is one version, with the ``stable:*`` checks of
every call that saw it. A version recorded again by a later run (the same content on
another day) is another point of the history. Pure: nothing here reads the store.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from govern.errors import VersionNotFoundError
from govern.monitoring.summary import DatasetSummary
from govern.types import CheckResult, StageResult

__all__ = ["Sighting", "pick", "short_version", "sightings"]

STABLE_PREFIX = "stable:"


@dataclass(frozen=True)
class Sighting:
    """One version of a dataset in its history.

    Attributes:
        index: its place in the history (0: the oldest).
        version: the content fingerprint (None where none was computed).
        run_id, stage, started_at: the first stage call that recorded it.
        summary: its recorded monitoring summary.
        checks: ``stable:*`` checks on it, from every call of the run that saw it.
    """

    index: int
    version: str | None
    run_id: str
    stage: str
    started_at: datetime
    summary: DatasetSummary
    checks: tuple[CheckResult, ...] = field(default=())

    @property
    def label(self) -> str:
        """The short version (or ``#index``) people read and type."""
        return short_version(self.version) if self.version else f"#{self.index + 1}"

    @property
    def anomalies(self) -> tuple[CheckResult, ...]:
        """Its failed ``stable:*`` checks."""
        return tuple(c for c in self.checks if c.outcome == "failed")


def short_version(version: str) -> str:
    """``xxh3-128:0f3a...`` as its first 12 hex digits, like a short git hash."""
    return version.partition(":")[2][:12] or version[:12]


def _summary(value: Any) -> DatasetSummary | None:
    if isinstance(value, DatasetSummary):
        return value
    if isinstance(value, Mapping):
        return DatasetSummary.from_dict(value)
    return None


def sightings(usages: Sequence[StageResult], namespace: str, name: str) -> list[Sighting]:
    """The dataset's versions with a summary, oldest first (see the module docstring)."""
    found: list[Sighting] = []
    for call in usages:
        stable = tuple(
            c for c in call.checks if c.dataset == name and c.check.startswith(STABLE_PREFIX)
        )
        for dv in call.datasets:
            if (dv.ref.namespace, dv.ref.name) != (namespace, name):
                continue
            last = found[-1] if found else None
            if last is not None and last.run_id == call.run_id and last.version == dv.fingerprint:
                found[-1] = replace(last, checks=last.checks + stable)
                stable = ()
                continue
            summary = _summary(dv.summary)
            if summary is None:
                continue
            found.append(
                Sighting(
                    len(found),
                    dv.fingerprint,
                    call.run_id,
                    call.stage,
                    call.started_at,
                    summary,
                    stable,
                )
            )
            stable = ()  # a call's checks go with its first sighting of the dataset
    return found


def pick(history: Sequence[Sighting], text: str) -> Sighting:
    """The version ``text`` names: ``latest``, ``latest~N``, ``#N``, or a version prefix.

    A prefix may omit the ``xxh3-128:`` part; one seen several times means its latest
    sighting.

    Raises:
        VersionNotFoundError: no such version, or a prefix of several (with close ones named).
    """
    if not history:
        raise VersionNotFoundError("no version of it has a recorded summary")
    wanted = text.strip()
    if wanted == "latest" or wanted.startswith("latest~"):
        back = wanted.partition("~")[2] or "0"
        if not back.isdigit() or int(back) >= len(history):
            raise VersionNotFoundError(
                f"{text!r}: only {len(history)} version(s) are recorded (latest~0 to "
                f"latest~{len(history) - 1})"
            )
        return history[-1 - int(back)]
    if wanted.startswith("#") and wanted[1:].isdigit():
        number = int(wanted[1:])
        if 1 <= number <= len(history):
            return history[number - 1]
        raise VersionNotFoundError(f"{text!r}: versions are numbered #1 to #{len(history)}")
    bare = wanted.partition(":")[2] if ":" in wanted else wanted
    hits = [
        s for s in history if s.version and bare and s.version.partition(":")[2].startswith(bare)
    ]
    distinct = {s.version for s in hits}
    if len(distinct) == 1:
        return hits[-1]
    labels = sorted({s.label for s in history})
    if distinct:
        named = ", ".join(sorted(short_version(v) for v in distinct if v))
        raise VersionNotFoundError(f"{text!r} is a prefix of {len(distinct)} versions: {named}")
    close = difflib.get_close_matches(bare[:12], labels, n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise VersionNotFoundError(
        f"no recorded version {text!r}{hint} (`govern lineage versions NODE` lists them; "
        "latest, latest~N and #N work too)"
    )
