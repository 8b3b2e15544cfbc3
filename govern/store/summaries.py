"""Reading monitoring summaries: a dataset's versions in record order, compact or whole.

The compact summaries (no sketches) come from the ``dataset_summaries`` index, one
indexed range read however long the record; whole summaries (with the KLL and HLL
sketches that drift measures need) from the stage records themselves. Judging a version
against a long history reads neither: each index row also keeps its numbers packed
(govern.monitoring.packing: a short layout and one float64 block), so a 1,000-version window is
one range read and no JSON number is parsed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from govern.store.codec import decode_value
from govern.store.schema import dataset_summaries, ledger

__all__ = ["SeriesRow", "SummaryRow", "series_rows", "summary_rows"]

_TAG = "__govern_float__"  # govern.store.codec's tag of a non-finite float


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One recorded dataset version's summary.

    Attributes:
        seq: the stage record's place in the chain (run order).
        ts: the stage call's start, epoch seconds (from the record).
        role: ``input`` or ``output``.
        fingerprint: the version's content fingerprint (None when not computed).
        stage_run_id: the stage call that saw the version.
        namespace, name: the dataset.
        summary: the summary's JSON form (govern.monitoring.summary.DatasetSummary).
    """

    seq: int
    ts: float
    role: str
    fingerprint: str | None
    stage_run_id: str
    namespace: str
    name: str
    summary: Mapping[str, Any]


def summary_rows(
    conn: sa.Connection,
    name: str,
    namespace: str | None = None,
    *,
    limit: int | None = None,
    before_seq: int | None = None,
    role: str | None = None,
    whole: bool = False,
) -> list[SummaryRow]:
    """The last ``limit`` summaries of a dataset (before ``before_seq``), oldest first.

    Args:
        conn: a connection to the store.
        name: the dataset's name.
        namespace: its namespace (None: any).
        limit: how many (None: all).
        before_seq: only versions recorded before this seq.
        role: only versions seen as ``input`` or ``output``.
        whole: with the sketches, decoded from the stage records (slower).
    """
    t = dataset_summaries
    query = sa.select(
        t.c.seq,
        t.c.ts,
        t.c.role,
        t.c.fingerprint,
        t.c.stage_run_id,
        t.c.namespace,
        t.c.name,
        t.c.position,
        t.c.compact,
    ).where(t.c.name == name)
    if namespace is not None:
        query = query.where(t.c.namespace == namespace)
    if before_seq is not None:
        query = query.where(t.c.seq < before_seq)
    if role is not None:
        query = query.where(t.c.role == role)
    query = query.order_by(t.c.seq.desc(), t.c.position.desc())
    if limit is not None:
        query = query.limit(limit)
    found = list(conn.execute(query))
    found.reverse()
    bodies: dict[int, Any] = {}
    if whole and found:
        seqs = sorted({r.seq for r in found})
        select = sa.select(ledger.c.seq, ledger.c.body).where(ledger.c.seq.in_(seqs))
        bodies = {seq: json.loads(body)["data"] for seq, body in conn.execute(select)}
    out = []
    for r in found:
        if whole:
            summary = bodies[r.seq]["datasets"][r.position]["summary"]
        else:  # float tags only where a value was not finite: decode only then
            summary = json.loads(r.compact)
            if _TAG not in r.compact:
                out.append(_row(r, summary))
                continue
        out.append(_row(r, decode_value(summary)))
    return out


def _row(r: Any, summary: Mapping[str, Any]) -> SummaryRow:
    return SummaryRow(
        seq=r.seq,
        ts=r.ts,
        role=r.role,
        fingerprint=r.fingerprint,
        stage_run_id=r.stage_run_id,
        namespace=r.namespace,
        name=r.name,
        summary=summary,
    )


@dataclass(frozen=True, slots=True)
class SeriesRow:
    """One recorded dataset version's packed numbers (see govern.monitoring.packing).

    Attributes:
        seq, ts, stage_run_id: as in `SummaryRow`.
        layout, numbers: the version's layout (columns, kinds, types, listed values) and
            its numbers as little-endian float64 (see govern.monitoring.packing).
    """

    seq: int
    ts: float
    stage_run_id: str
    layout: str
    numbers: bytes


def series_rows(
    conn: sa.Connection,
    name: str,
    namespace: str | None = None,
    *,
    limit: int | None = None,
    role: str | None = None,
) -> list[SeriesRow]:
    """The last ``limit`` versions' packed numbers, one per stage call, oldest first.

    A stage call that saw the dataset twice (one frame passed as two parameters) counts
    once, with its first sighting.
    """
    t = dataset_summaries
    query = sa.select(t.c.seq, t.c.ts, t.c.stage_run_id, t.c.layout, t.c.numbers).where(
        t.c.name == name
    )
    if namespace is not None:
        query = query.where(t.c.namespace == namespace)
    if role is not None:
        query = query.where(t.c.role == role)
    # the first sighting per stage call: no row of the same call at a lower position
    earlier = dataset_summaries.alias("earlier")
    query = query.where(
        ~sa.exists().where(
            earlier.c.stage_run_id == t.c.stage_run_id,
            earlier.c.position < t.c.position,
            earlier.c.name == t.c.name,
            earlier.c.namespace == t.c.namespace,
            earlier.c.role == t.c.role,
        )
    )
    query = query.order_by(t.c.seq.desc(), t.c.position.desc())
    if limit is not None:
        query = query.limit(limit)
    found = [
        SeriesRow(r.seq, r.ts, r.stage_run_id, r.layout, r.numbers) for r in conn.execute(query)
    ]
    found.reverse()
    return found
