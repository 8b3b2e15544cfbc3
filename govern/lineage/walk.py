"""Walking the lineage index in memory, one hop of job runs at a time.

The store hands over every run a query may reach (``LineageIndex.closure``: one
recursive query); this module decides which of those links are real. A hop is one job
run: upstream, the runs that wrote a node and then what they read; downstream, the runs
that read it and then what they wrote.

Which run wrote the dataset a run read (``producers``), most precise rule first:

1. a run of the same group (the same pipeline run, the same DAG run) that wrote it
   earlier -- govern links a stage's output to the next stage's input this way;
2. else the latest earlier run that wrote that very version;
3. else the latest earlier run that wrote it at all, unless both versions are known,
   come from the same producer and differ (then the content provably changed).

Each rule keeps every job that qualifies (each job's latest run), not only the latest
run overall: at an intermediate dataset that two jobs write, both are producers.

A model version has exactly one producer: the stage that trained it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from typing import Any, TypeVar

from govern.lineage.nodes import Edge, Node
from govern.store.report import IORow

__all__ = ["Walk", "Writers", "key_of", "producers"]

Key = tuple[str, str, str]  # (kind, namespace or "" for models, name)
T = TypeVar("T", Node, Edge)


def _new(cls: type[T], values: tuple[Any, ...]) -> T:
    return tuple.__new__(cls, values)


def key_of(row: IORow) -> Key:
    """What a row is about: a dataset by namespace and name, a model by name."""
    return ("model", "", row.name) if row.kind == "model" else ("dataset", row.namespace, row.name)


def _order(row: IORow) -> tuple[float, int]:
    return (row.ts, row.seq)


def _before(writer: IORow, reader: IORow) -> bool:
    if writer.origin == reader.origin == "govern":
        return writer.seq < reader.seq
    return writer.ts <= reader.ts


@dataclass
class Writers:
    """Output rows of one dataset (or model name), indexed for ``producers``."""

    rows: list[IORow] = field(default_factory=list)
    by_group: dict[str, list[IORow]] = field(default_factory=lambda: defaultdict(list))

    def add(self, row: IORow) -> None:
        """Add one output row."""
        self.rows.append(row)
        self.by_group[row.group].append(row)


_NONE = Writers()


def producers(reader: IORow, writers: Writers) -> list[IORow]:
    """The runs that wrote what ``reader`` read (see the module docstring).

    Every job that wrote it is kept (its latest qualifying run): two jobs that both
    write an intermediate dataset are both its producers.
    """
    if reader.kind == "model":
        return [w for w in writers.rows if w.version == reader.version]
    run_key = reader.run_key
    if reader.origin == "govern":  # _before, inlined: this runs once per row read
        seq = reader.seq
        same = [
            w
            for w in writers.by_group.get(reader.group, ())
            if w.run_key != run_key and (w.seq < seq if w.origin == "govern" else w.ts <= reader.ts)
        ]
    else:
        same = [
            w
            for w in writers.by_group.get(reader.group, ())
            if w.run_key != run_key and _before(w, reader)
        ]
    if len(same) == 1:
        return same
    if same:
        exact = [w for w in same if w.version == reader.version] if reader.version else []
        return _latest_per_job(exact or same)
    earlier = [w for w in writers.rows if w.run_key != reader.run_key and w.ts <= reader.ts]
    if reader.version is not None:
        exact = [w for w in earlier if w.version == reader.version]
        if exact:
            return _latest_per_job(exact)
    return _latest_per_job(
        [
            w
            for w in earlier
            if w.version is None or reader.version is None or w.origin != reader.origin
        ]
    )


def _latest_per_job(rows: list[IORow]) -> list[IORow]:
    if len(rows) < 2:
        return rows
    latest: dict[tuple[str | None, str], IORow] = {}
    for row in rows:
        job = (row.job_namespace, row.job_name)
        kept = latest.get(job)
        if kept is None or _order(row) > _order(kept):
            latest[job] = row
    return list(latest.values())


class Walk:
    """One query's walk over rows already read: collects its nodes and edges."""

    def __init__(
        self, depth: int | None, dropped: Collection[tuple[int, str, str]] = frozenset()
    ) -> None:
        self.depth = depth
        self.dropped = dropped  # (seq, namespace, name) of imported DROPs: not writes
        self.nodes: dict[Node, None] = {}  # nodes added alone (edges bring their own)
        self.edges: dict[tuple[Node, Node], None] = {}
        self.runs: dict[str, list[IORow]] = defaultdict(list)
        self.writers: dict[Key, Writers] = defaultdict(Writers)
        self.readers: dict[Key, list[IORow]] = defaultdict(list)
        self.model_ns: dict[tuple[str, str | None], str] = {}
        self._jobs: dict[str, Node] = {}  # run key -> its job (rows of a run share it)

    def load(
        self, rows: Iterable[IORow], *, writers_only: bool = False, readers: bool = True
    ) -> None:
        """Index rows by run, by what they wrote and (unless ``readers`` is False) read.

        ``writers_only`` adds output rows to the writers index alone (rows read to judge
        producers, whose runs are not part of the walk). An upstream-only walk never
        looks readers up, so it may skip indexing them.
        """
        index_readers = readers
        rows = list(rows)
        if self.dropped:
            rows = [r for r in rows if not self.is_drop(r)]
        runs, writers, readers_of = self.runs, self.writers, self.readers
        known = {r.run_key for r in rows if r.run_key in runs}  # loaded before: skip
        for row in rows:  # key_of and Writers.add inlined: this loop sees every row
            model = row.kind == "model"
            key = ("model", "", row.name) if model else ("dataset", row.namespace, row.name)
            if writers_only:
                if row.role == "output" and row.run_key not in runs:
                    writers[key].add(row)
                continue
            if row.run_key in known:
                continue
            runs[row.run_key].append(row)
            if row.role == "output":
                found = writers[key]
                found.rows.append(row)
                found.by_group[row.group].append(row)
                if model and row.namespace:
                    self.model_ns.setdefault((row.name, row.version), row.namespace)
            elif index_readers:
                readers_of[key].append(row)

    def is_drop(self, row: IORow) -> bool:
        """An imported output whose lifecycleStateChange is DROP (a removal, not a write)."""
        return row.role == "output" and (row.seq, row.namespace, row.name) in self.dropped

    # -- results --------------------------------------------------------------------

    # Nodes and edges are built with tuple.__new__: the named tuples' own __new__ is a
    # Python function, and a large answer makes ~50,000 of them.

    def node(self, row: IORow) -> Node:
        """The dataset or model a row is about (a model in the namespace it was made in)."""
        if row.kind == "model":
            namespace = self.model_ns.get((row.name, row.version), row.namespace)
            return _new(Node, ("model", namespace, row.name, row.version))
        return _new(Node, ("dataset", row.namespace, row.name, row.version))

    def job(self, row: IORow) -> Node:
        """The job whose run a row belongs to."""
        node = self._jobs.get(row.run_key)
        if node is None:
            node = _new(Node, ("job", row.job_namespace, row.job_name, None))
            self._jobs[row.run_key] = node
        return node

    def add(self, node: Node) -> Node:
        """Add a node."""
        self.nodes[node] = None
        return node

    def link(self, source: Node, target: Node) -> None:
        """Add an edge (and so its two nodes)."""
        self.edges[(source, target)] = None

    def result(self) -> tuple[tuple[Node, ...], tuple[Edge, ...]]:
        """Every node (sorted: datasets, jobs, models by name) and edge (by its nodes)."""
        found = set(chain(self.nodes, chain.from_iterable(self.edges)))  # at C speed
        # Node.sort_key's order ("dataset" < "job" < "model", then namespace, name,
        # version) as one string per node: strings compare in C, tuples of them do not
        keyed = sorted(
            [(f"{n[0]}\0{n[1]}\0{n[2]}\0{n[3] or ''}", n) for n in found],
            key=itemgetter(0),
        )
        nodes = tuple([n for _, n in keyed])
        # edges in the order of their nodes' ranks: each edge as one integer, sorted in C
        rank = {node: i for i, node in enumerate(nodes)}
        size = len(nodes)
        codes = sorted([rank[s] * size + rank[t] for s, t in self.edges])
        new = tuple.__new__
        return nodes, tuple(
            [new(Edge, (nodes[code // size], nodes[code % size])) for code in codes]
        )

    def within(self, hop: int) -> bool:
        """Whether runs ``hop`` job hops from the root are part of the answer."""
        return self.depth is None or hop <= self.depth

    # -- the two directions -----------------------------------------------------------

    def upstream(self, start: Sequence[str]) -> None:
        """From ``start`` runs (hop 1): their inputs, the runs that wrote those, and so on."""
        seen: set[str] = set()
        frontier, hop = sorted(set(start)), 1
        runs, writers, edges, job = self.runs, self.writers, self.edges, self.job
        new = tuple.__new__  # not _new: one Python call less per row read
        while frontier and self.within(hop):
            seen.update(frontier)
            deeper = self.within(hop + 1)
            following: set[str] = set()
            for run in frontier:
                rows = runs.get(run, ())
                if not rows:
                    continue
                reader = job(rows[0])  # every row of a run has its job
                for row in rows:
                    if row.role != "input":
                        continue
                    if row.kind == "model":
                        read = self.node(row)
                        key: Key = ("model", "", row.name)
                    else:  # self.node and key_of, inlined: once per row read
                        read = new(Node, ("dataset", row.namespace, row.name, row.version))
                        key = ("dataset", row.namespace, row.name)
                    edges[(read, reader)] = None
                    if not deeper:
                        continue
                    written = writers.get(key, _NONE)
                    # producers' commonest answer, inlined: a govern dataset whose group
                    # has one writer of it, an earlier run (rule 1); else producers decides
                    made = written.by_group.get(row.group) if row.origin == "govern" else None
                    if not (
                        made is not None
                        and len(made) == 1
                        and row.kind != "model"
                        and (w := made[0]).run_key != row.run_key
                        and (w.seq < row.seq if w.origin == "govern" else w.ts <= row.ts)
                    ):
                        made = producers(row, written)
                    for writer in made:
                        edges[(job(writer), read)] = None
                        if writer.run_key not in seen:
                            following.add(writer.run_key)
            frontier, hop = sorted(following), hop + 1

    def downstream(self, start: Sequence[str]) -> None:
        """From ``start`` runs (hop 1): their outputs, the runs that read those, and so on.

        The writers index must hold every writer of what the reached runs read, not only
        the reached ones (``load(..., writers_only=True)``): a reader's producer may be a
        run this walk never reaches.
        """
        seen: set[str] = set()
        frontier, hop = sorted(set(start)), 1
        while frontier and self.within(hop):
            seen.update(frontier)
            following: set[str] = set()
            for run in frontier:
                for row in self.runs.get(run, ()):
                    if row.role != "output":
                        continue
                    self.link(self.job(row), self.node(row))
                    if not self.within(hop + 1):
                        continue
                    for reader in self.readers.get(key_of(row), ()):
                        if reader.run_key == row.run_key:
                            continue
                        made = producers(reader, self.writers.get(key_of(reader), _NONE))
                        if any(w.run_key == row.run_key for w in made):
                            self.link(self.node(row), self.job(reader))
                            if reader.run_key not in seen:
                                following.add(reader.run_key)
            frontier, hop = sorted(following), hop + 1
