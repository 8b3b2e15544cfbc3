"""The lineage index: which job runs read and wrote which datasets and models.

One table, ``lineage_io``, derived from the ledger like every index (stage records and
imported OpenLineage events; ``verify`` checks it). A graph query first asks the
database for every job run it may reach -- a recursive query over ``lineage_io`` that
follows each read to the runs that may have written it (a superset of the precise
matching govern.lineage.walk then does in memory) -- and reads those runs' rows at once.
No record is decoded, and a query costs what its answer holds, not what the store holds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Literal, TypeVar

import sqlalchemy as sa

from govern.store.report import IORow
from govern.store.schema import imported_events, ledger, lineage_io, models, runs

__all__ = ["LineageIndex"]

T = TypeVar("T")
Reader = Callable[[Callable[[sa.Connection], Any], str], Any]

_tuple_new = tuple.__new__
_CHUNK = 400  # keys per IN list: well under SQLite's and PostgreSQL's parameter limits
_io = lineage_io.c
_COLUMNS = (
    _io.run_key,
    _io.run_group,
    _io.ts,
    _io.seq,
    _io.origin,
    _io.job_namespace,
    _io.job_name,
    _io.role,
    _io.kind,
    _io.namespace,
    _io.name,
    _io.version,
)
_SELECT = sa.select(*_COLUMNS)
_NAMES = ", ".join(c.name for c in _COLUMNS)

# When may run ``w`` have written what run ``r`` read? A superset of walk.producers:
# the same model version; or the same dataset, written in the same run group, or --
# when no run of r's group wrote it earlier -- written earlier with the same or an
# unknown version, or by another producer.
_MAY_HAVE_WRITTEN = """
    w.name = r.name AND w.kind = r.kind AND w.run_key <> r.run_key AND (
        (r.kind = 'model' AND w.version = r.version)
        OR (r.kind = 'dataset' AND w.namespace = r.namespace AND (
            w.run_group = r.run_group
            OR (w.ts <= r.ts
                AND (w.version = r.version OR w.version IS NULL
                     OR r.version IS NULL OR w.origin <> r.origin)
                AND NOT EXISTS (
                    SELECT 1 FROM lineage_io s
                    WHERE s.name = r.name AND s.role = 'output' AND s.namespace = r.namespace
                      AND s.kind = 'dataset' AND s.run_group = r.run_group
                      AND s.run_key <> r.run_key AND s.ts <= r.ts)))))
"""
_STEP = {
    "upstream": (
        "JOIN lineage_io r ON r.run_key = reach.run_key AND r.role = 'input' "
        "JOIN lineage_io w ON w.role = 'output' AND " + _MAY_HAVE_WRITTEN,
        "w.run_key",
    ),
    "downstream": (
        "JOIN lineage_io w ON w.run_key = reach.run_key AND w.role = 'output' "
        "JOIN lineage_io r ON r.role = 'input' AND " + _MAY_HAVE_WRITTEN,
        "r.run_key",
    ),
}


def _closure_sql(direction: str, limited: bool) -> sa.TextClause:
    # built from this module's constants only: no value ever goes into the text
    join, found = _STEP[direction]
    if limited:  # hop counts bound the recursion (and keep it finite on cycles)
        head = "reach(run_key, hop)"
        body = (
            "SELECT DISTINCT run_key, 1 FROM lineage_io WHERE run_key IN :keys UNION "  # noqa: S608
            "SELECT " + found + ", reach.hop + 1 FROM reach " + join + " WHERE reach.hop < :depth"
        )
    else:  # UNION drops runs already reached: finite on any graph
        head = "reach(run_key)"
        body = (
            "SELECT run_key FROM lineage_io WHERE run_key IN :keys UNION "  # noqa: S608
            "SELECT " + found + " FROM reach " + join
        )
    sql = (
        "WITH RECURSIVE "  # noqa: S608
        + head
        + " AS ("
        + body
        + ") SELECT "
        + _NAMES
        + " FROM lineage_io WHERE run_key IN (SELECT run_key FROM reach)"
    )
    return sa.text(sql).bindparams(sa.bindparam("keys", expanding=True))


_CLOSURES = {
    (direction, limited): _closure_sql(direction, limited)
    for direction in _STEP
    for limited in (False, True)
}


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class LineageIndex:
    """Queries of the lineage index (``store.lineage``); each runs in one read transaction."""

    def __init__(self, read: Reader) -> None:
        self._read = read
        self._runs: dict[str, tuple[str, str]] = {}  # run id -> (namespace, pipeline)

    def closure(
        self,
        start: Iterable[str],
        *,
        direction: Literal["upstream", "downstream"],
        depth: int | None = None,
    ) -> list[IORow]:
        """Rows of ``start``'s runs and of every run the walk may reach from them.

        ``depth`` (job hops, counting ``start`` as 1) bounds the walk; None follows it
        to its end.
        """
        keys = sorted(set(start))
        if not keys or (depth is not None and depth < 1):
            return []
        query = _CLOSURES[direction, depth is not None]
        params: dict[str, Any] = {"keys": keys}
        if depth is not None:
            params["depth"] = depth

        def fn(conn: sa.Connection) -> list[IORow]:
            result = conn.execute(query, params)
            try:  # a text query's columns have no types to process: the driver's tuples
                rows = result.cursor.fetchall() if result.cursor is not None else []
            finally:
                result.close()
            return self._complete(conn, rows)

        return list(self._read(fn, "walk the lineage index"))

    def io(
        self,
        *,
        run_keys: Iterable[str] | None = None,
        group: str | None = None,
        datasets: Iterable[tuple[str, str]] | None = None,
        models: Iterable[tuple[str, str]] | None = None,
        job: tuple[str, str] | None = None,
        role: str | None = None,
    ) -> list[IORow]:
        """Rows matching one selector (and ``role`` when given).

        Args:
            run_keys: these job runs' inputs and outputs.
            group: every row of one run group (a pipeline run).
            datasets: rows touching these (namespace, name) datasets.
            models: rows touching these (name, version) models.
            job: every row of the runs of this (namespace, name) job.
            role: only ``input`` or only ``output`` rows.
        """
        queries: list[sa.Select[Any]] = []
        if run_keys is not None:
            queries += [_SELECT.where(_io.run_key.in_(c)) for c in _chunks(sorted(set(run_keys)))]
        if group is not None:
            queries.append(_SELECT.where(_io.run_group == group))
        if datasets is not None:
            pairs = sorted(set(datasets))
            queries += [
                _SELECT.where(_io.kind == "dataset", sa.tuple_(_io.namespace, _io.name).in_(c))
                for c in _chunks(pairs)
            ]
        if models is not None:
            pairs = sorted(set(models))
            queries += [
                _SELECT.where(_io.kind == "model", sa.tuple_(_io.name, _io.version).in_(c))
                for c in _chunks(pairs)
            ]
        if job is not None:
            namespace, name = job
            queries.append(_SELECT.where(_io.job_namespace == namespace, _io.job_name == name))
            # a govern job is <pipeline>.<stage>, and either may hold dots: try each split
            for cut in (i for i, char in enumerate(name) if char == "."):
                pipeline = sa.select(runs.c.id).where(
                    runs.c.namespace == namespace, runs.c.name == name[:cut]
                )
                queries.append(
                    _SELECT.where(
                        _io.origin == "govern",
                        _io.job_name == name[cut + 1 :],
                        _io.run_group.in_(pipeline),
                    )
                )
        if role is not None:
            queries = [q.where(_io.role == role) for q in queries]

        def fn(conn: sa.Connection) -> list[IORow]:
            rows: list[Any] = []
            for query in queries:
                rows.extend(conn.execute(query).all())
            return self._complete(conn, rows)

        return list(self._read(fn, "read the lineage index"))

    def model_versions(self, name: str) -> list[int]:
        """Recorded versions of a model, ascending."""
        query = sa.select(models.c.version).where(models.c.name == name).order_by(models.c.version)
        return list(self._read(lambda c: list(c.execute(query).scalars()), "read models"))

    def pipelines(self, namespace: str, name: str) -> list[str]:
        """Stage jobs of the pipeline ``name`` in ``namespace`` (empty when it is none)."""
        query = (
            sa.select(_io.job_name)
            .join(runs, runs.c.id == _io.run_group)
            .where(_io.origin == "govern", runs.c.namespace == namespace, runs.c.name == name)
            .distinct()
            .order_by(_io.job_name)
        )
        found = self._read(lambda c: list(c.execute(query).scalars()), "read jobs")
        return [f"{name}.{stage}" for stage in found]

    def known_runs(self, ids: Iterable[str]) -> set[str]:
        """Which of these ids are govern pipeline runs or stage runs."""
        wanted = sorted(set(ids))

        def fn(conn: sa.Connection) -> set[str]:
            found: set[str] = set()
            for chunk in _chunks(wanted):
                found.update(
                    conn.execute(sa.select(runs.c.id).where(runs.c.id.in_(chunk))).scalars()
                )
                found.update(
                    conn.execute(
                        sa.select(_io.run_key).where(_io.origin == "govern", _io.run_key.in_(chunk))
                    ).scalars()
                )
            return found

        return set(self._read(fn, "look up runs")) if wanted else set()

    def names(self) -> list[tuple[str, str, str]]:
        """Every (kind, namespace, name) the index knows: datasets, jobs and models."""

        def fn(conn: sa.Connection) -> list[tuple[str, str, str]]:
            found: set[tuple[str, str, str]] = set()
            query = sa.select(_io.kind, _io.namespace, _io.name).distinct()
            for kind, namespace, name in conn.execute(query):
                found.add((kind, "" if kind == "model" else namespace, name))
            jobs = sa.select(_io.run_group, _io.origin, _io.job_namespace, _io.job_name).distinct()
            rows = conn.execute(jobs).all()
            self._learn(conn, {r.run_group for r in rows if r.origin == "govern"})
            for group, origin, namespace, name in rows:
                if origin == "govern":
                    namespace, pipeline = self._runs.get(group, ("", ""))
                    name = f"{pipeline}.{name}"
                found.add(("job", namespace or "", name))
            return sorted(found)

        return list(self._read(fn, "list lineage nodes"))

    def imported_after(self, seq: int) -> list[tuple[int, dict[str, Any]]]:
        """(seq, event) of every imported OpenLineage event recorded after ``seq``.

        Facets the index does not hold (parent and root runs, symlinks, column lineage,
        lifecycle changes) are read from the events themselves; callers cache them.
        """

        def fn(conn: sa.Connection) -> list[tuple[int, dict[str, Any]]]:
            seqs = sorted(
                conn.execute(
                    sa.select(imported_events.c.seq).where(imported_events.c.seq > seq)
                ).scalars()
            )
            found: list[tuple[int, dict[str, Any]]] = []
            for chunk in _chunks(seqs):
                query = sa.select(ledger.c.seq, ledger.c.body).where(ledger.c.seq.in_(chunk))
                for at, body in conn.execute(query):
                    found.append((at, json.loads(body)["data"]["event"]))
            return sorted(found, key=lambda item: item[0])

        return list(self._read(fn, "read imported events"))

    def imported_runs(self, producer: str | None = None) -> list[dict[str, Any]]:
        """Imported runs, newest first: run id, job, producer, last event type and time."""
        c = imported_events.c
        query = (
            sa.select(
                c.run_key,
                c.job_namespace,
                c.job_name,
                c.producer,
                c.event_type,
                c.event_time,
                c.seq,
            )
            .where(c.event_kind == "run")
            .order_by(c.seq)
        )
        if producer is not None:
            query = query.where(c.producer.contains(producer, autoescape=True))

        def fn(conn: sa.Connection) -> list[dict[str, Any]]:
            runs_by_id: dict[str, dict[str, Any]] = {}
            for row in conn.execute(query):
                run = runs_by_id.setdefault(
                    row.run_key,
                    {
                        "run_id": row.run_key,
                        "job_namespace": row.job_namespace,
                        "job_name": row.job_name,
                        "producer": row.producer,
                        "started_at": row.event_time,
                    },
                )
                run.update(state=row.event_type, last_event_at=row.event_time, seq=row.seq)
            return sorted(runs_by_id.values(), key=lambda r: -int(r["seq"]))

        return list(self._read(fn, "read imported runs"))

    # -- rows ------------------------------------------------------------------------

    def _learn(self, conn: sa.Connection, groups: set[str]) -> None:
        """Namespace and pipeline of govern runs (immutable once recorded: cached)."""
        missing = sorted(groups - self._runs.keys())
        for chunk in _chunks(missing):
            query = sa.select(runs.c.id, runs.c.namespace, runs.c.name).where(runs.c.id.in_(chunk))
            for run_id, namespace, name in conn.execute(query):
                self._runs[run_id] = (namespace, name)

    def _complete(self, conn: sa.Connection, rows: Sequence[Any]) -> list[IORow]:
        """IORows, with govern jobs named ``<pipeline>.<stage>`` in their run's namespace."""
        self._learn(conn, {r[1] for r in rows if r[4] == "govern"})
        found: list[IORow] = []
        append = found.append
        known = self._runs
        named: dict[str, tuple[str, str]] = {}  # group -> (namespace, "<pipeline>.")
        for key, group, ts, seq, origin, job_ns, job, role, kind, ns, name, version in rows:
            if origin == "govern":
                prefix = named.get(group)
                if prefix is None:
                    run_ns, pipeline = known.get(group, ("", ""))
                    prefix = named[group] = (run_ns, pipeline + ".")
                job_ns = prefix[0]
                job = prefix[1] + job
                if kind == "model" and role == "output":
                    ns = job_ns
            # tuple.__new__: a named tuple's own __new__ is a Python call, and a large
            # answer has tens of thousands of rows
            append(
                _tuple_new(
                    IORow, (key, group, ts, seq, job_ns, job, role, kind, ns, name, version, origin)
                )
            )
        return found
