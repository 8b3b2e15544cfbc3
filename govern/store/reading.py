"""The Store's reading API: runs, stages, models, datasets and raw records.

Every object returned is decoded from the ledger records themselves (govern.store.query).
Runs are ordered by their place in the chain (their ``run_started`` record's seq), never
by a clock, so a machine with a wrong clock cannot make its run "latest".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa

from govern.store import query
from govern.store.report import LedgerRecord, VerifyReport
from govern.store.schema import ledger, quarantine, runs
from govern.store.signing import Signer
from govern.store.sql import read_meta
from govern.store.summaries import SeriesRow, SummaryRow, series_rows, summary_rows
from govern.store.verify import verify as verify_store
from govern.types import DatasetRef, ModelVersion, RunInfo, StageResult

__all__ = ["Reading"]

T = TypeVar("T")


class Reading:
    """Read methods of the Store (a mixin: the Store supplies _read, location, signer)."""

    signer: Signer

    @property
    def location(self) -> str:
        """The store's path, or its URL with the password hidden."""
        raise NotImplementedError

    def _read(self, fn: Callable[[sa.Connection], T], action: str) -> T:
        raise NotImplementedError

    def runs(
        self,
        *,
        limit: int | None = None,
        pipeline: str | None = None,
        since: datetime | None = None,
    ) -> list[RunInfo]:
        """Recorded runs, newest (last begun in the chain) first; optionally one pipeline's."""
        return self._read(
            lambda c: query.runs_list(c, limit=limit, pipeline=pipeline, since=since),
            "list runs",
        )

    def run(self, run_id: str) -> RunInfo:
        """One run by id, unique id prefix, or ``latest`` (the last begun in the chain).

        Raises:
            StoreError: no such run (a RunNotFoundError).
        """

        def fn(conn: sa.Connection) -> RunInfo:
            found = query.find_run_id(conn, run_id, self.location)
            return query.runs_list(conn, run_id=found)[0]

        return self._read(fn, f"read run {run_id}")

    def clock_anomalies(self, run_ids: Sequence[str]) -> dict[str, str]:
        """Runs whose recorded times contradict the chain's order, with why.

        A run is flagged when it starts before the run begun just before it in the chain
        started, or before that run ended when its end was recorded first: one of the two
        machines' clocks was wrong. Ordering never depends on these times.
        """
        return self._read(lambda c: query.clock_anomalies(c, run_ids), "check run clocks")

    def stage_runs(self, run_id: str) -> list[StageResult]:
        """A run's stage calls in call order, fully rebuilt from the record."""

        def fn(conn: sa.Connection) -> list[StageResult]:
            return query.stage_runs_of(conn, query.find_run_id(conn, run_id, self.location))

        return self._read(fn, f"read the stages of run {run_id}")

    def stage_runs_by_run(self, run_ids: Sequence[str]) -> dict[str, list[StageResult]]:
        """The stage calls of many runs at once (full run ids), each run's in call order.

        The same as ``{i: stage_runs(i) for i in run_ids}`` in a few queries instead of
        one per run (reports and policy checks over thousands of runs).

        Raises:
            StoreError: an id is not a recorded run (a RunNotFoundError).
        """
        return self._read(
            lambda c: query.stage_runs_by_run(c, run_ids, self.location),
            f"read the stages of {len(run_ids)} run(s)",
        )

    def verified_stage_runs(
        self, run_ids: Sequence[str]
    ) -> tuple[VerifyReport, dict[str, list[StageResult]]]:
        """``verify()`` and ``stage_runs_by_run(run_ids)`` in one pass over the ledger.

        The stage calls are decoded from the very records the verification checked, in
        the same read transaction, so a report states the integrity of exactly what it
        shows; the verification itself is the whole ``verify()`` (every record).

        Raises:
            StoreError: an id is not a recorded run, or the store cannot be read.
        """

        def fn(conn: sa.Connection) -> tuple[VerifyReport, dict[str, list[StageResult]]]:
            meta = read_meta(conn) or {}
            return query.verified_stage_runs(
                conn,
                run_ids,
                self.location,
                lambda visit: verify_store(conn, meta, self.signer, visit=visit),
            )

        return self._read(fn, "verify the store and read its stage calls")

    def models(self) -> list[ModelVersion]:
        """Every recorded model version, by name then version."""
        return self._read(query.models_all, "list models")

    def model(self, name: str, version: int | None = None) -> ModelVersion:
        """One model version; the latest of that name when ``version`` is None.

        Raises:
            StoreError: no such model or version (a ModelNotFoundError).
        """
        return self._read(
            lambda c: query.model(c, name, version, self.location), f"read model {name}"
        )

    def model_usages(self, name: str, version: int) -> list[StageResult]:
        """Stage calls that used this model version as an input, in call order."""
        return self._read(
            lambda c: query.model_usages_of(c, name, version), f"read usages of {name}"
        )

    def datasets(self) -> list[DatasetRef]:
        """Every dataset a stage saw."""
        return self._read(query.datasets, "list datasets")

    def dataset_usages(self, name: str, namespace: str | None = None) -> list[StageResult]:
        """Stage calls that read or produced a dataset, in call order."""
        return self._read(
            lambda c: query.dataset_usages(c, name, namespace), f"read usages of {name}"
        )

    def dataset_summaries(
        self,
        name: str,
        namespace: str | None = None,
        *,
        limit: int | None = None,
        before_seq: int | None = None,
        role: str | None = None,
        whole: bool = False,
    ) -> list[SummaryRow]:
        """A dataset's recorded monitoring summaries, oldest first (see govern.store.summaries)."""
        return self._read(
            lambda c: summary_rows(
                c,
                name,
                namespace,
                limit=limit,
                before_seq=before_seq,
                role=role,
                whole=whole,
            ),
            f"read summaries of {name}",
        )

    def dataset_series(
        self,
        name: str,
        namespace: str | None = None,
        *,
        limit: int | None = None,
        role: str | None = None,
    ) -> list[SeriesRow]:
        """A dataset's packed summary numbers, one per stage call, oldest first."""
        return self._read(
            lambda c: series_rows(c, name, namespace, limit=limit, role=role),
            f"read the history of {name}",
        )

    def records(self, *, kind: str | None = None, run_id: str | None = None) -> list[LedgerRecord]:
        """Raw ledger records in chain order (for consumers of record kinds not typed here)."""

        def fn(conn: sa.Connection) -> list[LedgerRecord]:
            q = sa.select(ledger).order_by(ledger.c.seq)
            if kind is not None:
                q = q.where(ledger.c.kind == kind)
            if run_id is not None:
                q = q.where(ledger.c.run_id == run_id)
            return [_record(r) for r in conn.execute(q)]

        return self._read(fn, "read records")

    def records_after(
        self, seq: int, *, kinds: Sequence[str] | None = None, limit: int = 1000
    ) -> list[LedgerRecord]:
        """Up to ``limit`` records after ``seq`` in chain order (to page through the ledger)."""

        def fn(conn: sa.Connection) -> list[LedgerRecord]:
            q = sa.select(ledger).where(ledger.c.seq > seq).order_by(ledger.c.seq).limit(limit)
            if kinds is not None:
                q = q.where(ledger.c.kind.in_(list(kinds)))
            return [_record(r) for r in conn.execute(q)]

        return self._read(fn, "read records")

    def head_hash(self) -> str | None:
        """Hash of the last record, None when nothing is recorded."""
        return self._read(
            lambda c: c.execute(
                sa.select(ledger.c.hash).order_by(ledger.c.seq.desc()).limit(1)
            ).scalar(),
            "read the chain head",
        )

    def chain_hashes(self, size: int | None = None) -> list[tuple[int, str]]:
        """(seq, hash) of the first ``size`` records (all when None), in chain order."""

        def fn(conn: sa.Connection) -> list[tuple[int, str]]:
            q = sa.select(ledger.c.seq, ledger.c.hash).order_by(ledger.c.seq)
            if size is not None:
                q = q.limit(size)
            return [(int(s), str(h)) for s, h in conn.execute(q)]

        return self._read(fn, "read the chain")

    def quarantine_entries(self) -> list[tuple[int, str, dict[str, Any]]]:
        """(seq, stage, entry) for every quarantine file a stage record names, in order.

        Each entry is the record's own dict: ``path``, ``rows``, ``dataset`` and, from
        records that carry it, ``sha256`` (hex of the file's bytes).
        """

        def fn(conn: sa.Connection) -> list[tuple[int, str, dict[str, Any]]]:
            seqs = sa.select(quarantine.c.seq).distinct()
            q = sa.select(ledger.c.seq, ledger.c.body).where(ledger.c.seq.in_(seqs))
            found: list[tuple[int, str, dict[str, Any]]] = []
            for seq, body in conn.execute(q.order_by(ledger.c.seq)):
                data = json.loads(body)["data"]
                for entry in data.get("quarantine") or ():
                    if isinstance(entry, dict):
                        found.append((int(seq), str(data.get("stage")), entry))
            return found

        return self._read(fn, "read the quarantine files' records")

    def running_run_ids(self) -> set[str]:
        """Ids of runs recorded as still running."""

        def fn(conn: sa.Connection) -> set[str]:
            q = sa.select(runs.c.id).where(runs.c.status == "running")
            return {str(i) for i in conn.execute(q).scalars()}

        return self._read(fn, "list running runs")


def _record(r: Any) -> LedgerRecord:
    data: dict[str, Any] = json.loads(r.body)["data"]
    return LedgerRecord(r.seq, r.kind, r.record_id, r.run_id, r.prev_hash, r.hash, data)
